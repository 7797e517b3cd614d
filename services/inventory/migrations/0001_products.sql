-- The product aggregate. `version` is the optimistic-concurrency token exposed as the ETag.
CREATE TABLE product (
    id             UUID PRIMARY KEY,
    sku            TEXT        NOT NULL,
    name           TEXT        NOT NULL,
    price_amount   BIGINT      NOT NULL CHECK (price_amount >= 0),
    price_currency TEXT        NOT NULL,
    stock_on_hand  INT         NOT NULL CHECK (stock_on_hand >= 0),
    reserved       INT         NOT NULL DEFAULT 0 CHECK (reserved >= 0 AND reserved <= stock_on_hand),
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    version        BIGINT      NOT NULL CHECK (version > 0)
);

-- One product per SKU; the domain stores SKUs upper-cased, so equality is enough.
CREATE UNIQUE INDEX product_sku_key ON product (sku);

-- Every stock adjustment, written in the same transaction as the change that caused it.
CREATE TABLE stock_adjustment (
    id             BIGSERIAL PRIMARY KEY,
    product_id     UUID        NOT NULL REFERENCES product (id),
    delta          INT         NOT NULL CHECK (delta <> 0),
    reason         TEXT        NOT NULL,
    correlation_id TEXT,
    occurred_at    TIMESTAMPTZ NOT NULL,
    recorded_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX stock_adjustment_product_idx ON stock_adjustment (product_id, id);
