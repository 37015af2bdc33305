//! Every change writes its event in the same transaction (the outbox).

use capstone_contracts::events::Event;
use serde_json::json;

use crate::helpers::{TEST_PASSWORD, spawn_app};

#[tokio::test]
async fn each_change_commits_its_event_with_it() {
    let app = spawn_app().await;

    let user = app.register("ada@example.com").await;
    let patched = app
        .patch_user(user.id, &json!({"display_name": "Ada L."}))
        .await;
    assert_eq!(patched.status(), 200);
    assert_eq!(app.delete_user(user.id).await.status(), 204);

    let events = app.outbox(None).await;
    let types: Vec<_> = events
        .iter()
        .map(|e| e.envelope.event.event_type())
        .collect();
    assert_eq!(types, ["user.registered", "user.updated", "user.deleted"]);
    assert!(events.iter().all(|e| e.envelope.event.user_id() == user.id));
    let Event::UserUpdated(updated) = &events[1].envelope.event else {
        panic!("user.updated expected");
    };
    assert_eq!(updated.changed, ["display_name"]);
    assert_eq!(updated.display_name, "Ada L.");
    assert!(
        events.iter().all(|e| !e.sent),
        "no relay runs in these tests"
    );
}

#[tokio::test]
async fn a_rolled_back_change_leaves_no_event() {
    let app = spawn_app().await;
    app.register("ada@example.com").await;

    // The same address again, by an admin: the insert fails on the unique
    // index, and the transaction (with its outbox row) rolls back.
    let again = app
        .post_user(&json!({"email": "ADA@example.com", "display_name": "Ada"}))
        .await;
    assert_eq!(again.status(), 409);
    // A PATCH that changes nothing writes nothing, event included.
    let user = &app.outbox(None).await[0].envelope.event;
    let unchanged = app
        .patch_user(user.user_id(), &json!({"display_name": "Ada"}))
        .await;
    assert_eq!(unchanged.status(), 200);

    assert_eq!(
        app.outbox(None).await.len(),
        1,
        "only the first registration"
    );
}

#[tokio::test]
async fn events_carry_the_request_id_and_trace_context() {
    let app = spawn_app().await;
    let traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    let response = app
        .client
        .post(app.url("/api/v1/auth/register"))
        .header("x-request-id", "req-outbox-1")
        .header("traceparent", traceparent)
        .json(
            &json!({"email": "ada@example.com", "password": TEST_PASSWORD, "display_name": "Ada"}),
        )
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 202);

    let envelope = &app.outbox(None).await[0].envelope;
    assert_eq!(envelope.correlation_id.as_deref(), Some("req-outbox-1"));
    assert_eq!(envelope.trace.traceparent.as_deref(), Some(traceparent));
    assert_eq!(envelope.id.get_version_num(), 7);
}
