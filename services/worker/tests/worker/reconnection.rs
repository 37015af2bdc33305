//! The consumer recovers on its own when the broker takes its queue away:
//! it reconnects, declares the topology again and resumes consuming.

use capstone_worker::{
    Concern,
    testing::{PATIENCE, TestWorker, events, wait_for},
};
use lapin::options::{QueueDeclareOptions, QueueDeleteOptions};

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
    wait_for("the worker to consume", PATIENCE, move || async move {
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
    wait_for(
        "the worker to consume its queue again",
        PATIENCE,
        move || async move { (consumer_count(worker, audit_work).await? > 0).then_some(()) },
    )
    .await;
    let envelope = events::registered("ada@example.com");
    worker.broker.publish(&envelope).await;
    wait_for(
        "the event to be applied after reconnecting",
        PATIENCE,
        move || async move { (worker.audit_count().await == 1).then_some(()) },
    )
    .await;
}
