//! Graceful shutdown: stop taking messages, finish those in flight.

use std::{
    sync::{Arc, OnceLock, atomic::Ordering},
    time::Duration,
};

use capstone_worker::{
    Concern,
    testing::{PATIENCE, TestBroker, TestWorker, events, eventually},
};

use crate::helpers::{Slow, wrap};

#[tokio::test]
async fn shutdown_lets_the_message_in_flight_finish_and_acks_it() {
    let slot = Arc::new(OnceLock::<Arc<Slow>>::new());
    let wrapped = Arc::clone(&slot);
    let mut worker = TestWorker::spawn_with(
        TestBroker::new(),
        |_| {},
        wrap(Concern::Audit, move |inner| {
            let handler = Arc::new(Slow::new(inner, Duration::from_millis(500)));
            wrapped
                .set(Arc::clone(&handler))
                .ok()
                .expect("wrapped once");
            handler
        }),
    )
    .await;
    let slow = slot.get().expect("the audit handler was wrapped");
    let envelope = events::registered("ada@example.com");
    worker.broker.publish(&envelope).await;
    eventually("the slow handler to start", PATIENCE, move || async move {
        slow.started.load(Ordering::SeqCst).then_some(())
    })
    .await;

    worker.stop().await.expect("stops cleanly");

    assert!(
        slow.finished.load(Ordering::SeqCst),
        "the handler ran to the end"
    );
    assert_eq!(worker.audit_count().await, 1, "applied once");
    // Acked before the channel closed: an unacked message would be back
    // in the queue now that the connection is gone.
    let audit = worker.topology().queues(Concern::Audit).clone();
    assert_eq!(worker.broker.queue_length(&audit.work).await, 0);
    assert_eq!(worker.broker.queue_length(&audit.dead_letters).await, 0);
}
