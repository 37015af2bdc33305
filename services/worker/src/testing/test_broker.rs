//! A RabbitMQ namespace per test: a unique prefix for every exchange and
//! queue name, so tests run in parallel on one broker, and everything under
//! it deleted when the test ends.

use capstone_contracts::events::Envelope;
use capstone_platform::{amqp, load_settings, settings::AmqpSettings};
use lapin::{
    BasicProperties, Channel, Confirmation, Connection,
    options::{
        BasicPublishOptions, ConfirmSelectOptions, ExchangeDeleteOptions, QueueDeclareOptions,
        QueueDeleteOptions,
    },
    types::FieldTable,
};
use uuid::Uuid;

use crate::{
    Settings, republish,
    topology::{Topology, migration::staging_name},
};

/// Short retry delays for tests: the retry path runs in about 1.4 s.
pub const TEST_RETRY_DELAYS_MS: [u64; 3] = [200, 400, 800];

/// One test's broker namespace (prefix `test_<uuid>`). Dropping it deletes
/// every queue of its [`Topology`] and its events exchange.
#[derive(Debug)]
pub struct TestBroker {
    /// The usual settings (so `AMQP_URL` is honoured) with this prefix.
    pub amqp: AmqpSettings,
    /// The retry delays the worker under test uses: they name retry queues.
    pub retry_delays_ms: Vec<u64>,
}

impl Default for TestBroker {
    fn default() -> Self {
        Self::new()
    }
}

impl TestBroker {
    /// A fresh namespace, with [`TEST_RETRY_DELAYS_MS`].
    pub fn new() -> Self {
        Self::with_retry_delays(&TEST_RETRY_DELAYS_MS)
    }

    /// A fresh namespace whose worker retries after `retry_delays_ms`.
    pub fn with_retry_delays(retry_delays_ms: &[u64]) -> Self {
        let mut amqp = load_settings::<Settings>(None).expect("settings load").amqp;
        amqp.prefix = format!("test_{}", Uuid::new_v4().simple());
        Self {
            amqp,
            retry_delays_ms: retry_delays_ms.to_vec(),
        }
    }

    /// The broker settings (URL, this prefix) for anything that publishes
    /// or consumes in this namespace: the worker, the users relay.
    pub fn settings(&self) -> AmqpSettings {
        self.amqp.clone()
    }

    /// The names of everything in this namespace.
    pub fn topology(&self) -> Topology {
        Topology::new(&self.amqp, &self.retry_delays_ms)
    }

    /// A new connection to the broker.
    pub async fn connect(&self) -> Connection {
        amqp::connect(&self.amqp, "capstone-worker-test")
            .await
            .expect("RabbitMQ reachable: run scripts/dev-services.sh")
    }

    /// Declares the topology, as the worker does when it connects: then
    /// events published before the worker is up wait in its queues instead
    /// of being dropped by an exchange with no queue bound.
    pub async fn declare_topology(&self) {
        let connection = self.connect().await;
        let channel = connection.create_channel().await.expect("channel");
        self.topology()
            .declare(&channel, &self.amqp)
            .await
            .expect("topology declares");
        let _ = connection.close(200, "declared".into()).await;
    }

    // ANCHOR: publish
    /// Publishes `envelope` to the events exchange the way the users
    /// service's relay does (see [`relay_properties`]), confirmed.
    pub async fn publish(&self, envelope: &Envelope) {
        self.publish_raw(
            envelope.event.event_type(),
            &envelope.encode(),
            relay_properties(envelope),
        )
        .await;
    }
    // ANCHOR_END: publish

    /// Publishes every envelope on one channel, then waits for all the
    /// confirms: a batch the way the relay sends one, for volume.
    pub async fn publish_all(&self, envelopes: &[Envelope]) {
        let messages = envelopes.iter().map(|envelope| {
            (
                envelope.event.event_type().to_owned(),
                envelope.encode(),
                relay_properties(envelope),
            )
        });
        self.publish_confirmed(messages).await;
    }

    /// Publishes any bytes to the events exchange with `routing_key`:
    /// for messages no correct publisher would send.
    pub async fn publish_raw(&self, routing_key: &str, body: &[u8], properties: BasicProperties) {
        self.publish_confirmed([(routing_key.to_owned(), body.to_vec(), properties)])
            .await;
    }

    /// Publishes `(routing key, body, properties)` messages to the events
    /// exchange on one confirm-mode channel, then checks every confirm.
    async fn publish_confirmed(
        &self,
        messages: impl IntoIterator<Item = (String, Vec<u8>, BasicProperties)>,
    ) {
        let connection = self.connect().await;
        let channel = connection.create_channel().await.expect("channel");
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await
            .expect("confirm mode");
        let exchange = amqp::events_exchange(&self.amqp);
        let mut confirms = Vec::new();
        for (routing_key, body, properties) in messages {
            let confirm = channel
                .basic_publish(
                    exchange.as_str().into(),
                    routing_key.as_str().into(),
                    BasicPublishOptions::default(),
                    &body,
                    properties,
                )
                .await
                .expect("published");
            confirms.push(confirm);
        }
        for confirm in confirms {
            let confirmation = confirm.await.expect("confirmed");
            assert!(
                matches!(confirmation, Confirmation::Ack(None)),
                "{confirmation:?}"
            );
        }
        let _ = connection.close(200, "published".into()).await;
    }

    /// Publishes `envelope` with `properties` straight to `queue` (the
    /// default exchange), confirmed: a message the worker or an operator
    /// put there.
    pub async fn publish_to_queue(
        &self,
        queue: &str,
        envelope: &Envelope,
        properties: BasicProperties,
    ) {
        let connection = self.connect().await;
        let channel = connection.create_channel().await.expect("channel");
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await
            .expect("confirm mode");
        republish::publish_to_queue(&channel, queue, &envelope.encode(), properties)
            .await
            .expect("published and confirmed");
        let _ = connection.close(200, "published".into()).await;
    }

    /// Messages ready in `queue` (not counting unacked ones).
    pub async fn queue_length(&self, queue: &str) -> u32 {
        let connection = self.connect().await;
        let channel = connection.create_channel().await.expect("channel");
        let count = message_count(&channel, queue).await;
        let _ = connection.close(200, "counted".into()).await;
        count
    }
}

/// What the relay sets on each event (the shared `amqp::event_properties`).
pub fn relay_properties(envelope: &Envelope) -> BasicProperties {
    capstone_platform::amqp::event_properties(
        &envelope.id.to_string(),
        envelope.event.event_type(),
        envelope.correlation_id.as_deref(),
        &envelope.trace,
    )
}

async fn message_count(channel: &Channel, queue: &str) -> u32 {
    channel
        .queue_declare(
            queue.into(),
            QueueDeclareOptions {
                passive: true,
                ..QueueDeclareOptions::default()
            },
            FieldTable::default(),
        )
        .await
        .expect("queue exists")
        .message_count()
}

impl Drop for TestBroker {
    fn drop(&mut self) {
        // Drop runs outside async code, possibly while the test's runtime is
        // shutting down: use a small runtime on a thread of its own.
        let topology = self.topology();
        let amqp = self.amqp.clone();
        let deleted = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(delete_namespace(&amqp, &topology))
        })
        .join();
        if !matches!(deleted, Ok(Ok(()))) {
            eprintln!(
                "warning: RabbitMQ prefix {} was not cleaned up",
                self.amqp.prefix
            );
        }
    }
}

/// Deletes every queue and the staging queue a migration may have left
/// (deleting a missing queue is not an error), and the exchange.
async fn delete_namespace(amqp: &AmqpSettings, topology: &Topology) -> Result<(), String> {
    let connection = amqp::connect(amqp, "capstone-worker-test-cleanup")
        .await
        .map_err(|error| error.to_string())?;
    let channel = connection
        .create_channel()
        .await
        .map_err(|e| e.to_string())?;
    for queue in topology.all_queues() {
        for name in [queue.to_owned(), staging_name(queue)] {
            channel
                .queue_delete(name.as_str().into(), QueueDeleteOptions::default())
                .await
                .map_err(|e| e.to_string())?;
        }
    }
    channel
        .exchange_delete(
            topology.exchange.as_str().into(),
            ExchangeDeleteOptions::default(),
        )
        .await
        .map_err(|e| e.to_string())?;
    let _ = connection.close(200, "cleaned up".into()).await;
    Ok(())
}
