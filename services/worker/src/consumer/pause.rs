//! Pausing a consumer while the worker's own dependency is down.
//!
//! ```text
//! a handler says Unavailable(postgres)            (its message was handed back)
//!   → cancel the consumer: no new deliveries
//!   → hand back what was prefetched, unhandled; let in-flight work finish
//!   → probe the dependency, with backoff, until it answers (or shutdown)
//!   → consume again
//! ```
//!
//! Why hand messages back as fresh copies (published to the work queue,
//! confirmed, then the original acked) rather than `nack` with requeue: a
//! quorum queue counts every requeue toward `x-delivery-limit`, so an outage
//! spanning a few pauses would walk innocent messages into the dead letters.
//! A copy starts at delivery count zero, and keeps every header, `x-attempt`
//! included: the outage costs the message neither a retry nor a delivery.
//! The price is its place in the queue (the copy goes to the back), which
//! nothing relies on: retries reorder events already, handlers are
//! idempotent and tolerate any order.
//!
//! Readiness needs nothing from here: the Postgres check already answers
//! 503 while the database is down.

use std::{sync::Arc, time::Instant};

use capstone_platform::{Shutdown, error_chain::with_causes};
use futures_util::StreamExt;
use lapin::options::BasicCancelOptions;
use tokio::task::JoinSet;

use super::{Broken, PROBE_BACKOFF, RunningConsumer, start_consuming};
use crate::delivery::{Outage, Settled, hand_back};

/// How a pause ended.
pub(super) enum PauseEnded {
    /// The dependency answers: the consumer consumes again.
    Resumed,
    /// Shutdown came first: the consumer is cancelled already.
    Stopped,
}

impl RunningConsumer {
    // ANCHOR: pause
    /// Stops taking deliveries until `outage.dependency` answers again.
    pub(super) async fn pause_until_available(
        &mut self,
        outage: Outage,
        in_flight: &mut JoinSet<Settled>,
        stop: &Shutdown,
    ) -> Result<PauseEnded, Broken> {
        let concern = self.context.queues.concern.as_str();
        let queue = self.context.queues.work.clone();
        let dependency = outage.dependency;
        tracing::warn!(concern, %dependency, reason = outage.reason,
            "dependency unreachable; pausing consumption until it answers");
        self.context.metrics.consumer_paused(&queue, dependency);
        let paused_at = Instant::now();

        self.context
            .channel
            .basic_cancel(self.stream.tag(), BasicCancelOptions::default())
            .await?;
        // The stream ends at the broker's cancel-ok: everything prefetched
        // before it is here, and goes back without being handled.
        while let Some(next) = self.stream.next().await {
            let (context, outage) = (Arc::clone(&self.context), outage.clone());
            let delivery = next?;
            in_flight.spawn(async move {
                hand_back(&context, delivery, &outage).await;
                Settled::Done
            });
        }
        while in_flight.join_next().await.is_some() {}

        let mut failed_probes = 0_u32;
        loop {
            let delay = PROBE_BACKOFF.random_delay(failed_probes.min(16));
            tokio::select! {
                () = tokio::time::sleep(delay) => {}
                () = stop.triggered() => return Ok(PauseEnded::Stopped),
            }
            // On a task of its own: the probes' boxed futures borrow, and
            // rustc cannot prove such a future `Send` for every lifetime the
            // session loop's closure asks about.
            let probes = self.probes.clone();
            let probed = tokio::spawn(async move { probes.probe(dependency).await }).await;
            match probed.unwrap_or_else(|panicked| Err(panicked.into())) {
                Ok(()) => break,
                Err(down) => {
                    let reason = with_causes(&*down);
                    tracing::debug!(concern, %dependency, %reason, "still unreachable");
                    failed_probes += 1;
                }
            }
        }

        self.stream = start_consuming(&self.context.channel, &self.context.queues).await?;
        self.context.metrics.consumer_resumed(&queue);
        tracing::info!(concern, %dependency, paused_ms = paused_at.elapsed().as_millis() as u64,
            "dependency answers again; consuming");
        Ok(PauseEnded::Resumed)
    }
    // ANCHOR_END: pause
}

/// The outage a finished delivery task reports, if any (a panicked task
/// reports none: its message returns to the queue with its channel).
pub(super) fn outage_of(finished: Result<Settled, tokio::task::JoinError>) -> Option<Outage> {
    match finished {
        Ok(Settled::DependencyDown(outage)) => Some(outage),
        Ok(Settled::Done) | Err(_) => None,
    }
}
