//! `Idempotency-Key` when something is wrong: a malformed key, a key past
//! its retention, a service that failed (the key is released), and no
//! Redis at all (503 with a key, business as usual without).

use capstone_platform::{
    service::ServiceSettings,
    testing::{CuttableProxy, PATIENCE, eventually},
};
use capstone_users::openapi::IDEMPOTENT_OPERATIONS;
use serde_json::json;

use super::{REPLAYED, accounts_with, idempotency_keys, post_keyed};
use crate::helpers::{TEST_PASSWORD, assert_problem, header, spawn_app, spawn_app_with};

#[tokio::test]
async fn a_malformed_key_is_400_naming_the_header_on_every_operation_that_takes_one() {
    let app = spawn_app().await;
    let token = app.admin_token.clone();

    for path in IDEMPOTENT_OPERATIONS {
        for bad in [String::new(), "k".repeat(256), "two words".to_owned()] {
            let response = post_keyed(&app, path, &bad, Some(&token), Some(&json!({}))).await;
            let problem = assert_problem(response, 400).await;
            assert_eq!(
                problem.problem_type, "urn:capstone:problem:invalid-idempotency-key",
                "{path} {bad:?}"
            );
            assert_eq!(problem.errors[0].pointer, "#/Idempotency-Key");
        }
    }
    let non_ascii = app
        .client
        .post(app.url("/api/v1/auth/register"))
        .header(
            "Idempotency-Key",
            reqwest::header::HeaderValue::from_bytes(b"caf\xc3\xa9").expect("bytes"),
        )
        .json(&json!({}))
        .send()
        .await
        .expect("sent");
    let problem = assert_problem(non_ascii, 400).await;
    assert_eq!(
        problem.field_codes(),
        [("#/Idempotency-Key", "visible_ascii")]
    );
}

#[tokio::test]
async fn a_stored_response_expires_after_the_retention() {
    let app = spawn_app_with(|settings| {
        settings.users.idempotency.retention_secs = 7;
        settings.users.idempotency.in_flight_ttl_secs = 5;
    })
    .await;
    app.wait_for_redis().await;
    let body = json!({"email": "ada@example.com"});

    let response = post_keyed(
        &app,
        "/api/v1/auth/forgot-password",
        "k1",
        None,
        Some(&body),
    )
    .await;

    assert_eq!(response.status(), 202);
    let keys = idempotency_keys(&app);
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert!(
        keys[0].ends_with(":POST:/api/v1/auth/forgot-password:anonymous:k1"),
        "{keys:?}"
    );
    let ttl = app.redis.ttl(&keys[0]);
    assert!(
        (1..=7).contains(&ttl),
        "the retention, not the claim's TTL or none: {ttl}"
    );
}

#[tokio::test]
async fn a_5xx_releases_the_key_so_the_retry_runs() {
    let defaults = <capstone_users::Settings as ServiceSettings>::load(None).expect("settings");
    let proxy = CuttableProxy::in_front_of_postgres(&defaults.database).await;
    let app = spawn_app_with(|settings| {
        proxy.route_database(&mut settings.database);
        settings.database.acquire_timeout_ms = 1_000;
    })
    .await;
    app.wait_for_redis().await;
    let body =
        json!({"email": "ada@example.com", "password": TEST_PASSWORD, "display_name": "Ada"});

    proxy.cut();
    let failed = post_keyed(&app, "/api/v1/auth/register", "k1", None, Some(&body)).await;
    assert_problem(failed, 503).await;
    assert_eq!(idempotency_keys(&app), Vec::<String>::new(), "released");
    proxy.restore();

    eventually(
        "the retry to run once Postgres is back",
        PATIENCE,
        || async {
            let retry = post_keyed(&app, "/api/v1/auth/register", "k1", None, Some(&body)).await;
            match (retry.status().as_u16(), header(&retry, REPLAYED)) {
                (202, None) => Ok(()),
                other => Err(other),
            }
        },
    )
    .await;
    assert_eq!(app.outbox(Some("user.registered")).await.len(), 1);
}

#[tokio::test]
async fn without_redis_a_request_with_a_key_is_503_and_one_without_is_served() {
    let app = spawn_app_with(|settings| settings.redis.url = "redis://127.0.0.1:1".into()).await;
    let body = json!({"email": "ada@example.com", "display_name": "Ada"});
    let token = app.admin_token.clone();

    let keyed = post_keyed(&app, "/api/v1/users", "k1", Some(&token), Some(&body)).await;
    let plain = app.post_user(&body).await;

    let problem = assert_problem(keyed, 503).await;
    assert_eq!(
        problem.problem_type,
        "urn:capstone:problem:dependency-unavailable"
    );
    assert_eq!(plain.status(), 201);
    assert_eq!(accounts_with(&app, "ada@example.com").await, 1);
}
