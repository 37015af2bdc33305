//! An event is applied: audit row (sealed token left out) and email (token
//! opened into the link).

use capstone_worker::{
    Concern,
    testing::{PATIENCE, TestWorker, events, eventually},
};

#[tokio::test]
async fn a_registration_is_audited_without_its_token_and_emailed_with_it() {
    let worker = TestWorker::spawn().await;
    let envelope = events::registered("ada@example.com");
    let user_id = envelope.event.user_id();

    worker.broker.publish(&envelope).await;

    let worker = &worker;
    let entries = eventually("the audit entry", PATIENCE, move || async move {
        Some(worker.audit_entries(user_id).await).filter(|entries| !entries.is_empty())
    })
    .await;
    assert_eq!(entries.len(), 1);
    let entry = &entries[0];
    assert_eq!(entry.event_id, envelope.id);
    assert_eq!(entry.event_type, "user.registered");
    assert_eq!(entry.correlation_id, envelope.correlation_id);
    assert_eq!(entry.payload["verification"]["sealed"], "[sealed]");
    assert_eq!(entry.payload["email"], "ada@example.com");
    assert!(
        !entry.payload.to_string().contains(events::LINK_TOKEN),
        "no link token in the audit trail: {}",
        entry.payload
    );

    let email = eventually("the email file", PATIENCE, move || async move {
        worker.emails.read(envelope.id)
    })
    .await;
    assert!(email.contains("ada@example.com"), "{email}");
    assert!(
        email.contains(events::LINK_TOKEN),
        "the link is in the email: {email}"
    );
    eventually(
        "the email recorded as processed",
        PATIENCE,
        move || async move {
            (worker.processed_count(Concern::Email, envelope.id).await == 1).then_some(())
        },
    )
    .await;
}

#[tokio::test]
async fn an_update_is_audited_and_sends_no_email() {
    let worker = TestWorker::spawn().await;
    let registered = events::registered("ada@example.com");
    let updated = events::updated(registered.event.user_id());

    worker.broker.publish(&updated).await;

    let worker = &worker;
    let user_id = updated.event.user_id();
    eventually("the audit entry", PATIENCE, move || async move {
        Some(worker.audit_entries(user_id).await).filter(|entries| entries.len() == 1)
    })
    .await;
    // The email queue is not bound to user.updated: it never sees it.
    let email_queue = worker.topology().queues(Concern::Email).work.clone();
    assert_eq!(worker.broker.queue_length(&email_queue).await, 0);
    assert!(worker.emails.files().is_empty());
}

#[tokio::test]
async fn a_change_made_by_an_admin_is_audited_with_the_admin_as_actor() {
    let worker = TestWorker::spawn().await;
    let user_id = uuid::Uuid::now_v7();
    let admin = uuid::Uuid::now_v7();
    let by_admin = events::updated(user_id).with_actor(Some(admin));
    let by_self = events::updated(user_id).with_actor(Some(user_id));

    worker.broker.publish_all(&[by_admin, by_self]).await;

    let worker = &worker;
    let entries = eventually("both audit entries", PATIENCE, move || async move {
        Some(worker.audit_entries(user_id).await).filter(|entries| entries.len() == 2)
    })
    .await;
    let actors: Vec<_> = entries.iter().map(|entry| entry.actor_id).collect();
    // A user acting on their own account is not recorded as an actor apart.
    assert_eq!(actors, [Some(admin), None]);
}
