//! `Retry-After` on the gateway's own refusals: present, and once.

use capstone_gateway::rate_limit::RateLimitSettings;

use crate::helpers::{Stub, assert_problem, settings_over, spawn_gateway};

fn retry_after_values(response: &reqwest::Response) -> Vec<String> {
    response
        .headers()
        .get_all("retry-after")
        .iter()
        .map(|value| value.to_str().expect("ascii").to_owned())
        .collect()
}

#[tokio::test]
async fn a_rate_limited_answer_carries_one_retry_after() {
    let stub = Stub::start("a").await;
    let mut settings = settings_over(&stub, "/stub");
    let one_a_minute = RateLimitSettings {
        requests: 1,
        period_secs: 60,
        burst: 1,
    };
    settings
        .gateway
        .rate_limits
        .insert("single".into(), one_a_minute);
    settings.gateway.routes[0].rate_limit = Some("single".into());
    let gateway = spawn_gateway(settings).await;
    gateway.wait_for_redis().await;

    assert_eq!(gateway.get("/stub/x").await.status(), 200);
    let refused = gateway.get("/stub/x").await;

    let values = retry_after_values(&refused);
    assert_eq!(values.len(), 1, "{values:?}");
    assert!(values[0].parse::<u64>().is_ok_and(|seconds| seconds >= 1));
    assert_problem(refused, 429, Some("urn:capstone:problem:rate-limited")).await;
}

#[tokio::test]
async fn an_open_breaker_answers_503_with_one_retry_after() {
    let stub = Stub::start("a").await;
    let gateway = spawn_gateway(settings_over(&stub, "/stub")).await;
    stub.set_failing(true);
    // Two 503s from the instance reach the threshold (2 in these tests).
    for _ in 0..2 {
        assert_eq!(gateway.get("/stub/x").await.status(), 503);
    }

    let refused = gateway.get("/stub/x").await;

    let values = retry_after_values(&refused);
    assert_eq!(values.len(), 1, "{values:?}");
    assert_problem(
        refused,
        503,
        Some("urn:capstone:problem:upstream-unavailable"),
    )
    .await;
}
