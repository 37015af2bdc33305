//! The users service's metrics: its names (the only place they are
//! spelled), their help texts, [`UsersMetrics`] (what the service counts,
//! into its own registry) and the exporter with the service's samplers.
//! The shared names (HTTP, database pool, Redis, RabbitMQ) are
//! `capstone_platform::metrics::names`. Explained in docs/src/monitoring.md.

use capstone_platform::{
    amqp::BrokerState,
    database::{PgPool, replicas::ReadSource},
    metrics::{
        MetricsExporter, Registry, Sample, Sampler,
        dependencies::{BrokerSampler, PoolSampler, RedisSampler},
    },
    redis::LazyRedis,
};
use chrono::Utc;
use futures_util::future::BoxFuture;
use metrics::{Unit, counter, describe_counter, describe_gauge};

use crate::repo::OutboxRepository;

/// The `service` label of every series this service exports.
pub const SERVICE: &str = "users";

/// Cache lookups answered by a layer, by `layer` (`local`, `redis`).
pub const CACHE_HITS_TOTAL: &str = "capstone_users_cache_hits_total";
/// Cache lookups a layer could not answer, by `layer`; a Redis miss is a
/// Postgres read.
pub const CACHE_MISSES_TOTAL: &str = "capstone_users_cache_misses_total";
/// Redis calls that failed or timed out, so the cache went on without
/// Redis, by `operation` (`read`, `write`, `delete`).
pub const CACHE_FALLBACKS_TOTAL: &str = "capstone_users_cache_fallbacks_total";
/// Users forgotten by the cache after a write.
pub const CACHE_INVALIDATIONS_TOTAL: &str = "capstone_users_cache_invalidations_total";
/// Events in the outbox not yet confirmed by the broker.
pub const OUTBOX_UNSENT_EVENTS: &str = "capstone_users_outbox_unsent_events";
/// How long the oldest unsent event has waited (0 when none waits).
pub const OUTBOX_OLDEST_UNSENT_AGE_SECONDS: &str =
    "capstone_users_outbox_oldest_unsent_age_seconds";
/// Events the relay published and the broker confirmed.
pub const OUTBOX_PUBLISHED_TOTAL: &str = "capstone_users_outbox_published_total";
/// The relay's failures, by `kind`: `connect` (no broker connection, or its
/// setup refused) and `publish` (a publish failed on a live connection).
/// Whether the relay holds a connection now is the shared
/// `capstone_amqp_connected{service="users"}`.
pub const OUTBOX_RELAY_FAILURES_TOTAL: &str = "capstone_users_outbox_relay_failures_total";

/// Reads that could go to a replica, by `source`: `replica`,
/// `primary_fallback` (no replica fresh enough, or past the reader's own
/// write), `primary_only` (no replica configured).
pub const DATABASE_READS_TOTAL: &str = "capstone_users_database_reads_total";
/// Writes whose log position could not be recorded for read-your-writes
/// (Postgres or Redis failed right after the commit).
pub const READ_YOUR_WRITES_UNRECORDED_TOTAL: &str =
    "capstone_users_read_your_writes_unrecorded_total";

/// Every name above, for tests that check dashboards against them.
pub const NAMES: &[&str] = &[
    CACHE_HITS_TOTAL,
    CACHE_MISSES_TOTAL,
    CACHE_FALLBACKS_TOTAL,
    CACHE_INVALIDATIONS_TOTAL,
    OUTBOX_UNSENT_EVENTS,
    OUTBOX_OLDEST_UNSENT_AGE_SECONDS,
    OUTBOX_PUBLISHED_TOTAL,
    OUTBOX_RELAY_FAILURES_TOTAL,
    DATABASE_READS_TOTAL,
    READ_YOUR_WRITES_UNRECORDED_TOTAL,
];

fn describe() {
    describe_counter!(
        CACHE_HITS_TOTAL,
        "User lookups answered by a cache layer (local, redis)."
    );
    describe_counter!(
        CACHE_MISSES_TOTAL,
        "User lookups a cache layer could not answer (local, redis); a redis miss is a Postgres read."
    );
    describe_counter!(
        CACHE_FALLBACKS_TOTAL,
        "Redis cache calls that failed or timed out, by operation (read, write, delete)."
    );
    describe_counter!(
        CACHE_INVALIDATIONS_TOTAL,
        "Users forgotten by the cache after a write."
    );
    describe_gauge!(
        OUTBOX_UNSENT_EVENTS,
        "Events in the outbox not yet confirmed by RabbitMQ."
    );
    describe_gauge!(
        OUTBOX_OLDEST_UNSENT_AGE_SECONDS,
        Unit::Seconds,
        "Age of the oldest unsent outbox event; 0 when none waits."
    );
    describe_counter!(
        OUTBOX_PUBLISHED_TOTAL,
        "Outbox events published and confirmed by RabbitMQ."
    );
    describe_counter!(
        OUTBOX_RELAY_FAILURES_TOTAL,
        "Outbox relay failures, by kind (connect: no usable broker connection; publish: a publish failed)."
    );
    describe_counter!(
        DATABASE_READS_TOTAL,
        "Stale-tolerant reads, by source (replica, primary_fallback, primary_only)."
    );
    describe_counter!(
        READ_YOUR_WRITES_UNRECORDED_TOTAL,
        "Writes whose log position could not be recorded for read-your-writes."
    );
}

// ANCHOR: exporter
/// The service's `/metrics`: the shared pool and connection gauges, the
/// outbox backlog, and (when the relay runs) its broker connection.
pub fn exporter(
    metrics: &UsersMetrics,
    pool: &PgPool,
    redis: &LazyRedis,
    outbox: OutboxRepository,
    broker: Option<&BrokerState>,
) -> MetricsExporter {
    let exporter = MetricsExporter::new(metrics.registry.clone())
        .with_sampler(PoolSampler(pool.clone()))
        .with_sampler(RedisSampler(redis.clone()))
        .with_sampler(OutboxSampler(outbox));
    match broker {
        Some(broker) => exporter.with_sampler(BrokerSampler(broker.clone())),
        None => exporter,
    }
}
// ANCHOR_END: exporter

/// A layer of the users cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheLayer {
    Local,
    Redis,
}

/// What the cache asked Redis to do when Redis failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheOperation {
    Read,
    Write,
    Delete,
}

// ANCHOR: users_metrics
/// What the users service counts, into the registry of this instance.
/// Cheap to clone: clones share the registry.
#[derive(Debug, Clone)]
pub struct UsersMetrics {
    registry: Registry,
}

impl UsersMetrics {
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

    /// One lookup in `layer`: a hit or a miss.
    pub fn cache_lookup(&self, layer: CacheLayer, hit: bool) {
        let layer = match layer {
            CacheLayer::Local => "local",
            CacheLayer::Redis => "redis",
        };
        let name = if hit {
            CACHE_HITS_TOTAL
        } else {
            CACHE_MISSES_TOTAL
        };
        self.registry
            .record(|| counter!(name, "layer" => layer).increment(1));
    }
    // ANCHOR_END: users_metrics

    pub fn cache_fallback(&self, operation: CacheOperation) {
        let operation = match operation {
            CacheOperation::Read => "read",
            CacheOperation::Write => "write",
            CacheOperation::Delete => "delete",
        };
        self.registry
            .record(|| counter!(CACHE_FALLBACKS_TOTAL, "operation" => operation).increment(1));
    }

    pub fn cache_invalidation(&self) {
        self.registry
            .record(|| counter!(CACHE_INVALIDATIONS_TOTAL).increment(1));
    }

    pub fn database_read(&self, source: ReadSource) {
        let source = source.as_str();
        self.registry
            .record(|| counter!(DATABASE_READS_TOTAL, "source" => source).increment(1));
    }

    pub fn read_your_writes_unrecorded(&self) {
        self.registry
            .record(|| counter!(READ_YOUR_WRITES_UNRECORDED_TOTAL).increment(1));
    }

    pub fn outbox_published(&self, count: usize) {
        self.registry
            .record(|| counter!(OUTBOX_PUBLISHED_TOTAL).increment(count as u64));
    }

    pub fn outbox_relay_failure(&self, kind: RelayFailureKind) {
        let kind = match kind {
            RelayFailureKind::Connect => "connect",
            RelayFailureKind::Publish => "publish",
        };
        self.registry
            .record(|| counter!(OUTBOX_RELAY_FAILURES_TOTAL, "kind" => kind).increment(1));
    }
}

impl Default for UsersMetrics {
    fn default() -> Self {
        Self::new()
    }
}

/// What failed in the outbox relay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelayFailureKind {
    /// No broker connection, or the broker refused its setup.
    Connect,
    /// A publish failed on a live connection.
    Publish,
}

// ANCHOR: outbox_sampler
/// The outbox backlog, read at scrape time: one `count(*)` and `min()` over
/// the partial index of unsent rows, so it stays cheap however many sent
/// rows the table keeps. When Postgres does not answer, the gauges keep
/// their last values (the pool gauges and `/health/ready` say why).
struct OutboxSampler(OutboxRepository);

impl Sampler for OutboxSampler {
    fn sample(&self) -> BoxFuture<'_, Vec<Sample>> {
        Box::pin(async move {
            let backlog = match self.0.backlog().await {
                Ok(backlog) => backlog,
                Err(error) => {
                    tracing::debug!(%error, "outbox backlog not sampled");
                    return Vec::new();
                }
            };
            let age = backlog.oldest.map_or(0.0, |oldest| {
                (Utc::now() - oldest).num_milliseconds().max(0) as f64 / 1000.0
            });
            vec![
                Sample::new(OUTBOX_UNSENT_EVENTS, backlog.unsent as f64),
                Sample::new(OUTBOX_OLDEST_UNSENT_AGE_SECONDS, age),
            ]
        })
    }
}
// ANCHOR_END: outbox_sampler
