-- Which events each consumer has already applied: the idempotency record.
--
-- RabbitMQ delivers at least once (a redelivery after a lost ack, a relay
-- that publishes twice after a crash), so every consumer checks here before
-- acting. The audit consumer inserts its row in the same transaction as the
-- audit row (`INSERT … ON CONFLICT DO NOTHING`: 0 rows means "already done"),
-- so the two commit or roll back together. The email consumer records its
-- row after the email is sent (see handlers/email.rs for that window).

CREATE TABLE processed_events (
    -- `email` or `audit`: one event is applied once per consumer, not once
    -- overall (both consumers get `user.registered`).
    consumer     text        NOT NULL,
    event_id     uuid        NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now(),

    -- The primary key is the de-duplication: a second insert conflicts.
    PRIMARY KEY (consumer, event_id)
);

-- No retention here yet: a row is ~60 bytes, so millions of events cost
-- little. A periodic `DELETE … WHERE processed_at < now() - interval '30 days'`
-- would bound it, as long as the broker never holds a message that long.
