//! Where a read goes, and what a write leaves behind for the reads after it.

use std::time::Duration;

use capstone_platform::{
    database::{
        PgPool,
        replicas::{ReadSource, ReplicaSet},
    },
    redis::LazyRedis,
};
use uuid::Uuid;

use super::LastWrites;
use crate::metrics::UsersMetrics;

/// Routes the reads that may be a little stale, and remembers writes so the
/// writer's own reads never are. Cheap to clone.
#[derive(Debug, Clone)]
pub struct ReadRouter {
    replicas: ReplicaSet,
    last_writes: LastWrites,
    metrics: UsersMetrics,
}

impl ReadRouter {
    pub fn new(replicas: ReplicaSet, redis: LazyRedis, metrics: UsersMetrics) -> Self {
        // A margin over the bound for clock granularity between this
        // process and Redis: the key may live a little longer, never shorter.
        let ttl = replicas.max_lag() + Duration::from_millis(50);
        Self {
            replicas,
            last_writes: LastWrites::new(redis, ttl),
            metrics,
        }
    }

    // ANCHOR: pool_for
    /// The pool for a read by `reader` that may be up to the lag bound
    /// stale, but must show the reader's own writes: a replica that has
    /// replayed them, else the primary. When Redis cannot say what the
    /// reader last wrote, the primary: it is never wrong.
    pub async fn pool_for(&self, reader: Uuid) -> &PgPool {
        let (pool, source) = if !self.replicas.has_replicas() {
            self.replicas.for_read(None)
        } else {
            match self.last_writes.of(reader).await {
                Ok(seen) => self.replicas.for_read(seen),
                Err(_) => (self.replicas.primary(), ReadSource::PrimaryFallback),
            }
        };
        self.metrics.database_read(source);
        pool
    }
    // ANCHOR_END: pool_for

    // ANCHOR: wrote
    /// `account` has just committed a write: until a replica has replayed
    /// it (or the lag bound has passed), its reads go to the primary. Call
    /// after the commit: a position taken before it could be older than
    /// the commit record. Nothing to do without replicas.
    pub async fn wrote(&self, account: Uuid) {
        if !self.replicas.has_replicas() {
            return;
        }
        let recorded = match self.replicas.primary_position().await {
            Ok(position) => self
                .last_writes
                .record(account, position)
                .await
                .map_err(|error| error.to_string()),
            Err(error) => Err(error.to_string()),
        };
        if let Err(error) = recorded {
            // The write stands; only the routing of the next reads is at
            // risk, for at most the lag bound. Counted and logged.
            self.metrics.read_your_writes_unrecorded();
            tracing::warn!(%account, %error, "could not record the write position for read-your-writes");
        }
    }
    // ANCHOR_END: wrote

    /// The replicas, for readiness and tests.
    pub fn replicas(&self) -> &ReplicaSet {
        &self.replicas
    }
}
