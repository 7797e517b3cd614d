-- Transactional outbox (DESIGN.md §4). Debezium-compatible column names, so CDC could
-- replace the relay without touching the services.
CREATE TABLE outbox_message (
    id            BIGSERIAL PRIMARY KEY,
    event_id      UUID        NOT NULL UNIQUE,
    aggregatetype TEXT        NOT NULL,
    aggregateid   TEXT        NOT NULL,
    type          TEXT        NOT NULL,
    event_version INT         NOT NULL,
    topic         TEXT        NOT NULL,
    payload       JSONB       NOT NULL,
    headers       JSONB       NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    available_at  TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    published_at  TIMESTAMPTZ,
    attempts      INT         NOT NULL DEFAULT 0,
    last_error    TEXT,
    dead          BOOLEAN     NOT NULL DEFAULT FALSE
);

-- What the relay claims, in order.
CREATE INDEX outbox_message_pending_idx ON outbox_message (id)
    WHERE published_at IS NULL AND NOT dead;
-- Lets the relay see whether an earlier event of the same aggregate is backed off. Only rows
-- that failed (attempts > 0) can be, so the index stays tiny however long the backlog.
CREATE INDEX outbox_message_backed_off_idx ON outbox_message (aggregatetype, aggregateid, id)
    WHERE published_at IS NULL AND NOT dead AND attempts > 0;
-- What the janitor deletes.
CREATE INDEX outbox_message_published_idx ON outbox_message (published_at)
    WHERE published_at IS NOT NULL;
