-- Retention for the idempotency record: the worker deletes rows older than
-- `worker.processed_retention_secs` (30 days by default) every
-- `worker.prune_interval_secs`. This index makes that delete a range scan
-- instead of a sweep of the whole table.
--
-- Why forgetting is safe: an event id only needs remembering while the same
-- event can still arrive, and every path that redelivers (a lost ack, the
-- retry queues, `capstone dlq replay`) does so within the retention, as long
-- as dead letters are replayed or purged within it (see the chapter).
CREATE INDEX processed_events_processed_at_idx ON processed_events (processed_at);
