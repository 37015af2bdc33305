//! Handing a message back to its work queue, unhandled, when the worker's
//! own dependency is down: a fresh copy with every header kept, confirmed,
//! then the original acked. No retry is spent (`x-attempt` unchanged) and
//! no delivery counted toward the work queue's delivery limit, which a
//! requeue would do (see `consumer/pause.rs`).

use lapin::message::Delivery;

use super::{DeliveryContext, Identity, forward};
use crate::{dependencies::Dependency, republish::copy_properties};

/// A dependency of the worker that a handler could not reach.
#[derive(Debug, Clone)]
pub(crate) struct Outage {
    pub(crate) dependency: Dependency,
    pub(crate) reason: String,
}

/// How a delivery ended, for the consumer.
#[derive(Debug)]
pub(crate) enum Settled {
    /// Acked, retried or dead-lettered: nothing for the consumer to do.
    Done,
    /// Handed back because of `Outage`: the consumer should pause.
    DependencyDown(Outage),
}

// ANCHOR: hand_back
/// Puts a prefetched `delivery` back in its work queue, unhandled, while
/// the consumer pauses for `outage`.
pub(crate) async fn hand_back(context: &DeliveryContext, delivery: Delivery, outage: &Outage) {
    let who = Identity::of(&delivery);
    tracing::debug!(event_id = who.event_id, dependency = %outage.dependency,
        "paused; handing a prefetched message back");
    return_copy(context, &delivery, &who).await;
}
// ANCHOR_END: hand_back

/// The copy of `delivery`, headers unchanged, to its work queue; then the ack.
pub(super) async fn return_copy(context: &DeliveryContext, delivery: &Delivery, who: &Identity) {
    let properties = copy_properties(&delivery.properties, &[]);
    let work = &context.queues.work;
    if forward(context, delivery, who, work, properties).await {
        context.metrics.message_handed_back(work);
    }
}
