-- The order aggregate. Lines and history are stored whole: they are only ever read and written
-- with their order. `version` is the optimistic-concurrency token exposed as the ETag.
CREATE TABLE orders (
    id                  UUID PRIMARY KEY,
    customer_id         UUID        NOT NULL,
    status              TEXT        NOT NULL
        CHECK (status IN ('Draft', 'Placed', 'Confirmed', 'Completed', 'Cancelled')),
    lines               JSONB       NOT NULL,
    history             JSONB       NOT NULL,
    created_at          TIMESTAMPTZ NOT NULL,
    placed_at           TIMESTAMPTZ,
    confirmed_at        TIMESTAMPTZ,
    completed_at        TIMESTAMPTZ,
    cancelled_at        TIMESTAMPTZ,
    cancellation_reason TEXT,
    version             BIGINT      NOT NULL CHECK (version > 0),
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX orders_customer_idx ON orders (customer_id, id);
CREATE INDEX orders_status_idx ON orders (status, id);

-- The fulfilment saga of a placed order (DESIGN.md §5). `data` holds what the saga's commands
-- need beyond the domain (customer id, payment token); `last_request_id` is the id of the
-- event that last moved the saga (NULL when the sweeper or an API call moved it).
CREATE TABLE saga_instance (
    order_id        UUID PRIMARY KEY REFERENCES orders (id),
    state           TEXT        NOT NULL
        CHECK (state IN ('AwaitingStock', 'AwaitingPayment', 'Completed', 'Compensating', 'Cancelled')),
    compensating    BOOLEAN     NOT NULL,
    deadline_at     TIMESTAMPTZ,
    version         BIGINT      NOT NULL CHECK (version > 0),
    amount          BIGINT      NOT NULL,
    currency        TEXT        NOT NULL,
    step_timeout_ms BIGINT      NOT NULL CHECK (step_timeout_ms > 0),
    failure_reason  TEXT,
    data            JSONB       NOT NULL,
    last_request_id UUID,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
-- The sweeper's question: which sagas are past their deadline?
CREATE INDEX saga_instance_due_idx ON saga_instance (deadline_at) WHERE deadline_at IS NOT NULL;

-- What happened to an order, for people: status changes and saga transitions, numbered per
-- order. Entries are appended under the order's row lock, so `seq` commits in order and an
-- SSE client can resume after the last one it saw.
CREATE TABLE order_timeline (
    order_id       UUID        NOT NULL REFERENCES orders (id),
    seq            BIGINT      NOT NULL CHECK (seq > 0),
    kind           TEXT        NOT NULL,
    status         TEXT        NOT NULL,
    detail         JSONB       NOT NULL,
    at             TIMESTAMPTZ NOT NULL,
    correlation_id TEXT,
    PRIMARY KEY (order_id, seq)
);
