//! Postgres unreachable: every request that needs the database gets a 503
//! problem (never a hang, never a 500), readiness says so, and the service
//! recovers by itself once Postgres is back: no restart, no operator.
//!
//! The service reaches Postgres through a proxy the test cuts: to the
//! service, a database that crashed (connections dropped mid-stream, new
//! ones refused), while other tests keep using the real server.

use capstone_platform::service::ServiceSettings as _;
use std::time::Duration;

use capstone_platform::testing::CuttableProxy;
use serde_json::{Value, json};

use crate::helpers::{
    TEST_PASSWORD, TestApp, UserBody, assert_problem, insert_admin, spawn_app_with,
};

/// `database.acquire_timeout_ms` in these tests: the bound on every wait
/// for a connection, pooled or new.
const ACQUIRE_TIMEOUT_MS: u64 = 1_000;
/// Three times the bound: an answer later than this is a hang.
const HANG_DETECTOR: Duration = Duration::from_millis(3 * ACQUIRE_TIMEOUT_MS);

async fn app_behind_a_cuttable_database() -> (TestApp, CuttableProxy) {
    let defaults = capstone_users::Settings::load(None).expect("settings load");
    let proxy = CuttableProxy::in_front_of_postgres(&defaults.database).await;
    let app = spawn_app_with(|settings| {
        proxy.route_database(&mut settings.database);
        settings.database.acquire_timeout_ms = ACQUIRE_TIMEOUT_MS;
    })
    .await;
    (app, proxy)
}

/// A user the service has never read (inserted over the test's own
/// connection), so no cache can answer for it.
async fn unread_user(app: &TestApp, email: &str) -> String {
    insert_admin(&app.database, email).await.to_string()
}

/// The requests that cannot be answered without Postgres, each sent with
/// the hang detector as its timeout.
async fn requests_needing_the_database(
    app: &TestApp,
    user_id: &str,
) -> Vec<(String, reqwest::Response)> {
    let client = reqwest::Client::builder()
        .timeout(HANG_DETECTOR)
        .build()
        .expect("client");
    let login = json!({"email": "ada@example.com", "password": TEST_PASSWORD});
    let patch = json!({"display_name": "Renamed"});
    let user_url = app.url(&format!("/api/v1/users/{user_id}"));
    let requests = [
        (
            "login",
            client.post(app.url("/api/v1/auth/login")).json(&login),
        ),
        ("get", client.get(&user_url).bearer_auth(&app.admin_token)),
        (
            "patch",
            client
                .patch(&user_url)
                .bearer_auth(&app.admin_token)
                .json(&patch),
        ),
    ];
    let mut responses = Vec::new();
    for (name, request) in requests {
        let response = request
            .send()
            .await
            .unwrap_or_else(|error| panic!("{name}: no answer within {HANG_DETECTOR:?}: {error}"));
        responses.push((name.to_owned(), response));
    }
    responses
}

#[tokio::test]
async fn requests_that_need_postgres_get_a_503_problem_while_it_is_unreachable() {
    let (app, proxy) = app_behind_a_cuttable_database().await;
    app.register("ada@example.com").await;
    let user_id = unread_user(&app, "unread@example.com").await;

    proxy.cut();
    let responses = requests_needing_the_database(&app, &user_id).await;

    for (name, response) in responses {
        let problem = assert_problem(response, 503).await;
        assert_eq!(
            problem.problem_type, "urn:capstone:problem:dependency-unavailable",
            "{name}: {problem:?}"
        );
        assert!(
            problem
                .detail
                .as_deref()
                .is_some_and(|detail| detail.contains("database")),
            "{name}: {problem:?}"
        );
    }
}

#[tokio::test]
async fn readiness_is_503_naming_postgres_while_it_is_unreachable() {
    let (app, proxy) = app_behind_a_cuttable_database().await;

    proxy.cut();
    let response = tokio::time::timeout(HANG_DETECTOR, app.get("/health/ready"))
        .await
        .expect("readiness answers within its own timeout");

    assert_eq!(response.status(), 503);
    let report: Value = response.json().await.expect("json");
    assert_eq!(report["status"], "unavailable", "{report}");
    assert_eq!(report["checks"]["postgres"]["status"], "down", "{report}");
}

#[tokio::test]
async fn the_service_recovers_by_itself_when_postgres_comes_back() {
    let (app, proxy) = app_behind_a_cuttable_database().await;
    app.register("ada@example.com").await;
    let user_id = unread_user(&app, "unread@example.com").await;
    proxy.cut();
    for (name, response) in requests_needing_the_database(&app, &user_id).await {
        assert_eq!(response.status(), 503, "{name} during the outage");
    }

    proxy.restore();

    // The pool's connections all broke with the cut: the first checkout of
    // each finds it broken and opens a new one. No request should notice.
    for (name, response) in requests_needing_the_database(&app, &user_id).await {
        assert!(
            response.status().is_success(),
            "{name} after the outage: {}",
            response.status()
        );
    }
    let renamed: UserBody = app.get_user(&user_id).await.json().await.expect("a user");
    assert_eq!(renamed.display_name, "Renamed");
    assert_eq!(app.get("/health/ready").await.status(), 200);
}
