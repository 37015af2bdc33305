//! `Idempotency-Key` on the POSTs that create something or send an email:
//! a retry replays the first answer and does nothing twice; a key reused
//! for another request, sent while the first runs, or malformed, is
//! refused; keys expire, belong to one caller, and are released when the
//! service fails. Without Redis, a request with a key gets a 503
//! (`failures.rs`: the malformed, expired, failed and Redis-less cases).

mod failures;

use capstone_platform::testing::{PATIENCE, eventually};
use diesel::sql_types::{BigInt, Text};
use diesel_async::RunQueryDsl;
use serde_json::{Value, json};

use crate::helpers::{TEST_PASSWORD, TestApp, assert_problem, header, spawn_app};

pub const REPLAYED: &str = "idempotent-replayed";

/// POST `body` (or nothing) to `path` with `key`, as `token`'s owner (or
/// no one).
pub async fn post_keyed(
    app: &TestApp,
    path: &str,
    key: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> reqwest::Response {
    let mut request = app
        .client
        .post(app.url(path))
        .header("Idempotency-Key", key);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(body);
    }
    request.send().await.expect("request sent")
}

/// Status, `Idempotent-Replayed`, `Location` and body bytes of a response.
async fn answer(response: reqwest::Response) -> (u16, Option<String>, Option<String>, Vec<u8>) {
    let status = response.status().as_u16();
    let replayed = header(&response, REPLAYED);
    let location = header(&response, "location");
    let body = response.bytes().await.expect("a body").to_vec();
    (status, replayed, location, body)
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    count: i64,
}

/// How many accounts have `email`, read from the table itself.
pub async fn accounts_with(app: &TestApp, email: &str) -> i64 {
    let mut connection = app.database.connect().await;
    diesel::sql_query("SELECT count(*) AS count FROM users WHERE email = $1")
        .bind::<Text, _>(email)
        .get_result::<Count>(&mut connection)
        .await
        .expect("count")
        .count
}

/// The Redis keys of idempotency records.
pub fn idempotency_keys(app: &TestApp) -> Vec<String> {
    let keys = app.redis.keys();
    keys.into_iter()
        .filter(|key| key.contains(":idempotency:"))
        .collect()
}

/// A registered user's access token.
async fn logged_in(app: &TestApp, email: &str) -> String {
    app.register(email).await;
    let body: Value = app
        .login(email, TEST_PASSWORD)
        .await
        .json()
        .await
        .expect("tokens");
    body["access_token"].as_str().expect("access").to_owned()
}

#[tokio::test]
async fn a_retried_create_replays_the_first_response_byte_for_byte_and_creates_one_user() {
    let app = spawn_app().await;
    app.wait_for_redis().await;
    let body = json!({"email": "ada@example.com", "display_name": "Ada"});
    let token = app.admin_token.clone();

    let first = answer(
        post_keyed(
            &app,
            "/api/v1/users",
            "create-ada",
            Some(&token),
            Some(&body),
        )
        .await,
    )
    .await;
    let retry = answer(
        post_keyed(
            &app,
            "/api/v1/users",
            "create-ada",
            Some(&token),
            Some(&body),
        )
        .await,
    )
    .await;

    assert_eq!(first.0, 201);
    assert_eq!(first.1, None, "the first answer is not a replay");
    assert_eq!(retry.0, 201);
    assert_eq!(retry.1.as_deref(), Some("true"));
    assert_eq!(retry.2, first.2, "the same Location");
    assert_eq!(retry.3, first.3, "the same body, byte for byte");
    assert_eq!(accounts_with(&app, "ada@example.com").await, 1);
}

#[tokio::test]
async fn retried_registrations_and_reset_requests_announce_once() {
    let app = spawn_app().await;
    app.wait_for_redis().await;
    let register =
        json!({"email": "ada@example.com", "password": TEST_PASSWORD, "display_name": "Ada"});
    let forgot = json!({"email": "ada@example.com"});

    for _ in 0..2 {
        let response = post_keyed(&app, "/api/v1/auth/register", "k1", None, Some(&register)).await;
        assert_eq!(response.status(), 202);
    }
    let mut replays = Vec::new();
    for _ in 0..2 {
        let response = post_keyed(
            &app,
            "/api/v1/auth/forgot-password",
            "k1",
            None,
            Some(&forgot),
        )
        .await;
        assert_eq!(response.status(), 202);
        replays.push(header(&response, REPLAYED));
    }

    assert_eq!(replays, [None, Some("true".to_owned())]);
    assert_eq!(app.outbox(Some("user.registered")).await.len(), 1);
    assert_eq!(
        app.outbox(Some("user.password_reset_requested"))
            .await
            .len(),
        1
    );
}

#[tokio::test]
async fn retried_email_change_and_verification_requests_send_one_email_each() {
    let app = spawn_app().await;
    app.wait_for_redis().await;
    let token = logged_in(&app, "ada@example.com").await;
    let change = json!({"new_email": "ada@new.example", "current_password": TEST_PASSWORD});

    for _ in 0..2 {
        let response = post_keyed(
            &app,
            "/api/v1/users/me/email",
            "k1",
            Some(&token),
            Some(&change),
        )
        .await;
        assert_eq!(response.status(), 202);
        let response = post_keyed(
            &app,
            "/api/v1/users/me/verification-email",
            "k1",
            Some(&token),
            None,
        )
        .await;
        assert_eq!(response.status(), 202);
    }

    assert_eq!(
        app.outbox(Some("user.email_change_requested")).await.len(),
        1
    );
    assert_eq!(
        app.outbox(Some("user.email_verification_requested"))
            .await
            .len(),
        1
    );
}

#[tokio::test]
async fn a_refusal_is_replayed_too_and_the_key_cannot_be_reused_for_another_body() {
    let app = spawn_app().await;
    app.wait_for_redis().await;
    let token = app.admin_token.clone();
    let invalid = json!({"email": "not an address", "display_name": "Ada"});
    let fixed = json!({"email": "ada@example.com", "display_name": "Ada"});

    let first =
        answer(post_keyed(&app, "/api/v1/users", "k1", Some(&token), Some(&invalid)).await).await;
    let retry =
        answer(post_keyed(&app, "/api/v1/users", "k1", Some(&token), Some(&invalid)).await).await;
    let other = post_keyed(&app, "/api/v1/users", "k1", Some(&token), Some(&fixed)).await;

    assert_eq!((first.0, retry.0), (422, 422));
    assert_eq!(retry.1.as_deref(), Some("true"));
    assert_eq!(
        retry.3, first.3,
        "the same problem, its request id included"
    );
    let problem = assert_problem(other, 422).await;
    assert_eq!(
        problem.problem_type,
        "urn:capstone:problem:idempotency-key-reused"
    );
    assert_eq!(accounts_with(&app, "ada@example.com").await, 0, "not run");
}

#[tokio::test]
async fn two_concurrent_requests_with_one_key_create_one_user() {
    let app = spawn_app().await;
    app.wait_for_redis().await;
    let body = json!({"email": "ada@example.com", "display_name": "Ada"});
    let token = app.admin_token.clone();

    let (a, b) = tokio::join!(
        post_keyed(&app, "/api/v1/users", "race", Some(&token), Some(&body)),
        post_keyed(&app, "/api/v1/users", "race", Some(&token), Some(&body)),
    );

    let mut answers = [answer(a).await, answer(b).await];
    answers.sort_by_key(|(status, replayed, ..)| (*status, replayed.is_some()));
    let fresh: Vec<_> = answers
        .iter()
        .filter(|(status, replayed, ..)| *status == 201 && replayed.is_none())
        .collect();
    assert_eq!(fresh.len(), 1, "exactly one ran: {answers:?}");
    let other = &answers[1];
    assert!(
        other.0 == 409 || (other.0 == 201 && other.1.as_deref() == Some("true")),
        "the other waited (409) or was a replay: {other:?}"
    );
    if other.0 == 409 {
        let problem: Value = serde_json::from_slice(&other.3).expect("a problem");
        assert_eq!(
            problem["type"],
            "urn:capstone:problem:idempotency-key-in-flight"
        );
    }
    assert_eq!(accounts_with(&app, "ada@example.com").await, 1);
}

#[tokio::test]
async fn a_retry_while_the_first_request_runs_is_409_then_gets_the_replay() {
    let app = spawn_app().await;
    app.wait_for_redis().await;
    let body = json!({"email": "ada@example.com", "display_name": "Ada"});
    let token = app.admin_token.clone();
    // The test's own transaction holds every INSERT into `users` (reads
    // pass): the first request stays in its handler until the commit.
    let mut blocker = app.database.connect().await;
    for statement in ["BEGIN", "LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE"] {
        diesel::sql_query(statement)
            .execute(&mut blocker)
            .await
            .expect("SQL runs");
    }

    let first = tokio::spawn({
        let (client, url, body, token) = (
            app.client.clone(),
            app.url("/api/v1/users"),
            body.clone(),
            token.clone(),
        );
        async move {
            let response = client
                .post(url)
                .bearer_auth(token)
                .header("Idempotency-Key", "slow")
                .json(&body)
                .send()
                .await
                .expect("sent");
            answer(response).await
        }
    });
    eventually("the first request to claim the key", PATIENCE, || async {
        let keys = idempotency_keys(&app);
        if keys.is_empty() { Err(keys) } else { Ok(()) }
    })
    .await;
    let during = post_keyed(&app, "/api/v1/users", "slow", Some(&token), Some(&body)).await;
    let retry_after = header(&during, "retry-after");
    let problem = assert_problem(during, 409).await;
    diesel::sql_query("COMMIT")
        .execute(&mut blocker)
        .await
        .expect("COMMIT");
    let first = first.await.expect("the first request completes");
    let after =
        answer(post_keyed(&app, "/api/v1/users", "slow", Some(&token), Some(&body)).await).await;

    assert_eq!(
        problem.problem_type,
        "urn:capstone:problem:idempotency-key-in-flight"
    );
    assert_eq!(retry_after.as_deref(), Some("1"));
    assert_eq!((first.0, first.1.as_deref()), (201, None));
    assert_eq!((after.0, after.1.as_deref()), (201, Some("true")));
    assert_eq!(after.3, first.3);
    assert_eq!(accounts_with(&app, "ada@example.com").await, 1);
}

#[tokio::test]
async fn a_key_belongs_to_its_caller() {
    let app = spawn_app().await;
    app.wait_for_redis().await;
    let ada = logged_in(&app, "ada@example.com").await;
    let grace = logged_in(&app, "grace@example.com").await;

    let path = "/api/v1/users/me/verification-email";
    let for_ada = post_keyed(&app, path, "shared", Some(&ada), None).await;
    let for_grace = post_keyed(&app, path, "shared", Some(&grace), None).await;

    assert_eq!(
        (for_ada.status().as_u16(), for_grace.status().as_u16()),
        (202, 202)
    );
    assert_eq!(header(&for_grace, REPLAYED), None, "not Ada's answer");
    assert_eq!(
        app.outbox(Some("user.email_verification_requested"))
            .await
            .len(),
        2
    );
}
