//! What the worker does with each event, one handler per [`Concern`].
//!
//! A handler gets a decoded event and says how it went. It never touches the
//! broker: acknowledging, retrying and dead-lettering are the consumer's job
//! (`delivery.rs`), decided from the handler's answer:
//!
//! | handler returns | the consumer |
//! |---|---|
//! | `Ok(Outcome::…)` | acks |
//! | `Err(HandlerError::Transient)` | retries after the next configured delay, dead-letters after the last |
//! | `Err(HandlerError::Permanent)` | dead-letters at once: retrying cannot help |
//! | `Err(HandlerError::Unavailable)` | hands the message back untouched and pauses until the dependency answers |
//!
//! Handlers must be idempotent: RabbitMQ delivers at least once. Both keep
//! a `processed_events` row per event for that.
//!
//! Tests wrap or replace handlers (one that fails on purpose, a slow one)
//! through `Application::build_with`; that is why this is a trait.

mod audit;
mod email;

pub use audit::AuditHandler;
pub use email::EmailHandler;

use capstone_contracts::events::Envelope;
use futures_util::future::BoxFuture;

use crate::{dependencies::Dependency, repo::RepoError, topology::Concern};

/// An event as a handler receives it.
#[derive(Debug, Clone)]
pub struct Received {
    /// The decoded event.
    pub envelope: Envelope,
    /// How many times this message was retried before (header `x-attempt`):
    /// 0 on the first delivery, 1 after the first retry…
    pub attempt: u64,
    /// How many times an operator replayed it from the dead letters
    /// (header `x-replays`).
    pub replays: u64,
}

/// How handling went, when it went well.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The effect happened now.
    Applied,
    /// The effect had already happened (a redelivery): nothing done.
    Duplicate,
    /// This event calls for nothing from this concern.
    Ignored,
}

/// Why handling failed; decides between retry, dead letter and pause.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HandlerError {
    /// Might work later (a query failed, the mail server said 4xx): retried.
    #[error("{0}")]
    Transient(String),
    /// Will never work (an address lettre cannot parse): dead-lettered.
    #[error("{0}")]
    Permanent(String),
    // ANCHOR: unavailable
    /// The worker's own dependency cannot be reached (no database
    /// connection, the mail server refuses connections). Says nothing about
    /// the event, and every other event would fail the same way: the
    /// consumer pauses instead of spending the event's retries.
    #[error("{dependency} unreachable: {reason}")]
    Unavailable {
        dependency: Dependency,
        reason: String,
    },
    // ANCHOR_END: unavailable
}

impl From<RepoError> for HandlerError {
    /// A database error says nothing about the event: wait for the database
    /// when it cannot be reached, retry otherwise.
    fn from(error: RepoError) -> Self {
        if error.is_unreachable() {
            HandlerError::Unavailable {
                dependency: Dependency::Postgres,
                reason: error.to_string(),
            }
        } else {
            HandlerError::Transient(error.to_string())
        }
    }
}

// ANCHOR: handler
/// Applies one concern's effect of an event.
pub trait Handler: Send + Sync {
    /// Which queues this handler consumes from.
    fn concern(&self) -> Concern;

    /// Applies `received`, idempotently.
    fn handle<'a>(&'a self, received: &'a Received)
    -> BoxFuture<'a, Result<Outcome, HandlerError>>;
}
// ANCHOR_END: handler
