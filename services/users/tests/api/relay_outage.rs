//! A broker outage shows where operators look: on the waiting outbox rows
//! (`attempts`, `last_error`) and in `/metrics` (relay failures, the oldest
//! unsent event's age, the relay's connection), not only in the log.

use capstone_platform::{
    metrics::names::AMQP_CONNECTED,
    testing::{CuttableProxy, Exposition, PATIENCE, eventually},
};
use capstone_users::metrics::{OUTBOX_OLDEST_UNSENT_AGE_SECONDS, OUTBOX_RELAY_FAILURES_TOTAL};
use diesel::{
    QueryableByName,
    sql_types::{Integer, Nullable, Text},
};
use diesel_async::RunQueryDsl;
use serde_json::json;

use crate::{
    helpers::{TEST_PASSWORD, TestApp},
    relay::{Probe, app_relaying_to, wait_until_all_sent},
};

/// What the relay noted on an unsent row.
#[derive(Debug, QueryableByName)]
struct FailureNote {
    #[diesel(sql_type = Integer)]
    attempts: i32,
    #[diesel(sql_type = Nullable<Text>)]
    last_error: Option<String>,
}

/// The notes on every unsent row, oldest first.
async fn unsent_notes(app: &TestApp) -> Vec<FailureNote> {
    let mut connection = app.database.connect().await;
    diesel::sql_query("SELECT attempts, last_error FROM outbox WHERE sent_at IS NULL ORDER BY id")
        .load(&mut connection)
        .await
        .expect("outbox query")
}

async fn scrape(app: &TestApp) -> Exposition {
    let text = app.get("/metrics").await.text().await.expect("a body");
    Exposition::parse(&text).unwrap_or_else(|error| panic!("{error}\n{text}"))
}

const CONNECT_FAILURES: [(&str, &str); 1] = [("kind", "connect")];

// ANCHOR: outage_visible
#[tokio::test]
async fn while_the_broker_is_unreachable_waiting_rows_and_metrics_show_the_failure() {
    let probe = Probe::new().await;
    let mut amqp = probe.settings.clone();
    let broker = CuttableProxy::in_front_of_amqp(&mut amqp).await;
    broker.cut();
    let app = app_relaying_to(amqp).await;

    let registered = app
        .post_public(
            "/api/v1/auth/register",
            &json!({"email": "ada@example.com", "password": TEST_PASSWORD, "display_name": "Ada"}),
        )
        .await;
    assert_eq!(registered.status(), 202, "the API does not need the broker");

    // Noted within one note interval (5 s) of the row's commit.
    let notes = eventually("the outage noted on the waiting rows", PATIENCE, || async {
        let notes = unsent_notes(&app).await;
        if !notes.is_empty() && notes.iter().all(|note| note.attempts > 0) {
            Ok(notes)
        } else {
            Err(notes)
        }
    })
    .await;
    assert!(!notes.is_empty(), "the event waits in the outbox");
    for note in &notes {
        assert!(
            note.attempts > 0,
            "the outage is noted on the row: {note:?}"
        );
        let reason = note.last_error.as_deref().unwrap_or_default();
        assert!(
            reason.contains("connect") || reason.contains("IO error"),
            "last_error names the cause: {reason:?}"
        );
    }
    let scraped = scrape(&app).await;
    // One counter per process (other tests' relays add to it too), but this
    // relay has failed at least once by now.
    assert!(scraped.sum(OUTBOX_RELAY_FAILURES_TOTAL, &CONNECT_FAILURES) >= 1.0);
    assert!(scraped.sum(OUTBOX_OLDEST_UNSENT_AGE_SECONDS, &[]) > 0.0);
    assert_eq!(
        scraped.sum(AMQP_CONNECTED, &[]),
        0.0,
        "the relay is not connected"
    );

    broker.restore();
    assert_eq!(probe.take(1).await.len(), 1, "the event follows the outage");
    wait_until_all_sent(&app).await;
    assert_eq!(scrape(&app).await.sum(AMQP_CONNECTED, &[]), 1.0);
    probe.delete().await;
}
// ANCHOR_END: outage_visible
