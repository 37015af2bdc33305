//! The arguments each queue is declared with: quorum queues, and
//! dead-lettering the broker performs at least once.
//!
//! Why quorum queues: a classic queue lives on one node and loses what it
//! holds with that node's disk; a quorum queue is replicated (Raft) and
//! survives the loss of a minority of nodes. And only quorum queues can
//! dead-letter *at least once* (`x-dead-letter-strategy = at-least-once`):
//! the broker keeps the message until the target queue has confirmed it. A
//! classic queue dead-letters at most once, so a message expiring from a
//! retry queue while the work queue is unavailable was simply gone.
//!
//! | queue | arguments |
//! |---|---|
//! | work | quorum; after [`DELIVERY_LIMIT`] deliveries, dead-lettered (at least once) to the concern's dead-letter queue |
//! | retry N | quorum; `x-message-ttl` = its delay, then dead-lettered (at least once) to the work queue |
//! | dead letters | quorum; nothing else: they stay until an operator replays them |
//!
//! `at-least-once` requires `x-overflow = reject-publish` (RabbitMQ refuses
//! the declaration otherwise); with no length limit set, it never rejects.
//!
//! Changing any argument here changes what an existing queue was declared
//! with, which RabbitMQ refuses (`PRECONDITION_FAILED`): the worker then
//! moves the queue to its new arguments at startup (`migration.rs`).

use lapin::types::{AMQPValue, FieldTable, LongString};

use super::RetryQueue;

// ANCHOR: delivery_limit
/// How many times the work queue delivers a message before dead-lettering
/// it itself. The worker settles every message it handles (ack, or a
/// confirmed copy then ack), so a delivery is counted again only when the
/// worker lost it: its channel or connection died, or it crashed, while
/// holding the message. Twenty such losses in a row mean this message
/// kills the worker (a panic, an out-of-memory): in the dead letters, it
/// stops taking the worker down. The limit is high because prefetched
/// messages that were never started are counted too when a connection
/// drops, and broker restarts are not the message's fault. An outage of
/// the worker's own database or mail server spends none of it: those
/// messages are handed back as fresh copies (see `delivery.rs`).
pub const DELIVERY_LIMIT: i64 = 20;
// ANCHOR_END: delivery_limit

/// The work queue: dead-letters to `dead_letters` after [`DELIVERY_LIMIT`].
pub(crate) fn work(dead_letters: &str) -> FieldTable {
    let mut arguments = dead_letter_to(dead_letters);
    arguments.insert(
        "x-delivery-limit".into(),
        AMQPValue::LongLongInt(DELIVERY_LIMIT),
    );
    arguments
}

/// A retry queue holds each message for its delay, then dead-letters it
/// through the default exchange straight to the concern's work queue.
pub(crate) fn retry(retry: &RetryQueue, work_queue: &str) -> FieldTable {
    let mut arguments = dead_letter_to(work_queue);
    let ttl = i64::try_from(retry.delay_ms).unwrap_or(i64::MAX);
    arguments.insert("x-message-ttl".into(), AMQPValue::LongLongInt(ttl));
    arguments
}

/// The dead-letter queue: a quorum queue, nothing more.
pub(crate) fn dead_letters() -> FieldTable {
    quorum()
}

/// Only the queue type: what a queue that stages messages during a
/// migration is declared with (it must neither expire nor move them).
pub(crate) fn quorum() -> FieldTable {
    let mut arguments = FieldTable::default();
    arguments.insert("x-queue-type".into(), text("quorum"));
    arguments
}

/// A quorum queue dead-lettering at least once, through the default
/// exchange, to the queue named `target`.
fn dead_letter_to(target: &str) -> FieldTable {
    let mut arguments = quorum();
    arguments.insert("x-dead-letter-exchange".into(), text(""));
    arguments.insert("x-dead-letter-routing-key".into(), text(target));
    arguments.insert("x-dead-letter-strategy".into(), text("at-least-once"));
    arguments.insert("x-overflow".into(), text("reject-publish"));
    arguments
}

fn text(value: &str) -> AMQPValue {
    AMQPValue::LongString(LongString::from(value))
}
