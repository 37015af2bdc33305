//! The background task that retries failed Redis deletes until they land.
//!
//! Started by the first failure ([`super::pending_deletes::Remembered`]),
//! it stops once nothing waits, so a healthy service runs no such task.
//! Retries are spread with full-jitter backoff: after an outage every
//! instance retries at once, and Redis should not be hit in waves.

use std::{sync::Arc, time::Duration};

use capstone_platform::{backoff::Backoff, redis::LazyRedis};
use redis::AsyncCommands;

use super::{CacheMetrics, keys::user_key, pending_deletes::PendingDeletes};

/// The longest wait between two retries. Part of the staleness bound
/// stated in [`super::user_cache`]: once Redis answers again, a waiting
/// delete lands within this (plus one command's `redis.timeout_ms`).
pub const RETRY_BACKOFF_MAX: Duration = Duration::from_secs(1);

const RETRY_BACKOFF: Backoff = Backoff {
    base: Duration::from_millis(50),
    max: RETRY_BACKOFF_MAX,
};

/// Keys per DEL: one command stays short even after a long outage.
const DELETE_BATCH: usize = 500;

/// Retries until every waiting delete landed, then returns.
pub async fn retry_until_landed(
    redis: LazyRedis,
    pending: Arc<PendingDeletes>,
    metrics: Arc<CacheMetrics>,
) {
    let mut abandoned = WarnIfAbandoned(Some(Arc::clone(&pending)));
    let mut failures: u32 = 0;
    loop {
        tokio::time::sleep(RETRY_BACKOFF.random_delay(failures)).await;
        let batch = pending.batch(DELETE_BATCH);
        if batch.is_empty() {
            if pending.stop_retrying_if_idle() {
                abandoned.0 = None; // finished: nothing was abandoned
                return;
            }
            continue; // a failure was remembered meanwhile
        }
        let keys: Vec<String> = batch
            .iter()
            .map(|(id, _)| user_key(redis.key_prefix(), *id))
            .collect();
        match redis
            .run(async |connection| connection.del::<_, ()>(&keys).await)
            .await
        {
            Ok(()) => {
                failures = 0;
                metrics.late_deletes_landed(batch.len());
                for ticket in batch {
                    pending.landed(ticket);
                }
                tracing::info!(
                    deleted = keys.len(),
                    still_waiting = pending.waiting_count(),
                    "cached users deleted from Redis after a failed invalidation"
                );
            }
            Err(error) => {
                failures = failures.saturating_add(1);
                tracing::debug!(%error, waiting = pending.waiting_count(), "Redis delete retry failed");
            }
        }
    }
}

/// Dropped with the task. If the task did not finish (the runtime stopped:
/// shutdown, a worker restart), the deletes still waiting are lost: say so,
/// and let the next failure start a new task.
struct WarnIfAbandoned(Option<Arc<PendingDeletes>>);

impl Drop for WarnIfAbandoned {
    fn drop(&mut self) {
        let Some(pending) = self.0.take() else {
            return;
        };
        let waiting = pending.abandon_retrying();
        if waiting > 0 {
            tracing::error!(
                waiting,
                "stopped before failed Redis deletes landed: those cached users \
                 may be served stale until their Redis TTL"
            );
        }
    }
}
