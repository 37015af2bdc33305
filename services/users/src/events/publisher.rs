//! Publishing outbox rows to the events exchange, with publisher confirms.

use capstone_contracts::events::TraceContext;
use capstone_platform::{amqp, settings::AmqpSettings};
use lapin::{
    BasicProperties, Channel, Confirmation, Connection,
    options::{BasicPublishOptions, ConfirmSelectOptions},
};
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
                    properties(event),
                )
                .await?;
            pending.push((event, confirm));
        }
        let mut confirmed = Vec::with_capacity(pending.len());
        for (event, confirm) in pending {
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
}

/// The shared event properties, read from the stored envelope JSON.
fn properties(event: &PendingEvent) -> BasicProperties {
    let text = |key: &str| event.envelope.get(key).and_then(|v| v.as_str());
    let trace = TraceContext {
        traceparent: text("traceparent").map(str::to_owned),
        tracestate: text("tracestate").map(str::to_owned),
    };
    amqp::event_properties(
        &event.id.to_string(),
        &event.event_type,
        text("correlation_id"),
        &trace,
    )
    .with_timestamp(u64::try_from(chrono::Utc::now().timestamp()).unwrap_or(0))
}
