//! Reading and replaying dead letters: what `capstone dlq list|replay` runs.
//!
//! Both read with `basic_get` (no auto-ack), one message at a time, on a
//! connection of their own, so they work whether or not a worker runs.
//!
//! * [`list`] never acks: when its channel closes, the broker puts every
//!   unacked message back in the queue, in place. Looking is harmless.
//! * [`replay`] republishes each selected message to its concern's work
//!   queue (`x-attempt` reset to 0, `x-replays` + 1, the old reason kept in
//!   `x-last-death-reason`), waits for the publisher confirm, then acks the
//!   dead letter. A crash in between leaves it in both places: the worker
//!   de-duplicates by event id. Messages not selected stay unacked and
//!   return to the queue when the channel closes (a quorum queue takes them
//!   back a moment later: a `list` run at once may not see them yet).
//!
//! Listing returns each message to a quorum queue, which counts a delivery;
//! the dead-letter queue sets no delivery limit, so listing never moves
//! anything.
//!
//! Both stop after the number of messages the queue held when they began:
//! a replayed message that fails again comes back to the dead letters
//! while `replay` is still reading, and must not be replayed twice.

use capstone_platform::{
    amqp::{self, ConnectError, header_number, header_text},
    settings::AmqpSettings,
};
use lapin::{
    Channel, Connection,
    message::Delivery,
    options::{BasicAckOptions, BasicGetOptions, ConfirmSelectOptions, QueueDeclareOptions},
    types::FieldTable,
};

use crate::{
    republish::{
        ATTEMPT_HEADER, DEATH_REASON_HEADER, FAILED_QUEUE_HEADER, HeaderChange,
        LAST_DEATH_REASON_HEADER, PublishError, REPLAYS_HEADER, copy_properties, publish_to_queue,
    },
    topology::{Concern, Topology},
};

/// The connection name the management UI shows for these tools.
const CONNECTION_NAME: &str = "capstone-dlq";

/// Set by RabbitMQ when it dead-letters a message itself: why
/// (`delivery_limit` for a work queue's [`DELIVERY_LIMIT`]) and from where.
///
/// [`DELIVERY_LIMIT`]: crate::topology::DELIVERY_LIMIT
const BROKER_DEATH_REASON_HEADER: &str = "x-first-death-reason";
const BROKER_DEATH_QUEUE_HEADER: &str = "x-first-death-queue";

/// One dead letter, as `capstone dlq list` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    /// Whose dead-letter queue it is in.
    pub concern: Concern,
    /// The AMQP `message_id`: the event id, when the publisher set it.
    pub event_id: Option<String>,
    /// The AMQP `type` property: the event type, when the publisher set it.
    pub event_type: Option<String>,
    /// `x-death-reason`.
    pub reason: Option<String>,
    /// How many times it was tried (`x-attempt` + 1).
    pub attempts: u64,
    /// How many times it was replayed before (`x-replays`).
    pub replays: u64,
    /// `x-failed-queue`: the work queue it failed in.
    pub failed_queue: Option<String>,
}

/// Which dead letters to replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// Every dead letter of the chosen concerns.
    All,
    /// Only the one(s) with this `message_id` (event id).
    EventId(String),
}

/// Why listing or replaying failed.
#[derive(Debug, thiserror::Error)]
pub enum DeadLetterError {
    /// RabbitMQ did not answer or refused the login.
    #[error("cannot connect to RabbitMQ: {0}")]
    Connect(#[from] ConnectError),
    /// A command failed; `NOT_FOUND` means the worker never declared its queues.
    #[error("RabbitMQ: {0}")]
    Amqp(#[from] lapin::Error),
    /// The replayed copy was not confirmed: the dead letter stays.
    #[error("replaying failed: {0}")]
    Publish(#[from] PublishError),
}

// ANCHOR: list
/// Up to `limit` dead letters of `concern` (or of every concern), oldest
/// first, left in place.
pub async fn list(
    amqp: &AmqpSettings,
    topology: &Topology,
    concern: Option<Concern>,
    limit: usize,
) -> Result<Vec<DeadLetter>, DeadLetterError> {
    let connection = amqp::connect(amqp, CONNECTION_NAME).await?;
    let mut letters = Vec::new();
    for concern in concerns(concern) {
        let channel = connection.create_channel().await?;
        let queue = &topology.queues(concern).dead_letters;
        let available = queue_length(&channel, queue).await?;
        for _ in 0..available.min(limit.saturating_sub(letters.len())) {
            let Some(delivery) = get(&channel, queue).await? else {
                break;
            };
            letters.push(describe(concern, &delivery));
        }
        // Closing without acking: every message read returns to the queue.
        channel.close(200, "listed".into()).await?;
    }
    close(connection).await;
    Ok(letters)
}
// ANCHOR_END: list

// ANCHOR: replay
/// Moves the `selection` of dead letters of `concern` (or of every concern)
/// back to their work queues. Returns how many were replayed.
pub async fn replay(
    amqp: &AmqpSettings,
    topology: &Topology,
    concern: Option<Concern>,
    selection: &Selection,
) -> Result<usize, DeadLetterError> {
    let connection = amqp::connect(amqp, CONNECTION_NAME).await?;
    let mut replayed = 0;
    for concern in concerns(concern) {
        let channel = connection.create_channel().await?;
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await?;
        let queues = topology.queues(concern);
        let available = queue_length(&channel, &queues.dead_letters).await?;
        for _ in 0..available {
            let Some(delivery) = get(&channel, &queues.dead_letters).await? else {
                break;
            };
            if !selection.matches(&delivery) {
                continue; // stays unacked: back in the queue when the channel closes
            }
            let headers = delivery.properties.headers().as_ref();
            let replays = header_number(headers, REPLAYS_HEADER).unwrap_or(0) + 1;
            let reason = header_text(headers, DEATH_REASON_HEADER).unwrap_or_default();
            let properties = copy_properties(
                &delivery.properties,
                &[
                    HeaderChange::Number(ATTEMPT_HEADER, 0),
                    HeaderChange::Number(REPLAYS_HEADER, replays),
                    HeaderChange::Text(LAST_DEATH_REASON_HEADER, &reason),
                    HeaderChange::Remove(DEATH_REASON_HEADER),
                    HeaderChange::Remove(FAILED_QUEUE_HEADER),
                ],
            );
            publish_to_queue(&channel, &queues.work, &delivery.data, properties).await?;
            delivery.ack(BasicAckOptions::default()).await?;
            replayed += 1;
        }
        channel.close(200, "replayed".into()).await?;
    }
    close(connection).await;
    Ok(replayed)
}
// ANCHOR_END: replay

impl Selection {
    fn matches(&self, delivery: &Delivery) -> bool {
        match self {
            Selection::All => true,
            Selection::EventId(id) => delivery
                .properties
                .message_id()
                .as_ref()
                .is_some_and(|message_id| message_id.as_str() == id),
        }
    }
}

fn concerns(concern: Option<Concern>) -> Vec<Concern> {
    concern.map_or_else(|| Concern::ALL.to_vec(), |concern| vec![concern])
}

/// How many messages are ready in `queue` (a passive declare: it fails if
/// the queue does not exist, rather than creating it).
async fn queue_length(channel: &Channel, queue: &str) -> Result<usize, lapin::Error> {
    let declared = channel
        .queue_declare(
            queue.into(),
            QueueDeclareOptions {
                passive: true,
                ..QueueDeclareOptions::default()
            },
            FieldTable::default(),
        )
        .await?;
    Ok(usize::try_from(declared.message_count()).unwrap_or(usize::MAX))
}

async fn get(channel: &Channel, queue: &str) -> Result<Option<Delivery>, lapin::Error> {
    let message = channel
        .basic_get(queue.into(), BasicGetOptions { no_ack: false })
        .await?;
    Ok(message.map(|message| message.delivery))
}

fn describe(concern: Concern, delivery: &Delivery) -> DeadLetter {
    let properties = &delivery.properties;
    let headers = properties.headers().as_ref();
    DeadLetter {
        concern,
        event_id: properties
            .message_id()
            .as_ref()
            .map(ToString::to_string)
            .or_else(|| body_field(&delivery.data, "id")),
        event_type: properties
            .kind()
            .as_ref()
            .map(ToString::to_string)
            .or_else(|| body_field(&delivery.data, "type")),
        // The broker's own headers when it dead-lettered the message itself
        // (a work queue's delivery limit), rather than the worker.
        reason: header_text(headers, DEATH_REASON_HEADER).or_else(|| {
            header_text(headers, BROKER_DEATH_REASON_HEADER)
                .map(|reason| format!("{reason} (dead-lettered by RabbitMQ)"))
        }),
        attempts: header_number(headers, ATTEMPT_HEADER).unwrap_or(0) + 1,
        replays: header_number(headers, REPLAYS_HEADER).unwrap_or(0),
        failed_queue: header_text(headers, FAILED_QUEUE_HEADER)
            .or_else(|| header_text(headers, BROKER_DEATH_QUEUE_HEADER)),
    }
}

/// A top-level text field of a JSON body, for messages published without
/// the AMQP properties (a body that is not JSON has none).
fn body_field(body: &[u8], field: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    value.get(field)?.as_str().map(ToOwned::to_owned)
}

async fn close(connection: Connection) {
    let _ = connection.close(200, "done".into()).await;
}
