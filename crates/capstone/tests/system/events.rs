//! Events end to end: users → outbox → relay → RabbitMQ → worker.

use std::time::{Duration, Instant};

use futures_util::{StreamExt, stream};
use serde_json::json;

use crate::helpers::{System, eventually, link_token};

const PASSWORD: &str = "correct horse battery";

// ANCHOR: verification_flow
#[tokio::test]
async fn register_read_the_email_and_verify_through_the_gateway() {
    let system = System::start().await;
    let (gateway, _stop_gateway) = system.gateway().await;
    let client = reqwest::Client::new();

    let registered = client
        .post(format!("{gateway}/api/v1/auth/register"))
        .json(&json!({"email": "ada@example.com", "password": PASSWORD, "display_name": "Ada"}))
        .send()
        .await
        .expect("register");
    assert_eq!(registered.status(), 202);

    // The worker writes the welcome email to its file sink.
    let email = eventually("the welcome email", Duration::from_secs(15), || async {
        let files = system.worker.emails.files();
        files
            .first()
            .and_then(|path| std::fs::read_to_string(path).ok())
    })
    .await;
    assert!(email.contains("To: Ada <ada@example.com>"), "{email}");
    let token = link_token(&email, "/verify-email");

    let verified = client
        .post(format!("{gateway}/api/v1/auth/verify-email"))
        .json(&json!({"token": token}))
        .send()
        .await
        .expect("verify");
    assert_eq!(verified.status(), 204);

    let login: serde_json::Value = client
        .post(format!("{gateway}/api/v1/auth/login"))
        .json(&json!({"email": "ada@example.com", "password": PASSWORD}))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("tokens");
    let me: serde_json::Value = client
        .get(format!("{gateway}/api/v1/users/me"))
        .bearer_auth(login["access_token"].as_str().expect("access token"))
        .send()
        .await
        .expect("me")
        .json()
        .await
        .expect("user");
    assert!(me["email_verified_at"].is_string(), "{me}");

    // The audit trail has both events, in order, without the link token.
    let user_id = me["id"].as_str().expect("id").parse().expect("uuid");
    let entries = eventually("two audit entries", Duration::from_secs(15), || async {
        let entries = system.worker.audit_entries(user_id).await;
        (entries.len() == 2).then_some(entries)
    })
    .await;
    let types: Vec<_> = entries.iter().map(|e| e.event_type.as_str()).collect();
    assert_eq!(types, ["user.registered", "user.updated"]);
    assert!(!format!("{entries:?}").contains(&token));
}
// ANCHOR_END: verification_flow

// ANCHOR: thousand_registrations
#[tokio::test]
async fn a_thousand_registrations_make_a_thousand_audit_rows_and_emails_across_a_worker_restart() {
    const USERS: usize = 1_000;
    let mut system = System::start().await;
    let client = reqwest::Client::new();
    let started = Instant::now();

    let register = |n: usize| {
        let client = client.clone();
        let url = format!("{}/api/v1/auth/register", system.users);
        async move {
            let response = client
                .post(url)
                .json(
                    &json!({"email": format!("user{n}@example.com"), "password": PASSWORD,
                              "display_name": format!("User {n}")}),
                )
                .send()
                .await
                .expect("register");
            assert_eq!(response.status(), 202);
        }
    };
    stream::iter(0..USERS / 2)
        .for_each_concurrent(16, register)
        .await;

    // Restart the worker while events are in flight: stop it (it drains and
    // acks what it holds), register the second half, start it again.
    system
        .worker
        .stop()
        .await
        .expect("the worker stops cleanly");
    stream::iter(USERS / 2..USERS)
        .for_each_concurrent(16, register)
        .await;
    let restarted = capstone_worker::Application::build(system.worker.settings.clone())
        .await
        .expect("the worker builds again");
    let shutdown = capstone_platform::Shutdown::new();
    let task = tokio::spawn(restarted.run_until_stopped(shutdown.clone()));

    eventually("1000 audit rows", Duration::from_secs(120), || async {
        (system.worker.audit_count().await == USERS as i64).then_some(())
    })
    .await;
    let elapsed = started.elapsed();
    eventually("1000 emails", Duration::from_secs(60), || async {
        (system.worker.emails.files().len() == USERS).then_some(())
    })
    .await;
    // Settle, then check nothing more arrives (no duplicates).
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(system.worker.audit_count().await, USERS as i64);
    assert_eq!(system.worker.emails.files().len(), USERS);
    eprintln!(
        "{USERS} registrations → audit rows in {:.2} s ({:.0} events/s, worker restart included; \
         measured, not asserted)",
        elapsed.as_secs_f64(),
        USERS as f64 / elapsed.as_secs_f64()
    );
    shutdown.trigger();
    task.await.expect("joins").expect("stops cleanly");
}
// ANCHOR_END: thousand_registrations
