-- Idempotent consumers (DESIGN.md §4): one row per event a consumer group has applied,
-- written in the same transaction as the handler's effects.
CREATE TABLE inbox_message (
    consumer_group  TEXT        NOT NULL,
    event_id        UUID        NOT NULL,
    topic           TEXT        NOT NULL,
    kafka_partition INT         NOT NULL,
    kafka_offset    BIGINT      NOT NULL,
    event_type      TEXT        NOT NULL,
    received_at     TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (consumer_group, event_id)
);
CREATE INDEX inbox_message_received_idx ON inbox_message (received_at);
