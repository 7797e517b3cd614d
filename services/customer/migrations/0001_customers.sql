-- The customer aggregate. `version` is the optimistic-concurrency token exposed as the ETag.
CREATE TABLE customer (
    id               UUID PRIMARY KEY,
    first_name       TEXT        NOT NULL,
    last_name        TEXT        NOT NULL,
    email            TEXT        NOT NULL,
    phone            TEXT,
    address          JSONB,
    status           TEXT        NOT NULL CHECK (status IN ('Active', 'Deactivated')),
    registered_at    TIMESTAMPTZ NOT NULL,
    email_changed_at TIMESTAMPTZ,
    version          BIGINT      NOT NULL CHECK (version > 0),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- One customer per mailbox, whatever the case the address was typed in.
CREATE UNIQUE INDEX customer_email_key ON customer (lower(email));
CREATE INDEX customer_status_id_idx ON customer (status, id);

-- Every domain event, written in the same transaction as the change that caused it.
CREATE TABLE customer_audit (
    id             BIGSERIAL PRIMARY KEY,
    customer_id    UUID        NOT NULL,
    event_type     TEXT        NOT NULL,
    payload        JSONB       NOT NULL,
    correlation_id TEXT,
    occurred_at    TIMESTAMPTZ NOT NULL,
    recorded_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX customer_audit_customer_idx ON customer_audit (customer_id, id);
