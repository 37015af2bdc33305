//! Poison messages go to the dead letters at once, with a reason; the
//! `dlq` tools list them in place and replay them.

use capstone_worker::{
    Concern,
    dead_letters::{self, DeadLetter, Selection},
    testing::{PATIENCE, TestWorker, events, eventually, relay_properties},
};
use lapin::BasicProperties;
use serde_json::json;

use crate::helpers::wait_for_queue_length;

/// Three messages no handler can read, each with its own `message_id`.
async fn publish_poison(worker: &TestWorker) {
    let garbage = BasicProperties::default().with_message_id("garbage".into());
    worker
        .broker
        .publish_raw("user.registered", b"\x00\x01 not json", garbage)
        .await;

    let envelope = events::registered("ada@example.com");
    let mut wire = serde_json::to_value(&envelope).expect("json");
    wire["type"] = json!("user.exploded");
    wire["id"] = json!("0193a000-0000-7000-8000-000000000001");
    let unknown = relay_properties(&envelope).with_message_id("unknown-type".into());
    let body = serde_json::to_vec(&wire).expect("json");
    worker
        .broker
        .publish_raw("user.exploded", &body, unknown)
        .await;

    let mut wire = serde_json::to_value(&envelope).expect("json");
    wire["version"] = json!(3);
    let future = relay_properties(&envelope).with_message_id("future-version".into());
    let body = serde_json::to_vec(&wire).expect("json");
    worker
        .broker
        .publish_raw("user.registered", &body, future)
        .await;
}

fn reason_of<'a>(letters: &'a [DeadLetter], id: &str) -> &'a str {
    letters
        .iter()
        .find(|letter| letter.event_id.as_deref() == Some(id))
        .and_then(|letter| letter.reason.as_deref())
        .unwrap_or_else(|| panic!("no dead letter {id} in {letters:?}"))
}

#[tokio::test]
async fn poison_messages_are_dead_lettered_with_a_reason_listed_in_place_and_replayable() {
    let worker = TestWorker::spawn().await;
    let topology = worker.topology();
    let audit = topology.queues(Concern::Audit).clone();
    let email = topology.queues(Concern::Email).clone();

    publish_poison(&worker).await;

    // Audit gets all three (`user.#`); email the two sent as user.registered.
    wait_for_queue_length(&worker, &audit.dead_letters, 3).await;
    wait_for_queue_length(&worker, &email.dead_letters, 2).await;
    assert_eq!(worker.broker.queue_length(&audit.work).await, 0);
    assert_eq!(worker.broker.queue_length(&email.work).await, 0);
    assert_eq!(worker.audit_count().await, 0, "nothing applied");
    assert!(worker.emails.files().is_empty(), "nothing sent");

    let amqp = &worker.settings.amqp;
    let letters = dead_letters::list(amqp, &topology, Some(Concern::Audit), 20)
        .await
        .expect("listed");
    assert_eq!(letters.len(), 3, "{letters:?}");
    assert!(reason_of(&letters, "garbage").contains("not an event envelope"));
    assert!(reason_of(&letters, "unknown-type").contains("unknown event type `user.exploded`"));
    assert!(reason_of(&letters, "future-version").contains("unsupported version 3"));
    for letter in &letters {
        assert_eq!(letter.attempts, 1, "poison is not retried: {letter:?}");
        assert_eq!(letter.replays, 0);
        assert_eq!(letter.failed_queue.as_deref(), Some(audit.work.as_str()));
    }
    // Listing leaves them in place. A quorum queue takes them back
    // asynchronously once the listing channel closes: wait, do not peek.
    wait_for_queue_length(&worker, &audit.dead_letters, 3).await;

    let replayed = dead_letters::replay(amqp, &topology, Some(Concern::Audit), &Selection::All)
        .await
        .expect("replayed");
    assert_eq!(replayed, 3);

    // Consumed again, still poison: back in the dead letters, counted.
    let worker = &worker;
    let topology = &topology;
    let letters = eventually(
        "the replayed letters to come back",
        PATIENCE,
        move || async move {
            let letters = dead_letters::list(amqp, topology, Some(Concern::Audit), 20)
                .await
                .expect("listed");
            Some(letters).filter(|letters| {
                letters.len() == 3 && letters.iter().all(|letter| letter.replays == 1)
            })
        },
    )
    .await;
    assert!(reason_of(&letters, "unknown-type").contains("unknown event type"));
    assert_eq!(worker.broker.queue_length(&audit.work).await, 0);
    assert_eq!(
        worker.broker.queue_length(&email.dead_letters).await,
        2,
        "replaying audit leaves email's dead letters alone"
    );
    assert_eq!(worker.audit_count().await, 0);
}
