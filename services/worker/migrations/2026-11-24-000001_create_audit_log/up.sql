-- The audit trail: one row per user event, as it was announced.
--
-- The worker writes it from the `user.#` events it consumes; nothing ever
-- updates or deletes a row (an audit trail that can be edited proves little).
-- Rows come from an at-least-once stream, so the same event can arrive twice:
-- `event_id UNIQUE` makes a second insert impossible even for a writer that
-- skipped the `processed_events` check.

CREATE TABLE audit_log (
    -- Our own surrogate key: insertion order, cheap to page through.
    id             bigserial   PRIMARY KEY,

    -- The event's UUIDv7, from its envelope: the idempotency key.
    event_id       uuid        NOT NULL UNIQUE,

    -- `user.registered`, `user.deleted`…: the envelope's type.
    event_type     text        NOT NULL,

    -- The user the event is about. No foreign key: users live in another
    -- service's database, and the trail must outlive a deleted user.
    user_id        uuid        NOT NULL,

    -- When the change happened (the users service's transaction), as opposed
    -- to `recorded_at`, when the worker got round to it.
    occurred_at    timestamptz NOT NULL,
    recorded_at    timestamptz NOT NULL DEFAULT now(),

    -- The request id that caused the change, to find its logs. Events from
    -- jobs or psql have none.
    correlation_id text,

    -- The payload with link tokens redacted (`Envelope::redacted_payload`):
    -- a token in the trail would be a password reset anyone with read access
    -- could use. jsonb rather than json: queryable (`payload->>'email'`).
    payload        jsonb       NOT NULL
);

-- "What happened to this user, in order?" is the question the trail answers:
-- an index range scan per user, already sorted.
CREATE INDEX audit_log_user_id_occurred_at_idx ON audit_log (user_id, occurred_at);
