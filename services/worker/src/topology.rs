//! The RabbitMQ topology the worker consumes from, and its names.
//!
//! The worker owns it: it declares everything below at every (re)connect.
//! Every declaration is idempotent, so repeating it is harmless, and either
//! side (the users service's relay or the worker) can start first. For a
//! prefix `p` (`amqp.prefix`) and each [`Concern`] `c`:
//!
//! | name | what |
//! |---|---|
//! | `p.events` | durable topic exchange every event is published to (routing key = event type) |
//! | `p.worker.c` | work queue, bound to the exchange with the concern's routing keys; dead-letters a message delivered [`DELIVERY_LIMIT`] times |
//! | `p.worker.c.retry.N.Dms` | retry queue N (1-based): messages wait D ms (`x-message-ttl`), then go back to `p.worker.c` only |
//! | `p.worker.c.dead-letters` | messages that cannot be handled, with the reason in `x-death-reason` |
//!
//! All are durable quorum queues, and the broker dead-letters at least
//! once: the arguments and why are in `queue_arguments.rs`. Queues left
//! from an older declaration (the classic queues before issue 18) are moved
//! to these arguments at startup, messages included, by [`migration`].
//!
//! Why retry queues dead-letter to the *default* exchange with the work
//! queue's name as routing key, rather than back to `p.events`: the topic
//! exchange would hand the retried message to every bound queue again, so an
//! email retry would also re-enter the audit queue.
//!
//! Why the delay is part of a retry queue's name: RabbitMQ refuses to
//! redeclare a queue with different arguments (`PRECONDITION_FAILED`, which
//! closes the channel). With the delay in the name, changing
//! `worker.retry_delays_ms` declares new queues instead of failing; messages
//! still waiting in the old ones return to the work queue when their delay
//! ends, and the empty old queues can then be deleted by hand.
//!
//! [`Topology`] is the single source of these names: the consumer, the
//! dead-letter tools, the CLI, the tests and the docs all use it.

mod concern;
pub mod migration;
mod queue_arguments;

pub use concern::Concern;
pub use queue_arguments::DELIVERY_LIMIT;

use capstone_platform::{amqp, settings::AmqpSettings};
use lapin::{
    Channel,
    options::{QueueBindOptions, QueueDeclareOptions},
    types::{FieldTable, ShortString},
};

/// A retry queue and how long messages wait in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryQueue {
    /// `p.worker.c.retry.N.Dms`.
    pub name: String,
    /// How long a message waits in it (`x-message-ttl`).
    pub delay_ms: u64,
}

/// The queues of one concern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueNames {
    /// Whose queues these are.
    pub concern: Concern,
    /// Where the concern's events arrive (and retries come back to).
    pub work: String,
    /// Retry queue `n` (1-based) is `retries[n - 1]`.
    pub retries: Vec<RetryQueue>,
    /// Where messages that cannot be handled are kept for inspection.
    pub dead_letters: String,
}

impl QueueNames {
    /// The names for `concern` under `prefix`, one retry queue per delay.
    pub fn new(prefix: &str, concern: Concern, retry_delays_ms: &[u64]) -> Self {
        let work = format!("{prefix}.worker.{concern}");
        let retries = retry_delays_ms
            .iter()
            .enumerate()
            .map(|(index, &delay_ms)| RetryQueue {
                name: format!("{work}.retry.{}.{delay_ms}ms", index + 1),
                delay_ms,
            })
            .collect();
        Self {
            concern,
            dead_letters: format!("{work}.dead-letters"),
            work,
            retries,
        }
    }

    /// Retry queue number `attempt` (1-based), if there is one.
    pub fn retry(&self, attempt: u64) -> Option<&RetryQueue> {
        let index = usize::try_from(attempt.checked_sub(1)?).ok()?;
        self.retries.get(index)
    }

    /// Every queue of this concern.
    pub fn all(&self) -> Vec<&str> {
        let mut names = vec![self.work.as_str(), self.dead_letters.as_str()];
        names.extend(self.retries.iter().map(|retry| retry.name.as_str()));
        names
    }

    /// Every queue of this concern as the worker declares it, retry queues
    /// first: a migration moves their messages into the work queue, which
    /// must not be in the middle of its own migration then.
    pub(crate) fn declarations(&self) -> Vec<QueueDeclaration> {
        let retries = self.retries.iter().map(|retry| QueueDeclaration {
            name: retry.name.clone(),
            role: QueueRole::Retry,
            arguments: queue_arguments::retry(retry, &self.work),
            bindings: &[],
        });
        let work = QueueDeclaration {
            name: self.work.clone(),
            role: QueueRole::Work,
            arguments: queue_arguments::work(&self.dead_letters),
            bindings: self.concern.bindings(),
        };
        let dead_letters = QueueDeclaration {
            name: self.dead_letters.clone(),
            role: QueueRole::DeadLetters,
            arguments: queue_arguments::dead_letters(),
            bindings: &[],
        };
        retries.chain([work, dead_letters]).collect()
    }
}

/// What a queue is for: decides where a migration moves its messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum QueueRole {
    Work,
    Retry,
    DeadLetters,
}

/// One queue as the worker declares it.
#[derive(Debug, Clone)]
pub(crate) struct QueueDeclaration {
    pub(crate) name: String,
    pub(crate) role: QueueRole,
    pub(crate) arguments: FieldTable,
    /// The routing keys it is bound to the events exchange with.
    pub(crate) bindings: &'static [&'static str],
}

/// The whole topology for one prefix and one set of retry delays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topology {
    /// `p.events`.
    pub exchange: String,
    concerns: Vec<QueueNames>,
}

impl Topology {
    /// The topology for `amqp.prefix` with `retry_delays_ms`
    /// (`worker.retry_delays_ms`).
    pub fn new(amqp: &AmqpSettings, retry_delays_ms: &[u64]) -> Self {
        Self {
            exchange: amqp::events_exchange(amqp),
            concerns: Concern::ALL
                .into_iter()
                .map(|concern| QueueNames::new(&amqp.prefix, concern, retry_delays_ms))
                .collect(),
        }
    }

    /// The queues of `concern`.
    pub fn queues(&self, concern: Concern) -> &QueueNames {
        // `new` builds one entry per concern in `Concern::ALL`.
        self.concerns
            .iter()
            .find(|names| names.concern == concern)
            .expect("every concern has queues")
    }

    /// Every concern's queues.
    pub fn concerns(&self) -> &[QueueNames] {
        &self.concerns
    }

    /// Every queue name (not the exchange): what a test deletes afterwards.
    pub fn all_queues(&self) -> Vec<&str> {
        self.concerns.iter().flat_map(QueueNames::all).collect()
    }

    // ANCHOR: declare
    /// Declares the exchange, every queue and every binding. Idempotent.
    /// Fails with `PRECONDITION_FAILED` on a queue declared with other
    /// arguments: run [`migration::migrate`] first.
    pub async fn declare(
        &self,
        channel: &Channel,
        amqp: &AmqpSettings,
    ) -> Result<(), lapin::Error> {
        amqp::declare_events_exchange(channel, amqp).await?;
        for queue in self.declarations() {
            declare_queue(channel, &queue.name, queue.arguments).await?;
            bind_queue(channel, &queue.name, &self.exchange, queue.bindings).await?;
        }
        Ok(())
    }
    // ANCHOR_END: declare

    /// Every queue of every concern as the worker declares it.
    pub(crate) fn declarations(&self) -> Vec<QueueDeclaration> {
        self.concerns
            .iter()
            .flat_map(QueueNames::declarations)
            .collect()
    }
}

/// Declares a durable queue `name` with `arguments`.
pub(crate) async fn declare_queue(
    channel: &Channel,
    name: &str,
    arguments: FieldTable,
) -> Result<(), lapin::Error> {
    channel
        .queue_declare(
            ShortString::from(name),
            QueueDeclareOptions {
                durable: true,
                ..QueueDeclareOptions::default()
            },
            arguments,
        )
        .await
        .map(|_| ())
}

/// Binds `queue` to `exchange` with each of `routing_keys`.
pub(crate) async fn bind_queue(
    channel: &Channel,
    queue: &str,
    exchange: &str,
    routing_keys: &[&str],
) -> Result<(), lapin::Error> {
    for routing_key in routing_keys {
        channel
            .queue_bind(
                queue.into(),
                exchange.into(),
                (*routing_key).into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_documented_scheme() {
        let names = QueueNames::new("p", Concern::Email, &[1000, 10000]);
        assert_eq!(names.work, "p.worker.email");
        assert_eq!(names.dead_letters, "p.worker.email.dead-letters");
        assert_eq!(
            names.retry(1).map(|r| r.name.as_str()),
            Some("p.worker.email.retry.1.1000ms")
        );
        assert_eq!(
            names.retry(2).map(|r| r.name.as_str()),
            Some("p.worker.email.retry.2.10000ms")
        );
        assert_eq!(names.retry(0), None);
        assert_eq!(names.retry(3), None);
    }

    #[test]
    fn concerns_parse_from_their_names() {
        for concern in Concern::ALL {
            assert_eq!(concern.as_str().parse::<Concern>(), Ok(concern));
        }
        assert!("sms".parse::<Concern>().is_err());
    }
}
