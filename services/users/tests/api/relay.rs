//! The outbox relay against the real RabbitMQ: each test has its own name
//! prefix, and a probe queue bound to its exchange stands in for consumers.

use std::time::Duration;

use capstone_contracts::events::Envelope;
use capstone_platform::{
    amqp,
    settings::AmqpSettings,
    testing::{CuttableProxy, PATIENCE, eventually},
};
use futures_util::StreamExt;
use lapin::{
    Channel, Connection,
    options::{
        BasicAckOptions, BasicConsumeOptions, ExchangeDeleteOptions, QueueBindOptions,
        QueueDeclareOptions, QueueDeleteOptions,
    },
    types::FieldTable,
};
use serde_json::json;
use uuid::Uuid;

use crate::helpers::{TEST_PASSWORD, TestApp, spawn_app_with};

/// A queue bound to `<prefix>.events` with `user.#`; deleted (with the
/// exchange) by [`Probe::delete`]. Shared with `relay_outage.rs`.
pub(crate) struct Probe {
    pub(crate) settings: AmqpSettings,
    connection: Connection,
    channel: Channel,
    queue: String,
}

impl Probe {
    pub(crate) async fn new() -> Self {
        let settings = AmqpSettings {
            prefix: format!("test_{}", Uuid::new_v4().simple()),
            ..AmqpSettings::default()
        };
        let connection = amqp::connect(&settings, "users-relay-test")
            .await
            .expect("RabbitMQ reachable: run scripts/dev-services.sh");
        let channel = connection.create_channel().await.expect("channel");
        amqp::declare_events_exchange(&channel, &settings)
            .await
            .expect("exchange");
        let queue = format!("{}.probe", settings.prefix);
        channel
            .queue_declare(
                queue.as_str().into(),
                QueueDeclareOptions::default(),
                FieldTable::default(),
            )
            .await
            .expect("queue");
        channel
            .queue_bind(
                queue.as_str().into(),
                amqp::events_exchange(&settings).as_str().into(),
                "user.#".into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await
            .expect("bind");
        Self {
            settings,
            connection,
            channel,
            queue,
        }
    }

    /// The next `count` messages' envelopes (bounded wait), acked.
    pub(crate) async fn take(&self, count: usize) -> Vec<Envelope> {
        let mut consumer = self
            .channel
            .basic_consume(
                self.queue.as_str().into(),
                "".into(),
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await
            .expect("consume");
        let mut received = Vec::new();
        while received.len() < count {
            let delivery = tokio::time::timeout(Duration::from_secs(10), consumer.next())
                .await
                .unwrap_or_else(|_| panic!("only {} of {count} events arrived", received.len()))
                .expect("stream open")
                .expect("delivery");
            assert_eq!(delivery.properties.delivery_mode(), &Some(2), "persistent");
            received.push(Envelope::decode(&delivery.data).expect("an envelope"));
            delivery.ack(BasicAckOptions::default()).await.expect("ack");
        }
        self.channel
            .basic_cancel(consumer.tag(), Default::default())
            .await
            .expect("cancel");
        received
    }

    pub(crate) async fn delete(self) {
        let _ = self
            .channel
            .queue_delete(self.queue.as_str().into(), QueueDeleteOptions::default())
            .await;
        let _ = self
            .channel
            .exchange_delete(
                amqp::events_exchange(&self.settings).as_str().into(),
                ExchangeDeleteOptions::default(),
            )
            .await;
        let _ = self.connection.close(200, "done".into()).await;
    }
}

async fn app_with_relay(probe: &Probe) -> TestApp {
    let amqp = probe.settings.clone();
    spawn_app_with(move |settings| {
        settings.amqp = amqp;
        settings.users.outbox.relay_enabled = true;
        // Long: these tests must be woken by NOTIFY, not by polling.
        settings.users.outbox.poll_interval_ms = 60_000;
    })
    .await
}

async fn register(app: &TestApp, email: &str) -> reqwest::Response {
    app.post_public(
        "/api/v1/auth/register",
        &json!({"email": email, "password": TEST_PASSWORD, "display_name": "Ada"}),
    )
    .await
}

// ANCHOR: publish_on_commit
#[tokio::test]
async fn an_event_is_published_exactly_when_its_transaction_commits() {
    let probe = Probe::new().await;
    let app = app_with_relay(&probe).await;

    assert_eq!(register(&app, "ada@example.com").await.status(), 202);
    // Rolled back (an admin creating a duplicate address): nothing may be
    // published for it.
    let duplicate = json!({"email": "ADA@example.com", "display_name": "Ada"});
    assert_eq!(app.post_user(&duplicate).await.status(), 409);
    // A later commit: once its event is here, an event of the rolled-back
    // attempt would have been too (the relay publishes in id order).
    assert_eq!(register(&app, "grace@example.com").await.status(), 202);

    let received = probe.take(2).await;
    let outbox = app.outbox(None).await;
    let ids: Vec<_> = outbox.iter().map(|row| row.envelope.id).collect();
    assert_eq!(received.iter().map(|e| e.id).collect::<Vec<_>>(), ids);
    assert_eq!(ids.len(), 2, "two commits, two events");
    wait_until_all_sent(&app).await;
    probe.delete().await;
}
// ANCHOR_END: publish_on_commit

#[tokio::test]
async fn two_relays_on_one_outbox_publish_each_event_once() {
    let probe = Probe::new().await;
    let first = app_with_relay(&probe).await;
    let amqp = probe.settings.clone();
    let database = first.database.settings.clone();
    // A second instance of the service on the same database (another pod).
    let second = spawn_app_with(move |settings| {
        settings.amqp = amqp;
        settings.database = database;
        settings.users.outbox.relay_enabled = true;
        settings.users.outbox.batch_size = 3;
    })
    .await;

    for n in 0..30 {
        let app = if n % 2 == 0 { &first } else { &second };
        assert_eq!(
            register(app, &format!("user{n}@example.com"))
                .await
                .status(),
            202
        );
    }

    let mut ids: Vec<_> = probe.take(30).await.into_iter().map(|e| e.id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 30, "30 distinct events, none twice");
    wait_until_all_sent(&first).await;
    probe.delete().await;
}

#[tokio::test]
async fn sent_events_are_pruned_after_the_retention() {
    let probe = Probe::new().await;
    let amqp = probe.settings.clone();
    let app = spawn_app_with(move |settings| {
        settings.amqp = amqp;
        settings.users.outbox.relay_enabled = true;
        settings.users.outbox.retention_secs = 0;
        settings.users.outbox.prune_interval_secs = 1;
        settings.users.outbox.poll_interval_ms = 100;
    })
    .await;

    assert_eq!(register(&app, "ada@example.com").await.status(), 202);
    probe.take(1).await;
    eventually("the sent event to be pruned", PATIENCE, || async {
        app.outbox(None).await.is_empty()
    })
    .await;
    probe.delete().await;
}

// ANCHOR: broker_outage
#[tokio::test]
async fn while_the_broker_is_away_events_wait_in_the_outbox_and_follow_on_reconnect() {
    let probe = Probe::new().await;
    let mut amqp = probe.settings.clone();
    let broker = CuttableProxy::in_front_of_amqp(&mut amqp).await;
    let app = app_relaying_to(amqp).await;
    assert_eq!(register(&app, "ada@example.com").await.status(), 202);
    probe.take(1).await;

    broker.cut();
    wait_for_broker_status(&app, "down").await;
    assert_eq!(
        register(&app, "grace@example.com").await.status(),
        202,
        "the API does not need the broker"
    );
    let waiting: Vec<_> = app
        .outbox(None)
        .await
        .into_iter()
        .filter(|row| !row.sent)
        .collect();
    assert_eq!(waiting.len(), 1, "grace's event waits in the outbox");

    broker.restore();
    let delivered = probe.take(1).await;
    assert_eq!(delivered[0].id, waiting[0].envelope.id);
    wait_until_all_sent(&app).await;
    wait_for_broker_status(&app, "up").await;
    probe.delete().await;
}
// ANCHOR_END: broker_outage

/// Waits (bounded) until readiness reports RabbitMQ as `status`.
async fn wait_for_broker_status(app: &TestApp, status: &str) {
    let what = format!("readiness to report RabbitMQ {status}");
    eventually(&what, PATIENCE, || async {
        let report: serde_json::Value = app.get("/health/ready").await.json().await.expect("json");
        if report["checks"]["rabbitmq"]["status"] == status {
            Ok(())
        } else {
            Err(report)
        }
    })
    .await;
}

pub(crate) async fn wait_until_all_sent(app: &TestApp) {
    eventually("every outbox row to be sent", PATIENCE, || async {
        app.outbox(None).await.iter().all(|row| row.sent)
    })
    .await;
}

/// An app whose relay publishes through `amqp` (a proxy a test can cut),
/// polling often and reconnecting quickly.
pub(crate) async fn app_relaying_to(amqp: AmqpSettings) -> TestApp {
    spawn_app_with(move |settings| {
        settings.amqp = AmqpSettings {
            reconnect_max_delay_ms: 200,
            ..amqp
        };
        settings.users.outbox.relay_enabled = true;
        settings.users.outbox.poll_interval_ms = 100;
    })
    .await
}
