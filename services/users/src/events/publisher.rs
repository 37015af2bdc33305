//! Publishing outbox rows to the events exchange, with publisher confirms.

use capstone_contracts::events::TraceContext;
use capstone_platform::{amqp, settings::AmqpSettings, telemetry::propagation};
use lapin::{
    BasicProperties, Channel, Confirmation, Connection,
    options::{BasicPublishOptions, ConfirmSelectOptions},
};
use tracing::Span;
use uuid::Uuid;

use crate::repo::PendingEvent;

/// A channel in confirm mode on the events exchange.
#[derive(Debug)]
pub struct Publisher {
    channel: Channel,
    exchange: String,
}

impl Publisher {
    /// Opens a channel, turns on confirms and declares the exchange (idempotent).
    pub async fn open(connection: &Connection, settings: &AmqpSettings) -> lapin::Result<Self> {
        let channel = connection.create_channel().await?;
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await?;
        amqp::declare_events_exchange(&channel, settings).await?;
        Ok(Self {
            channel,
            exchange: amqp::events_exchange(settings),
        })
    }

    // ANCHOR: publish_all
    /// Publishes every event, then waits for all the confirms together (one
    /// round trip per batch, not per event). Returns the ids the broker
    /// accepted *and routed to at least one queue*.
    ///
    /// `mandatory` makes the broker hand back a message no queue is bound
    /// for, instead of silently dropping it (what a topic exchange does by
    /// default). An event published before any consumer declared its queue
    /// would otherwise be acknowledged and lost; returned, it stays in the
    /// outbox and is tried again on the next pass.
    pub async fn publish_all(&self, events: &[PendingEvent]) -> lapin::Result<Vec<Uuid>> {
        let mut pending = Vec::with_capacity(events.len());
        for event in events {
            let body = serde_json::to_vec(&event.envelope).unwrap_or_default();
            let span = self.publish_span(event);
            let confirm = self
                .channel
                .basic_publish(
                    self.exchange.as_str().into(),
                    event.event_type.as_str().into(),
                    BasicPublishOptions {
                        mandatory: true,
                        ..BasicPublishOptions::default()
                    },
                    &body,
                    properties(event, &span),
                )
                .await?;
            pending.push((event, confirm, span));
        }
        let mut confirmed = Vec::with_capacity(pending.len());
        // Each span ends when its confirm is in (dropped at the end of the
        // iteration): the trace shows how long the broker took to accept.
        for (event, confirm, _span) in pending {
            match confirm.await? {
                Confirmation::Ack(None) => confirmed.push(event.id),
                Confirmation::Ack(Some(_returned)) => tracing::warn!(
                    event_id = %event.id, event_type = %event.event_type,
                    "no queue is bound for this event yet: it stays in the outbox"
                ),
                other => tracing::warn!(
                    event_id = %event.id, confirmation = ?other,
                    "the broker did not accept the event: it stays in the outbox"
                ),
            }
        }
        Ok(confirmed)
    }
    // ANCHOR_END: publish_all

    pub fn is_open(&self) -> bool {
        self.channel.status().connected()
    }

    // ANCHOR: publish_span
    /// A producer span (messaging semantic conventions) for one event,
    /// child of the request that wrote it: the trace context stored with
    /// the outbox row joins the relay's work, seconds later and in another
    /// task, to that request's trace.
    fn publish_span(&self, event: &PendingEvent) -> Span {
        let span = tracing::info_span!(
            "publish",
            otel.name = %format!("publish {}", self.exchange),
            otel.kind = "producer",
            messaging.system = "rabbitmq",
            messaging.operation.type = "send",
            messaging.destination.name = %self.exchange,
            messaging.rabbitmq.destination.routing_key = %event.event_type,
            messaging.message.id = %event.id,
        );
        propagation::continue_trace(&span, &stored_trace(event));
        span
    }
    // ANCHOR_END: publish_span
}

/// The trace context the users service stored with the event.
fn stored_trace(event: &PendingEvent) -> TraceContext {
    let text = |key: &str| event.envelope.get(key).and_then(|v| v.as_str());
    TraceContext {
        traceparent: text("traceparent").map(str::to_owned),
        tracestate: text("tracestate").map(str::to_owned),
    }
}

/// The shared event properties. The trace headers are the publish span's,
/// so the consumer's span becomes its child; untraced, the stored ones.
fn properties(event: &PendingEvent, span: &Span) -> BasicProperties {
    let text = |key: &str| event.envelope.get(key).and_then(|v| v.as_str());
    let mut trace = propagation::context_of(span);
    if trace.traceparent.is_none() {
        trace = stored_trace(event);
    }
    amqp::event_properties(
        &event.id.to_string(),
        &event.event_type,
        text("correlation_id"),
        &trace,
    )
    .with_timestamp(u64::try_from(chrono::Utc::now().timestamp()).unwrap_or(0))
}
