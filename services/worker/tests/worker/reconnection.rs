//! The consumer recovers on its own when the broker takes its queue away
//! or the connection breaks: it reconnects, declares the topology again
//! and resumes consuming.

use capstone_platform::testing::CuttableProxy;
use capstone_worker::{
    Concern,
    testing::{PATIENCE, TestBroker, TestWorker, events, eventually},
};
use lapin::options::{QueueDeclareOptions, QueueDeleteOptions};
use serde_json::Value;

/// How many consumers `queue` has, if it exists (a passive declare, on a
/// throwaway channel: a failed one closes its channel).
async fn consumer_count(worker: &TestWorker, queue: &str) -> Option<u32> {
    let connection = worker.broker.connect().await;
    let channel = connection.create_channel().await.expect("channel");
    let passive = QueueDeclareOptions {
        passive: true,
        ..QueueDeclareOptions::default()
    };
    let count = channel
        .queue_declare(queue.into(), passive, Default::default())
        .await
        .ok()
        .map(|queue| queue.consumer_count());
    let _ = connection.close(200, "checked".into()).await;
    count
}

#[tokio::test]
async fn a_consumer_cancelled_by_the_broker_reconnects_and_resumes() {
    let worker = TestWorker::spawn().await;
    let audit = worker.topology().queues(Concern::Audit).clone();
    let worker = &worker;
    let audit_work = audit.work.as_str();
    // Consuming before the queue is pulled from under it.
    eventually("the worker to consume", PATIENCE, move || async move {
        (consumer_count(worker, audit_work).await? > 0).then_some(())
    })
    .await;

    let connection = worker.broker.connect().await;
    let channel = connection.create_channel().await.expect("channel");
    channel
        .queue_delete(audit_work.into(), QueueDeleteOptions::default())
        .await
        .expect("queue deleted");
    let _ = connection.close(200, "deleted".into()).await;

    // A consumer again means the queue and its bindings are back: the
    // worker consumes only after declaring the whole topology.
    eventually(
        "the worker to consume its queue again",
        PATIENCE,
        move || async move { (consumer_count(worker, audit_work).await? > 0).then_some(()) },
    )
    .await;
    let envelope = events::registered("ada@example.com");
    worker.broker.publish(&envelope).await;
    eventually(
        "the event to be applied after reconnecting",
        PATIENCE,
        move || async move { (worker.audit_count().await == 1).then_some(()) },
    )
    .await;
}

/// What the worker's readiness says about RabbitMQ.
async fn broker_status(worker: &TestWorker) -> Option<String> {
    let url = format!("{}/health/ready", worker.address);
    let report: Value = reqwest::get(url).await.ok()?.json().await.ok()?;
    report["checks"]["rabbitmq"]["status"]
        .as_str()
        .map(str::to_owned)
}

// ANCHOR: connection_cut
#[tokio::test]
async fn after_the_connection_breaks_the_worker_reconnects_and_handles_what_queued_meanwhile() {
    let broker = TestBroker::new();
    let mut amqp = broker.amqp.clone();
    let network = CuttableProxy::in_front_of_amqp(&mut amqp).await;
    amqp.reconnect_max_delay_ms = 200;
    let worker = TestWorker::spawn_with(broker, |settings| settings.amqp = amqp, |h| h).await;
    let worker = &worker;
    worker
        .broker
        .publish(&events::registered("ada@example.com"))
        .await;
    eventually("the first event", PATIENCE, move || async move {
        (worker.audit_count().await == 1).then_some(())
    })
    .await;

    network.cut();
    eventually(
        "readiness to see the broker gone",
        PATIENCE,
        move || async move { (broker_status(worker).await? == "down").then_some(()) },
    )
    .await;
    // Published straight to the broker (the relay's side is fine): it waits
    // in the durable queue while the worker cannot reach it.
    let queued = events::registered("grace@example.com");
    worker.broker.publish(&queued).await;

    network.restore();
    eventually(
        "the queued event after reconnecting",
        PATIENCE,
        move || async move {
            (worker.audit_count().await == 2 && worker.emails.files().len() == 2).then_some(())
        },
    )
    .await;
    assert!(worker.emails.read(queued.id).is_some(), "grace's welcome");
    assert_eq!(broker_status(worker).await.as_deref(), Some("up"));
}
// ANCHOR_END: connection_cut
