//! Transient failures are retried after the configured delays.

use std::{sync::Arc, time::Duration};

use capstone_worker::{
    Concern,
    testing::{PATIENCE, TEST_RETRY_DELAYS_MS, TestBroker, TestWorker, events, eventually},
};

use crate::helpers::{Flaky, wait_for_queue_length, wrap};

#[tokio::test]
async fn a_handler_failing_twice_is_retried_after_each_delay_and_applied_once() {
    let flaky = Arc::new(std::sync::OnceLock::<Arc<Flaky>>::new());
    let slot = Arc::clone(&flaky);
    let worker = TestWorker::spawn_with(
        TestBroker::new(),
        |_| {},
        wrap(Concern::Audit, move |inner| {
            let handler = Arc::new(Flaky::new(inner, 2));
            slot.set(Arc::clone(&handler)).ok().expect("wrapped once");
            handler
        }),
    )
    .await;
    let flaky = flaky.get().expect("the audit handler was wrapped");
    let envelope = events::registered("ada@example.com");

    worker.broker.publish(&envelope).await;

    let worker = &worker;
    let user_id = envelope.event.user_id();
    eventually("the audit entry", PATIENCE, move || async move {
        (worker.audit_count().await == 1).then_some(())
    })
    .await;
    let calls = flaky.calls();
    assert_eq!(calls.len(), 3, "two failures, one success");
    let attempts: Vec<u64> = calls.iter().map(|call| call.attempt).collect();
    assert_eq!(attempts, [0, 1, 2], "x-attempt counts the retries");
    for (index, pair) in calls.windows(2).enumerate() {
        let gap = pair[1].at - pair[0].at;
        let delay = Duration::from_millis(TEST_RETRY_DELAYS_MS[index]);
        // Lower bounds only: a slow machine may take longer, never shorter.
        assert!(
            gap >= delay,
            "retry {} after {gap:?}, expected ≥ {delay:?}",
            index + 1
        );
    }
    assert_eq!(worker.audit_entries(user_id).await.len(), 1);
    let queues = worker.topology().queues(Concern::Audit).clone();
    wait_for_queue_length(worker, &queues.dead_letters, 0).await;
    for retry in &queues.retries {
        assert_eq!(
            worker.broker.queue_length(&retry.name).await,
            0,
            "{}",
            retry.name
        );
    }
}
