-- Read models of other contexts, built only from their events (consumer group "order").

-- The catalogue as far as ordering needs it: a line copies name and price from here.
-- `updated_at` is the time of the event the row reflects; older events are ignored.
CREATE TABLE product_view (
    id         UUID PRIMARY KEY,
    name       TEXT        NOT NULL,
    price      BIGINT      NOT NULL,
    currency   TEXT        NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- Customers, to refuse orders of unknown or deactivated ones. Events may arrive in any order,
-- so each attribute remembers the time of the event that set it and only a newer one replaces
-- it; a row can exist before its registration arrived (name and email still NULL).
CREATE TABLE customer_view (
    id                UUID PRIMARY KEY,
    name              TEXT,
    email             TEXT,
    email_changed_at  TIMESTAMPTZ,
    active            BOOLEAN     NOT NULL,
    active_changed_at TIMESTAMPTZ NOT NULL,
    registered_at     TIMESTAMPTZ,
    changed_at        TIMESTAMPTZ NOT NULL
);
