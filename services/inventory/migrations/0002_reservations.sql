-- The stock held for one order. The order id is the key, and the idempotency key of the
-- saga's stock commands: every command locks this row (FOR UPDATE) before the product rows
-- it changes, so commands for one order apply one after another.
CREATE TABLE reservation (
    order_id     UUID        PRIMARY KEY,
    status       TEXT        NOT NULL
                 CHECK (status IN ('Pending', 'Reserved', 'Failed', 'Released', 'Committed')),
    -- [{"productId": "…", "quantity": 2}], one entry per product; empty only for a release
    -- that arrived before its reservation.
    lines        JSONB       NOT NULL CHECK (jsonb_typeof(lines) = 'array'),
    -- [{"productId": "…", "requested": 3, "available": 1}]; present exactly when Failed.
    shortages    JSONB       NOT NULL DEFAULT '[]'
                 CHECK (jsonb_typeof(shortages) = 'array'
                        AND (status = 'Failed') = (jsonb_array_length(shortages) > 0)),
    created_at   TIMESTAMPTZ NOT NULL,
    reserved_at  TIMESTAMPTZ,
    failed_at    TIMESTAMPTZ,
    released_at  TIMESTAMPTZ,
    committed_at TIMESTAMPTZ,
    version      BIGINT      NOT NULL CHECK (version > 0)
);

-- Stock that left or came back because of an order (sold, returned) names the order.
ALTER TABLE stock_adjustment ADD COLUMN order_id UUID;
CREATE INDEX stock_adjustment_order_idx ON stock_adjustment (order_id) WHERE order_id IS NOT NULL;
