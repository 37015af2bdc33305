//! Timeouts, retries and the circuit breaker, seen from a client.

use crate::helpers::{
    Stub, TestGateway, assert_problem, base_settings, route, spawn_gateway, upstream,
};
use capstone_gateway::settings::Strategy;
use capstone_platform::testing::{PATIENCE, eventually_true};

async fn gateway_over(addresses: &[String]) -> TestGateway {
    gateway_with_checks_every(addresses, 100).await
}

async fn gateway_with_checks_every(addresses: &[String], interval_ms: u64) -> TestGateway {
    let mut settings = base_settings();
    let mut pool = upstream(addresses);
    pool.health_check.interval_ms = interval_ms;
    pool.strategy = Strategy::RoundRobin;
    settings.gateway.upstreams.insert("stub".into(), pool);
    let mut stub_route = route("/stub", "stub");
    stub_route.timeout_ms = 300;
    settings.gateway.routes.push(stub_route);
    spawn_gateway(settings).await
}

#[tokio::test]
async fn a_slow_upstream_gets_a_504_after_the_route_timeout() {
    let stub = Stub::start("a").await;
    let gateway = gateway_over(std::slice::from_ref(&stub.address)).await;
    let response = gateway.get("/stub/slow?ms=3000").await;
    let body = assert_problem(response, 504, Some("urn:capstone:problem:upstream-timeout")).await;
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|detail| detail.contains("300 ms")),
        "{body}"
    );
}

#[tokio::test]
async fn a_dead_upstream_gets_503s_without_being_called_once_the_breaker_opens() {
    let stub = Stub::start("a").await;
    // Health checks out of the way (the first, at startup, passes), so that
    // the breaker alone notices the death.
    let gateway = gateway_with_checks_every(std::slice::from_ref(&stub.address), 600_000).await;
    let instance = gateway.state.upstreams.get("stub").expect("pool").instances[0].clone();
    eventually_true("the first health check", PATIENCE, || instance.is_healthy()).await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    stub.stop().await;
    // The first failures are real attempts: 502, nothing answered.
    let first = gateway
        .client
        .post(gateway.url("/stub/x"))
        .send()
        .await
        .expect("sent");
    assert_problem(
        first,
        502,
        Some("urn:capstone:problem:upstream-unreachable"),
    )
    .await;
    gateway
        .client
        .post(gateway.url("/stub/x"))
        .send()
        .await
        .expect("sent");
    // Threshold 2 reached: the breaker is open, the answer is immediate.
    let response = gateway.get("/stub/x").await;
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!(retry_after >= 1);
    assert_problem(
        response,
        503,
        Some("urn:capstone:problem:upstream-unavailable"),
    )
    .await;
}

#[tokio::test]
async fn idempotent_requests_are_retried_on_another_instance() {
    let (bad, good) = (Stub::start("bad").await, Stub::start("good").await);
    bad.set_failing(true);
    let gateway = gateway_over(&[bad.address.clone(), good.address.clone()]).await;
    // Round robin starts with `bad`: the GET fails there, then succeeds on `good`.
    let response = gateway.get("/stub/x").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-stub-instance"], "good");
    assert_eq!((bad.hits(), good.hits()), (1, 1));
}

#[tokio::test]
async fn non_idempotent_requests_are_never_retried() {
    let (bad, good) = (Stub::start("bad").await, Stub::start("good").await);
    bad.set_failing(true);
    let gateway = gateway_over(&[bad.address.clone(), good.address.clone()]).await;
    let response = gateway
        .client
        .post(gateway.url("/stub/x"))
        .json(&serde_json::json!({"charge": 100}))
        .send()
        .await
        .expect("sent");
    // The upstream's own 503 is passed on: sending the POST again might
    // charge twice.
    assert_eq!(response.status(), 503);
    assert_eq!((bad.hits(), good.hits()), (1, 0));
}

#[tokio::test]
async fn a_patch_goes_to_another_instance_when_the_first_refuses_the_connection() {
    let (stopped, good) = (Stub::start("stopped").await, Stub::start("good").await);
    // Health checks out of the way after the first, so the gateway still
    // believes in `stopped` when the PATCH comes (as in the seconds after
    // an instance dies and before a check notices).
    let gateway =
        gateway_with_checks_every(&[stopped.address.clone(), good.address.clone()], 600_000).await;
    let instance = gateway.state.upstreams.get("stub").expect("pool").instances[0].clone();
    eventually_true("the first health check", PATIENCE, || instance.is_healthy()).await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    stopped.stop().await;

    // Round robin starts with `stopped`: its connection is refused, so the
    // PATCH was never sent, and goes to `good`, body and all.
    let body = serde_json::json!({"display_name": "Ada"});
    let response = gateway
        .client
        .patch(gateway.url("/stub/x"))
        .json(&body)
        .send()
        .await
        .expect("sent");

    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-stub-instance"], "good");
    let echoed: serde_json::Value = response.json().await.expect("json");
    assert_eq!(echoed["body_bytes"], body.to_string().len(), "{echoed}");
    assert_eq!((stopped.hits(), good.hits()), (0, 1));
}
