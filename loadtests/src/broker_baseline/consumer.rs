//! The consumer side: times each delivery against the stamp it carries,
//! acks it (one by one, as the worker does), and stops when every message
//! has arrived or the run's deadline passes.

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use lapin::{Consumer, options::BasicAckOptions};

use crate::latency::LatencyHistogram;

use super::{
    arrivals::Arrivals,
    payload::{Stamp, wall_clock_nanos},
};

/// What the consumer saw.
#[derive(Debug)]
pub(crate) struct Consumed {
    /// Publish (or due time) → delivery, per delivery.
    pub(crate) latency: LatencyHistogram,
    pub(crate) arrivals: Arrivals,
    /// When the last ack was sent.
    pub(crate) last_ack: Option<Instant>,
}

/// Consumes until `messages` distinct messages arrived, or `deadline`
/// (then [`Consumed::arrivals`] says how many are missing).
pub(crate) async fn consume(
    mut deliveries: Consumer,
    messages: u64,
    deadline: Instant,
) -> anyhow::Result<Consumed> {
    let mut consumed = Consumed {
        latency: LatencyHistogram::new(),
        arrivals: Arrivals::expecting(messages),
        last_ack: None,
    };
    while !consumed.arrivals.complete() {
        let delivery = match tokio::time::timeout_at(deadline.into(), deliveries.next()).await {
            Err(_elapsed) => break,
            Ok(None) => anyhow::bail!("the broker cancelled the consumer"),
            Ok(Some(delivery)) => delivery?,
        };
        let stamp = Stamp::decode(&delivery.data);
        if let Some(stamp) = stamp {
            let nanos = wall_clock_nanos().saturating_sub(stamp.sent_at_nanos);
            consumed.latency.record(Duration::from_nanos(nanos));
        }
        consumed.arrivals.record(stamp.map(|stamp| stamp.sequence));
        delivery.ack(BasicAckOptions::default()).await?;
        consumed.last_ack = Some(Instant::now());
    }
    Ok(consumed)
}
