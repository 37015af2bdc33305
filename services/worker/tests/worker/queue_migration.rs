//! A broker that still holds the classic queues of before quorum queues
//! (a compose volume, a cluster upgraded in place): the worker moves them
//! to quorum queues at startup, every message included, under a lock, and
//! resumes an interrupted migration.

use capstone_contracts::events::Envelope;
use capstone_worker::{
    Concern, Topology, dead_letters,
    republish::{ATTEMPT_HEADER, DEATH_REASON_HEADER, HeaderChange, copy_properties},
    testing::{
        PATIENCE, TestBroker, TestWorker, declare_classic_topology, events, eventually,
        relay_properties,
    },
    topology::migration::{self, MigrationError, staging_name},
};
use lapin::options::QueueDeclareOptions;
use uuid::Uuid;

/// Retry delays long enough that nothing leaves a retry queue by itself
/// during the test: what moves it is the migration.
const SLOW_RETRIES_MS: [u64; 2] = [60_000, 120_000];

/// Whether `queue` exists (a passive declare on a throwaway channel).
async fn exists(broker: &TestBroker, queue: &str) -> bool {
    let connection = broker.connect().await;
    let channel = connection.create_channel().await.expect("channel");
    let passive = QueueDeclareOptions {
        passive: true,
        ..QueueDeclareOptions::default()
    };
    let found = channel
        .queue_declare(queue.into(), passive, Default::default())
        .await
        .is_ok();
    let _ = connection.close(200, "checked".into()).await;
    found
}

/// Whether every queue is as the worker declares it now (quorum, with its
/// arguments): a classic queue would refuse this declaration.
async fn declared_as_quorum(broker: &TestBroker, topology: &Topology) -> bool {
    let connection = broker.connect().await;
    let channel = connection.create_channel().await.expect("channel");
    let declared = topology.declare(&channel, &broker.amqp).await.is_ok();
    let _ = connection.close(200, "checked".into()).await;
    declared
}

/// Whether any staging queue is left.
async fn staging_left(broker: &TestBroker, topology: &Topology) -> bool {
    for queue in topology.all_queues() {
        if exists(broker, &staging_name(queue)).await {
            return true;
        }
    }
    false
}

/// `envelope` as the worker would have parked it in the dead letters.
async fn park_in_dead_letters(broker: &TestBroker, queue: &str, envelope: &Envelope) {
    let properties = copy_properties(
        &relay_properties(envelope),
        &[HeaderChange::Text(DEATH_REASON_HEADER, "broken on purpose")],
    );
    broker.publish_to_queue(queue, envelope, properties).await;
}

// ANCHOR: migration_test
#[tokio::test]
async fn a_worker_started_on_the_classic_topology_moves_every_message_into_quorum_queues() {
    // Arrange: the old topology, with messages in work, retry and dead-letter queues.
    let broker = TestBroker::with_retry_delays(&SLOW_RETRIES_MS);
    declare_classic_topology(&broker).await;
    let topology = broker.topology();
    let audit = topology.queues(Concern::Audit).clone();
    let waiting: Vec<Envelope> = (0..3)
        .map(|n| events::registered(&format!("waiting{n}@example.com")))
        .collect();
    broker.publish_all(&waiting).await;
    let retrying: Vec<Envelope> = (0..2).map(|_| events::updated(Uuid::now_v7())).collect();
    for envelope in &retrying {
        let properties = copy_properties(
            &relay_properties(envelope),
            &[HeaderChange::Number(ATTEMPT_HEADER, 1)],
        );
        broker
            .publish_to_queue(&audit.retries[0].name, envelope, properties)
            .await;
    }
    let dead: Vec<Envelope> = (0..2).map(|_| events::deleted(Uuid::now_v7())).collect();
    for envelope in &dead {
        park_in_dead_letters(&broker, &audit.dead_letters, envelope).await;
    }
    assert!(
        !declared_as_quorum(&broker, &topology).await,
        "classic to begin with"
    );

    // Act: a worker starts on it.
    let worker = TestWorker::spawn_on_existing_queues(broker).await;

    // Assert: everything handled or still dead, in quorum queues, no staging left.
    let worker = &worker;
    eventually(
        "every waiting and retrying event",
        PATIENCE,
        move || async move {
            (worker.audit_count().await == 5 && worker.emails.files().len() == 3).then_some(())
        },
    )
    .await;
    for envelope in waiting.iter().chain(&retrying) {
        let user_id = envelope.event.user_id();
        assert_eq!(worker.audit_entries(user_id).await.len(), 1, "{user_id}");
    }
    let letters = dead_letters::list(&worker.broker.amqp, &topology, None, 10)
        .await
        .expect("listed");
    let mut parked: Vec<_> = letters.iter().filter_map(|l| l.event_id.clone()).collect();
    let mut expected: Vec<_> = dead.iter().map(|e| e.id.to_string()).collect();
    parked.sort();
    expected.sort();
    assert_eq!(parked, expected, "the dead letters, and only them");
    assert!(
        letters
            .iter()
            .all(|l| l.reason.as_deref() == Some("broken on purpose"))
    );
    assert!(declared_as_quorum(&worker.broker, &topology).await);
    assert!(!staging_left(&worker.broker, &topology).await);
}
// ANCHOR_END: migration_test

#[tokio::test]
async fn an_interrupted_migration_resumes_and_a_concurrent_one_waits_for_the_lock() {
    // Arrange: a migration killed midway. The audit work queue was deleted
    // after its messages moved to staging (and new events kept arriving
    // there); the audit dead letters were half moved.
    let broker = TestBroker::with_retry_delays(&SLOW_RETRIES_MS);
    declare_classic_topology(&broker).await;
    let topology = broker.topology();
    let audit = topology.queues(Concern::Audit).clone();
    let connection = broker.connect().await;
    let channel = connection.create_channel().await.expect("channel");
    let quorum = {
        let mut arguments = lapin::types::FieldTable::default();
        arguments.insert(
            "x-queue-type".into(),
            lapin::types::AMQPValue::LongString("quorum".into()),
        );
        arguments
    };
    let durable = QueueDeclareOptions {
        durable: true,
        ..QueueDeclareOptions::default()
    };
    for staging in [staging_name(&audit.work), staging_name(&audit.dead_letters)] {
        channel
            .queue_declare(staging.as_str().into(), durable, quorum.clone())
            .await
            .expect("staging declared");
    }
    channel
        .queue_bind(
            staging_name(&audit.work).as_str().into(),
            topology.exchange.as_str().into(),
            "user.#".into(),
            Default::default(),
            Default::default(),
        )
        .await
        .expect("staging bound");
    channel
        .queue_delete(audit.work.as_str().into(), Default::default())
        .await
        .expect("work queue deleted");
    let events: Vec<Envelope> = (0..3)
        .map(|n| events::registered(&format!("meanwhile{n}@example.com")))
        .collect();
    broker.publish_all(&events).await; // → email work (classic) and audit staging
    let dead: Vec<Envelope> = (0..2).map(|_| events::deleted(Uuid::now_v7())).collect();
    park_in_dead_letters(&broker, &audit.dead_letters, &dead[0]).await;
    park_in_dead_letters(&broker, &staging_name(&audit.dead_letters), &dead[1]).await;

    // Act: two workers migrate at once.
    let (first, second) = (broker.connect().await, broker.connect().await);
    let (a, b) = tokio::join!(
        migration::migrate(&first, &topology, &broker.amqp),
        migration::migrate(&second, &topology, &broker.amqp),
    );

    // Assert: one migrated; the other did too, or found the lock taken.
    for outcome in [&a, &b] {
        assert!(
            matches!(outcome, Ok(()) | Err(MigrationError::Locked)),
            "{outcome:?}"
        );
    }
    assert!(a.is_ok() || b.is_ok(), "{a:?} {b:?}");
    migration::migrate(&first, &topology, &broker.amqp)
        .await
        .expect("a migration after a migration does nothing");
    let email = topology.queues(Concern::Email).clone();
    assert_eq!(broker.queue_length(&audit.work).await, 3);
    assert_eq!(broker.queue_length(&email.work).await, 3);
    assert_eq!(broker.queue_length(&audit.dead_letters).await, 2);
    assert!(declared_as_quorum(&broker, &topology).await);
    assert!(!staging_left(&broker, &topology).await);
    broker.publish(&events::updated(Uuid::now_v7())).await;
    assert_eq!(broker.queue_length(&audit.work).await, 4, "bound again");
}
