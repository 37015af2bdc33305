//! Stopping a consumer gracefully: no new deliveries, in-flight ones
//! finish and settle (bounded by [`DRAIN_TIMEOUT`]), then the channel closes.

use lapin::{Channel, options::BasicCancelOptions};
use tokio::task::JoinSet;

use super::{DRAIN_TIMEOUT, RunningConsumer};
use crate::delivery::Settled;

impl RunningConsumer {
    /// Graceful stop: no new deliveries, in-flight ones finish and settle,
    /// then the channel closes. Deliveries prefetched but not started are
    /// unacked, so closing the channel returns them to the queue.
    pub(super) async fn stop(self, mut in_flight: JoinSet<Settled>, consuming: bool) {
        let channel = &self.context.channel;
        let concern = self.context.queues.concern.as_str();
        if consuming && channel.status().connected() {
            let tag = self.stream.tag();
            if let Err(error) = channel
                .basic_cancel(tag, BasicCancelOptions::default())
                .await
            {
                tracing::debug!(concern, %error, "cancel failed (channel closing)");
            }
        }
        let count = in_flight.len();
        let drained = tokio::time::timeout(DRAIN_TIMEOUT, async {
            while in_flight.join_next().await.is_some() {}
        })
        .await;
        if drained.is_err() {
            tracing::warn!(
                concern,
                unfinished = in_flight.len(),
                "drain timed out; abandoning unfinished messages to redelivery"
            );
            in_flight.abort_all();
        } else if count > 0 {
            tracing::info!(concern, count, "in-flight messages finished");
        }
        close_channel(channel).await;
    }
}

async fn close_channel(channel: &Channel) {
    if channel.status().connected() {
        let _ = channel.close(200, "worker stopping".into()).await;
    }
}
