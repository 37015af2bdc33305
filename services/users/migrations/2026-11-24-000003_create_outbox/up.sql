-- The transactional outbox: events waiting to be published to RabbitMQ.
--
-- A change and the event announcing it are written in ONE transaction (a
-- user row and its `user.registered` row), so either both exist or neither
-- does: no event for a rolled-back change, no change without its event.
-- The relay (src/events/relay.rs) publishes unsent rows afterwards and marks
-- them sent once the broker confirmed them. This is how a service changes
-- its database and tells others about it without a distributed transaction.
CREATE TABLE outbox (
    -- The event id (UUIDv7): time-ordered, so ORDER BY id is publish order.
    id          uuid        PRIMARY KEY,
    -- The routing key, e.g. `user.registered` (also inside the envelope;
    -- a column so it can be read without parsing JSON).
    event_type  text        NOT NULL,
    -- The whole envelope as it goes on the wire (contracts::events::Envelope).
    envelope    jsonb       NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    -- NULL until the broker confirmed the publish.
    sent_at     timestamptz,
    -- Failed publish attempts and the last reason, for operators.
    attempts    integer     NOT NULL DEFAULT 0,
    last_error  text
);

-- What the relay asks for: unsent rows in id order. A partial index stays
-- small however many sent rows wait for pruning.
CREATE INDEX outbox_unsent_idx ON outbox (id) WHERE sent_at IS NULL;
-- What pruning asks for: sent rows older than the retention.
CREATE INDEX outbox_sent_at_idx ON outbox (sent_at) WHERE sent_at IS NOT NULL;

-- Wake the relay when events are written. NOTIFY is transactional: it is
-- delivered when the inserting transaction commits, never for a rollback.
-- One notification per statement is enough: the relay reads every unsent
-- row when it wakes, and Postgres folds identical notifications within a
-- transaction anyway. The relay also polls, in case a notification is
-- missed (its listening connection was being re-established).
CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('outbox', '');
    RETURN NULL;
END;
$$;

CREATE TRIGGER outbox_notify
    AFTER INSERT ON outbox
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();
