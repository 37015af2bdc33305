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
//! | `p.worker.c` | durable work queue, bound to the exchange with the concern's routing keys |
//! | `p.worker.c.retry.N.Dms` | retry queue N (1-based): messages wait D ms (`x-message-ttl`), then go back to `p.worker.c` only |
//! | `p.worker.c.dead-letters` | messages that cannot be handled, with the reason in `x-death-reason` |
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

use std::fmt;

use capstone_platform::{amqp, settings::AmqpSettings};
use lapin::{
    Channel,
    options::{QueueBindOptions, QueueDeclareOptions},
    types::{AMQPValue, FieldTable, LongString, ShortString},
};

/// One reason to consume events: each has its own queues and handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Concern {
    /// Emails to users (welcome, verification, password reset).
    Email,
    /// The audit trail: every user event, stored once.
    Audit,
}

impl Concern {
    /// Every concern, in the order the worker starts them.
    pub const ALL: [Concern; 2] = [Concern::Email, Concern::Audit];

    /// The name used in queue names, logs and `processed_events.consumer`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Audit => "audit",
        }
    }

    /// The routing keys (event types, `#` wildcards allowed) its work queue
    /// is bound with.
    pub fn bindings(self) -> &'static [&'static str] {
        match self {
            Self::Email => &[
                "user.registered",
                "user.registration_attempted",
                "user.email_verification_requested",
                "user.password_reset_requested",
                "user.email_change_requested",
                "user.email_changed",
            ],
            Self::Audit => &["user.#"],
        }
    }
}

impl fmt::Display for Concern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Concern {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Concern::ALL
            .into_iter()
            .find(|concern| concern.as_str() == value)
            .ok_or_else(|| format!("unknown concern `{value}` (expected email or audit)"))
    }
}

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
    pub async fn declare(
        &self,
        channel: &Channel,
        amqp: &AmqpSettings,
    ) -> Result<(), lapin::Error> {
        amqp::declare_events_exchange(channel, amqp).await?;
        for names in &self.concerns {
            declare_queue(channel, &names.work, FieldTable::default()).await?;
            for binding in names.concern.bindings() {
                channel
                    .queue_bind(
                        names.work.as_str().into(),
                        self.exchange.as_str().into(),
                        (*binding).into(),
                        QueueBindOptions::default(),
                        FieldTable::default(),
                    )
                    .await?;
            }
            for retry in &names.retries {
                declare_queue(channel, &retry.name, retry_arguments(retry, &names.work)).await?;
            }
            declare_queue(channel, &names.dead_letters, FieldTable::default()).await?;
        }
        Ok(())
    }
    // ANCHOR_END: declare
}

/// A retry queue holds each message for its delay, then dead-letters it
/// through the default exchange straight to the concern's work queue.
fn retry_arguments(retry: &RetryQueue, work_queue: &str) -> FieldTable {
    let mut arguments = FieldTable::default();
    let ttl = i64::try_from(retry.delay_ms).unwrap_or(i64::MAX);
    arguments.insert("x-message-ttl".into(), AMQPValue::LongLongInt(ttl));
    arguments.insert(
        "x-dead-letter-exchange".into(),
        AMQPValue::LongString(LongString::from("")),
    );
    arguments.insert(
        "x-dead-letter-routing-key".into(),
        AMQPValue::LongString(LongString::from(work_queue)),
    );
    arguments
}

async fn declare_queue(
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
