//! The queues are quorum queues, and the broker (RabbitMQ 3.10+) accepts
//! and honours their arguments: a retry queue hands an expired message to
//! the work queue, and the work queue dead-letters a message delivered more
//! than `DELIVERY_LIMIT` times.

use capstone_worker::{
    Concern, DELIVERY_LIMIT, dead_letters,
    testing::{PATIENCE, TestBroker, events, eventually, relay_properties},
};
use lapin::options::{BasicGetOptions, BasicNackOptions};

#[tokio::test]
async fn a_message_expiring_from_a_retry_queue_arrives_in_the_work_queue() {
    let broker = TestBroker::new();
    broker.declare_topology().await;
    let audit = broker.topology().queues(Concern::Audit).clone();
    let envelope = events::updated(uuid::Uuid::now_v7());

    broker
        .publish_to_queue(
            &audit.retries[0].name,
            &envelope,
            relay_properties(&envelope),
        )
        .await;

    let broker = &broker;
    let work = audit.work.as_str();
    eventually(
        "the message in the work queue",
        PATIENCE,
        move || async move { (broker.queue_length(work).await == 1).then_some(()) },
    )
    .await;
    assert_eq!(broker.queue_length(&audit.retries[0].name).await, 0);
}

// ANCHOR: delivery_limit_test
#[tokio::test]
async fn a_message_requeued_past_the_delivery_limit_lands_in_the_dead_letters() {
    let broker = TestBroker::new();
    broker.declare_topology().await;
    let audit = broker.topology().queues(Concern::Audit).clone();
    let envelope = events::updated(uuid::Uuid::now_v7());
    broker
        .publish_to_queue(&audit.work, &envelope, relay_properties(&envelope))
        .await;

    // A consumer that takes the message and hands it back, again and again:
    // what a worker crashing on it would look like to the queue.
    let connection = broker.connect().await;
    let channel = connection.create_channel().await.expect("channel");
    let mut deliveries = 0;
    let get = BasicGetOptions { no_ack: false };
    while let Some(message) = channel
        .basic_get(audit.work.as_str().into(), get)
        .await
        .expect("basic.get")
    {
        deliveries += 1;
        assert!(deliveries <= DELIVERY_LIMIT + 1, "never dead-lettered");
        let requeue = BasicNackOptions {
            requeue: true,
            ..BasicNackOptions::default()
        };
        message.delivery.nack(requeue).await.expect("nacked");
    }
    let _ = connection.close(200, "done".into()).await;

    assert_eq!(
        deliveries,
        DELIVERY_LIMIT + 1,
        "delivered, then returned LIMIT times"
    );
    let broker = &broker;
    let dead = audit.dead_letters.as_str();
    eventually(
        "the message in the dead letters",
        PATIENCE,
        move || async move { (broker.queue_length(dead).await == 1).then_some(()) },
    )
    .await;
    let topology = broker.topology();
    let letters = dead_letters::list(&broker.amqp, &topology, Some(Concern::Audit), 10)
        .await
        .expect("listed");
    assert_eq!(letters.len(), 1);
    let reason = letters[0].reason.as_deref().unwrap_or_default();
    assert!(reason.contains("delivery_limit"), "{reason}");
    assert_eq!(
        letters[0].failed_queue.as_deref(),
        Some(audit.work.as_str())
    );
}
// ANCHOR_END: delivery_limit_test
