//! The worker's metrics: its names (the only place they are spelled),
//! their help texts, [`WorkerMetrics`] (what it counts, into its own
//! registry) and the exporter with the worker's samplers. The
//! shared names (HTTP, database pool, RabbitMQ) are
//! `capstone_platform::metrics::names`. Explained in docs/src/monitoring.md.

use std::time::Duration;

use capstone_platform::{
    amqp::BrokerState,
    database::PgPool,
    metrics::{
        MetricsExporter, Registry,
        dependencies::{BrokerSampler, PoolSampler},
    },
};
use metrics::{
    Unit, counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram,
};

use crate::{
    dependencies::Dependency,
    handlers::{HandlerError, Outcome},
};

/// The `service` label of every series this service exports.
pub const SERVICE: &str = "worker";

// ANCHOR: names
/// Deliveries taken from a work queue, by `queue`.
pub const MESSAGES_CONSUMED_TOTAL: &str = "capstone_worker_messages_consumed_total";
/// Messages copied to a retry queue after a transient failure, by `queue`
/// (the work queue they failed in).
pub const MESSAGES_RETRIED_TOTAL: &str = "capstone_worker_messages_retried_total";
/// Messages copied to the dead letters, by `queue` and `reason` (`poison`:
/// unreadable or a permanent error; `retries_exhausted`).
pub const MESSAGES_DEAD_LETTERED_TOTAL: &str = "capstone_worker_messages_dead_lettered_total";
/// Messages handed back to their queue because their copy could not be
/// published, by `queue`.
pub const MESSAGES_REQUEUED_TOTAL: &str = "capstone_worker_messages_requeued_total";
/// Messages put back in their work queue unhandled, as fresh copies,
/// because the worker's own dependency was unreachable, by `queue`.
pub const MESSAGES_HANDED_BACK_TOTAL: &str = "capstone_worker_messages_handed_back_total";
/// How long handlers took, by `queue` and `result` (`ok`, `transient`,
/// `permanent`, `unavailable`).
pub const HANDLER_DURATION_SECONDS: &str = "capstone_worker_handler_duration_seconds";
/// 1 while the consumer of `queue` is paused, waiting for a dependency; 0
/// while it consumes.
pub const CONSUMER_PAUSED: &str = "capstone_worker_consumer_paused";
/// Pauses of the consumer of `queue`, by the `dependency` that was down.
pub const CONSUMER_PAUSES_TOTAL: &str = "capstone_worker_consumer_pauses_total";

/// Every name above, for tests that check dashboards against them.
pub const NAMES: &[&str] = &[
    MESSAGES_CONSUMED_TOTAL,
    MESSAGES_RETRIED_TOTAL,
    MESSAGES_DEAD_LETTERED_TOTAL,
    MESSAGES_REQUEUED_TOTAL,
    MESSAGES_HANDED_BACK_TOTAL,
    HANDLER_DURATION_SECONDS,
    CONSUMER_PAUSED,
    CONSUMER_PAUSES_TOTAL,
];
// ANCHOR_END: names

fn describe() {
    describe_counter!(
        MESSAGES_CONSUMED_TOTAL,
        "Deliveries taken from a work queue."
    );
    describe_counter!(
        MESSAGES_RETRIED_TOTAL,
        "Messages sent to a retry queue after a transient failure, by the work queue they failed in."
    );
    describe_counter!(
        MESSAGES_DEAD_LETTERED_TOTAL,
        "Messages sent to the dead letters, by work queue and reason (poison, retries_exhausted)."
    );
    describe_counter!(
        MESSAGES_REQUEUED_TOTAL,
        "Messages handed back to their queue because their retry or dead-letter copy could not be published."
    );
    describe_counter!(
        MESSAGES_HANDED_BACK_TOTAL,
        "Messages put back in their work queue unhandled because the worker's own dependency was unreachable."
    );
    describe_histogram!(
        HANDLER_DURATION_SECONDS,
        Unit::Seconds,
        "Time a handler took, by work queue and result (ok, transient, permanent, unavailable)."
    );
    describe_gauge!(
        CONSUMER_PAUSED,
        "1 while the consumer of a work queue waits for an unreachable dependency, 0 while it consumes."
    );
    describe_counter!(
        CONSUMER_PAUSES_TOTAL,
        "Pauses of a work queue's consumer, by the dependency that was unreachable."
    );
}

/// The worker's `/metrics`: its database pool and its broker connection.
pub fn exporter(metrics: &WorkerMetrics, pool: &PgPool, broker: &BrokerState) -> MetricsExporter {
    MetricsExporter::new(metrics.registry.clone())
        .with_sampler(PoolSampler(pool.clone()))
        .with_sampler(BrokerSampler(broker.clone()))
}

/// Why a message went to the dead letters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeadLetterReason {
    /// Unreadable, of an unknown type or version, or a permanent error.
    Poison,
    /// Transient failures until the last retry queue.
    RetriesExhausted,
}

/// What the worker counts, into the registry of this instance. Cheap to
/// clone: clones share the registry.
#[derive(Debug, Clone)]
pub struct WorkerMetrics {
    registry: Registry,
}

impl WorkerMetrics {
    /// A new registry, with every name described.
    pub fn new() -> Self {
        Self {
            registry: Registry::new(SERVICE, describe),
        }
    }

    /// The registry, for the request middleware and the exporter.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    fn count(&self, name: &'static str, queue: &str) {
        self.registry
            .record(|| counter!(name, "queue" => queue.to_owned()).increment(1));
    }

    pub fn message_consumed(&self, queue: &str) {
        self.count(MESSAGES_CONSUMED_TOTAL, queue);
    }

    pub fn message_retried(&self, queue: &str) {
        self.count(MESSAGES_RETRIED_TOTAL, queue);
    }

    pub fn message_requeued(&self, queue: &str) {
        self.count(MESSAGES_REQUEUED_TOTAL, queue);
    }

    pub fn message_handed_back(&self, queue: &str) {
        self.count(MESSAGES_HANDED_BACK_TOTAL, queue);
    }

    pub fn message_dead_lettered(&self, queue: &str, reason: DeadLetterReason) {
        let reason = match reason {
            DeadLetterReason::Poison => "poison",
            DeadLetterReason::RetriesExhausted => "retries_exhausted",
        };
        self.registry.record(|| {
            counter!(
                MESSAGES_DEAD_LETTERED_TOTAL,
                "queue" => queue.to_owned(),
                "reason" => reason,
            )
            .increment(1);
        });
    }

    /// The consumer of `queue` is now consuming (at start, and after a pause).
    pub fn consumer_resumed(&self, queue: &str) {
        self.registry
            .record(|| gauge!(CONSUMER_PAUSED, "queue" => queue.to_owned()).set(0.0));
    }

    /// The consumer of `queue` paused because `dependency` is unreachable.
    pub fn consumer_paused(&self, queue: &str, dependency: Dependency) {
        self.registry.record(|| {
            gauge!(CONSUMER_PAUSED, "queue" => queue.to_owned()).set(1.0);
            counter!(
                CONSUMER_PAUSES_TOTAL,
                "queue" => queue.to_owned(),
                "dependency" => dependency.as_str(),
            )
            .increment(1);
        });
    }

    /// A handler finished with `result` after `took`.
    pub fn handler_finished(
        &self,
        queue: &str,
        result: &Result<Outcome, HandlerError>,
        took: Duration,
    ) {
        let result = match result {
            Ok(_) => "ok",
            Err(HandlerError::Transient(_)) => "transient",
            Err(HandlerError::Permanent(_)) => "permanent",
            Err(HandlerError::Unavailable { .. }) => "unavailable",
        };
        self.registry.record(|| {
            histogram!(
                HANDLER_DURATION_SECONDS,
                "queue" => queue.to_owned(),
                "result" => result,
            )
            .record(took.as_secs_f64());
        });
    }
}

impl Default for WorkerMetrics {
    fn default() -> Self {
        Self::new()
    }
}
