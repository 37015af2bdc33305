//! Keeps the idempotency record bounded: every `prune_interval_secs`,
//! forgets the event ids processed more than `processed_retention_secs` ago.
//!
//! Runs beside the consumers, in the same process, so there is no cron job
//! to deploy. Several worker instances each prune: the deletes overlap
//! harmlessly (a row deleted twice is deleted once).

use std::time::Duration;

use capstone_platform::Shutdown;
use chrono::TimeDelta;

use crate::repo::ProcessedEvents;

/// What the pruner needs; [`Pruner::run`] consumes it.
#[derive(Debug, Clone)]
pub(crate) struct Pruner {
    pub(crate) processed: ProcessedEvents,
    pub(crate) retention: TimeDelta,
    pub(crate) interval: Duration,
}

impl Pruner {
    /// Prunes at once, then every `interval`, until `shutdown`. A failed
    /// prune (the database away) is logged and tried at the next tick.
    pub(crate) async fn run(self, shutdown: Shutdown) {
        let mut ticks = tokio::time::interval(self.interval);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = ticks.tick() => {}
                () = shutdown.triggered() => return,
            }
            match self.processed.prune(self.retention).await {
                Ok(0) => {}
                Ok(deleted) => {
                    tracing::info!(deleted, "forgot processed event ids past the retention")
                }
                Err(error) => tracing::warn!(%error, "cannot prune processed event ids"),
            }
        }
    }
}
