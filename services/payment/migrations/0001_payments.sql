-- The payment aggregate: one row per order. `version` is the optimistic-concurrency token
-- exposed as the ETag. The reasons and times are copies of what the ledger says, written in
-- the same statement from the same aggregate, so lists and support queries need no join.
CREATE TABLE payment (
    id             UUID        PRIMARY KEY,
    order_id       UUID        NOT NULL,
    -- NULL only for a voided order: the refund that voided it named no customer.
    customer_id    UUID,
    amount         BIGINT      NOT NULL CHECK (amount > 0),
    currency       TEXT        NOT NULL,
    status         TEXT        NOT NULL CHECK (status IN ('Captured', 'Declined', 'Refunded', 'Voided')),
    decline_reason TEXT,
    refund_reason  TEXT,
    void_reason    TEXT,
    created_at     TIMESTAMPTZ NOT NULL,
    captured_at    TIMESTAMPTZ,
    refunded_at    TIMESTAMPTZ,
    updated_at     TIMESTAMPTZ NOT NULL,
    version        BIGINT      NOT NULL CHECK (version > 0),
    -- One payment per order: the backstop of per-order idempotence.
    CONSTRAINT payment_order_id_key UNIQUE (order_id),
    CHECK ((status = 'Voided') = (customer_id IS NULL))
);

-- A customer's payments in creation order (ids are UUIDv7), and the money they hold.
CREATE INDEX payment_customer_idx ON payment (customer_id, id);

-- The audit trail: every money movement (or refused movement) of a payment, oldest first.
CREATE TABLE payment_ledger (
    id             BIGSERIAL   PRIMARY KEY,
    payment_id     UUID        NOT NULL REFERENCES payment (id),
    -- Position in the payment's ledger, from 0.
    seq            INT         NOT NULL CHECK (seq >= 0),
    kind           TEXT        NOT NULL CHECK (kind IN ('Authorised', 'Captured', 'Declined', 'Refunded')),
    amount         BIGINT      NOT NULL CHECK (amount > 0),
    currency       TEXT        NOT NULL,
    reason         TEXT,
    occurred_at    TIMESTAMPTZ NOT NULL,
    -- Which saga and which command caused the entry, for auditors.
    correlation_id TEXT,
    causation_id   TEXT,
    recorded_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT payment_ledger_seq_key UNIQUE (payment_id, seq)
);

-- Append-only, enforced by the database rather than by convention: an audit trail that
-- can be edited is not one.
CREATE FUNCTION payment_ledger_is_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'payment_ledger is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER payment_ledger_no_update_or_delete
    BEFORE UPDATE OR DELETE ON payment_ledger
    FOR EACH ROW EXECUTE FUNCTION payment_ledger_is_append_only();

CREATE TRIGGER payment_ledger_no_truncate
    BEFORE TRUNCATE ON payment_ledger
    FOR EACH STATEMENT EXECUTE FUNCTION payment_ledger_is_append_only();
