//! At-least-once delivery, exactly-once effect: a redelivered event is
//! recognised by its id.

use capstone_worker::{
    Concern,
    handlers::{Handler, Outcome},
    testing::{PATIENCE, TestBroker, TestWorker, events, eventually},
};

use crate::helpers::{Recordings, record_every_handler};

#[tokio::test]
async fn the_same_event_delivered_twice_is_applied_once() {
    let recordings = Recordings::default();
    let worker = TestWorker::spawn_with(
        TestBroker::new(),
        |_| {},
        record_every_handler(recordings.clone()),
    )
    .await;
    let recordings = recordings.lock().expect("not poisoned").clone();
    let envelope = events::registered("ada@example.com");

    worker.broker.publish(&envelope).await;
    worker.broker.publish(&envelope).await;

    let recordings = &recordings;
    eventually(
        "both copies handled by both concerns",
        PATIENCE,
        move || async move {
            recordings
                .iter()
                .all(|recording| recording.outcomes().len() == 2)
                .then_some(())
        },
    )
    .await;
    for recording in recordings {
        let outcomes = recording.outcomes();
        assert!(outcomes.iter().all(Result::is_ok), "{outcomes:?}");
    }
    let audit = recordings
        .iter()
        .find(|recording| recording.concern() == Concern::Audit)
        .expect("an audit recording");
    let mut outcomes: Vec<Outcome> = audit.outcomes().into_iter().flatten().collect();
    outcomes.sort_by_key(|outcome| *outcome != Outcome::Applied);
    assert_eq!(outcomes, [Outcome::Applied, Outcome::Duplicate]);
    assert_eq!(worker.audit_count().await, 1);
    assert_eq!(worker.emails.files().len(), 1, "one email file");
    assert_eq!(worker.processed_count(Concern::Audit, envelope.id).await, 1);
    assert_eq!(worker.processed_count(Concern::Email, envelope.id).await, 1);
}

#[tokio::test]
async fn processed_ids_are_forgotten_after_the_retention_and_the_audit_trail_stays() {
    let worker = TestWorker::spawn_with(
        TestBroker::new(),
        |settings| {
            // Just longer than the test retry path (1.4 s in all).
            settings.worker.processed_retention_secs = 2;
            settings.worker.prune_interval_secs = 1;
        },
        |handlers| handlers,
    )
    .await;
    let envelope = events::registered("ada@example.com");
    worker.broker.publish(&envelope).await;
    let (worker, id) = (&worker, envelope.id);
    eventually(
        "both concerns to record the event",
        PATIENCE,
        move || async move {
            (worker.processed_count(Concern::Audit, id).await == 1
                && worker.processed_count(Concern::Email, id).await == 1)
                .then_some(())
        },
    )
    .await;

    eventually("the ids to be pruned", PATIENCE, move || async move {
        (worker.processed_count(Concern::Audit, id).await == 0
            && worker.processed_count(Concern::Email, id).await == 0)
            .then_some(())
    })
    .await;
    assert_eq!(worker.audit_count().await, 1, "the trail is never pruned");
}
