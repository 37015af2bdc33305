//! Failed logins are counted in Redis; past the limit, 429 with Retry-After.
//! Without Redis, logins still work.

use crate::helpers::{TEST_PASSWORD, TestApp, assert_problem, header, spawn_app_with};

const PASSWORD: &str = TEST_PASSWORD;

async fn spawn_app_with_limits(per_account: u32, per_address: u32) -> TestApp {
    let app = spawn_app_with(|settings| {
        let throttle = &mut settings.users.auth.login_throttle;
        throttle.max_failures_per_account = per_account;
        throttle.max_failures_per_address = per_address;
        throttle.window_secs = 600;
        // These tests are about counting, not about Redis being slow: a
        // generous timeout keeps a loaded CI machine from failing them open.
        settings.redis.timeout_ms = 2_000;
    })
    .await;
    app.wait_for_redis().await;
    app
}

#[tokio::test]
async fn after_the_limit_an_account_gets_429_even_with_the_right_password() {
    let app = spawn_app_with_limits(3, 100).await;
    app.register("ada@example.com").await;
    for _ in 0..3 {
        assert_problem(app.login("ada@example.com", "wrong guess").await, 401).await;
    }

    let response = app.login("ada@example.com", PASSWORD).await;

    let retry_after: u64 = header(&response, "retry-after")
        .and_then(|value| value.parse().ok())
        .expect("a Retry-After in seconds");
    let problem = assert_problem(response, 429).await;
    assert_eq!(
        problem.problem_type,
        "urn:capstone:problem:too-many-login-attempts"
    );
    assert!((1..=600).contains(&retry_after), "{retry_after}");
    let counters = app
        .redis
        .keys()
        .into_iter()
        .filter(|key| key.contains(":login-failures:"))
        .count();
    assert_eq!(counters, 2, "one account and one address counter");
}

#[tokio::test]
async fn a_successful_login_resets_the_account_counter() {
    let app = spawn_app_with_limits(3, 100).await;
    app.register("ada@example.com").await;

    for _round in 0..3 {
        for _ in 0..2 {
            assert_problem(app.login("ada@example.com", "wrong guess").await, 401).await;
        }
        // 6 failures in all, but never 3 in a row: the success resets the count.
        assert_eq!(app.login("ada@example.com", PASSWORD).await.status(), 200);
    }
}

#[tokio::test]
async fn one_address_failing_across_accounts_is_throttled_too() {
    let app = spawn_app_with_limits(100, 4).await;
    app.register("ada@example.com").await;
    for index in 0..4 {
        let email = format!("guess{index}@example.com");
        assert_problem(app.login(&email, "password123").await, 401).await;
    }

    let response = app.login("ada@example.com", PASSWORD).await;

    assert_problem(response, 429).await;
}

#[tokio::test]
async fn without_redis_logins_work_and_are_still_throttled_per_instance() {
    let app = spawn_app_with(|settings| {
        settings.redis.url = "redis://127.0.0.1:1".into();
        settings.users.auth.login_throttle.max_failures_per_account = 2;
    })
    .await;
    app.register("ada@example.com").await;
    assert_problem(app.login("ada@example.com", "wrong guess").await, 401).await;
    assert_eq!(app.login("ada@example.com", PASSWORD).await.status(), 200);

    for _ in 0..2 {
        assert_problem(app.login("ada@example.com", "wrong guess").await, 401).await;
    }
    let throttled = app.login("ada@example.com", PASSWORD).await;
    let ready = app.get("/health/ready").await;

    let problem = assert_problem(throttled, 429).await;
    assert_eq!(
        problem.problem_type,
        "urn:capstone:problem:too-many-login-attempts"
    );
    assert_eq!(ready.status(), 200);
    let report: serde_json::Value = ready.json().await.expect("json");
    assert_eq!(report["status"], "degraded");
    assert_eq!(report["checks"]["redis"]["status"], "down");
    assert_eq!(report["checks"]["postgres"]["status"], "up");
}

#[tokio::test]
async fn a_redis_that_never_answers_does_not_hold_logins_up() {
    // Accepts TCP connections (the kernel does) but never speaks Redis.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = silent.local_addr().expect("addr").port();
    let app = spawn_app_with(move |settings| {
        settings.redis.url = format!("redis://127.0.0.1:{port}").into();
    })
    .await;
    app.register("ada@example.com").await;

    // The outer timeout turns a hang into a failure; the bound under test is
    // the service's own (Redis is never awaited before it is connected).
    let response = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        app.login("ada@example.com", PASSWORD),
    )
    .await
    .expect("login must not hang on Redis");

    assert_eq!(response.status(), 200);
    drop(silent);
}

#[tokio::test]
async fn a_burst_of_concurrent_guesses_cannot_outrun_the_limit() {
    let app = spawn_app_with_limits(5, 1_000).await;
    app.register("ada@example.com").await;

    let guesses = (0..20).map(|_| app.login("ada@example.com", "wrong guess"));
    let statuses: Vec<u16> = futures_util::future::join_all(guesses)
        .await
        .iter()
        .map(|response| response.status().as_u16())
        .collect();

    let verified = statuses.iter().filter(|status| **status == 401).count();
    assert_eq!(
        verified, 5,
        "exactly the limit got a password check: {statuses:?}"
    );
    assert_eq!(
        statuses.len() - verified,
        15,
        "the rest were throttled: {statuses:?}"
    );
}
