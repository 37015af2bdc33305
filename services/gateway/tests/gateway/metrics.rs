//! `/metrics` on the gateway: valid Prometheus text, proxied requests
//! counted under their configured route, rate-limit decisions, retries and
//! breaker states per upstream.
//!
//! Route prefixes, rate-limit classes and upstream names are config, so each
//! test picks its own (`unique`): its series are then its alone, and the
//! counts can be exact although every gateway in the process shares one
//! recorder.

use capstone_gateway::{
    metrics::{
        self as gateway_metrics, BREAKER_STATE, RATE_LIMIT_DECISIONS_TOTAL, UPSTREAM_RETRIES_TOTAL,
    },
    rate_limit::RateLimitSettings,
    settings::Strategy,
};
use capstone_platform::testing::{PATIENCE, eventually_true};
use capstone_platform::{
    metrics::{
        self as shared,
        names::{HTTP_REQUEST_ERRORS_TOTAL, HTTP_REQUESTS_TOTAL},
    },
    testing::Exposition,
};
use uuid::Uuid;

use crate::helpers::{
    Stub, TestGateway, base_settings, route, settings_over, spawn_gateway, upstream,
};

/// A name no other test uses.
fn unique(what: &str) -> String {
    format!("{what}-{}", &Uuid::new_v4().simple().to_string()[..8])
}

async fn scrape(gateway: &TestGateway) -> Exposition {
    let response = gateway.get("/metrics").await;
    assert_eq!(response.status(), 200);
    let text = response.text().await.expect("a body");
    Exposition::parse(&text).unwrap_or_else(|error| panic!("{error}\n{text}"))
}

#[tokio::test]
async fn metrics_are_valid_prometheus_text_with_help_and_type_for_every_family() {
    let stub = Stub::start("a").await;
    let gateway = spawn_gateway(settings_over(&stub, "/stub")).await;
    gateway.get("/stub/x").await;

    let scraped = scrape(&gateway).await;

    let names = [shared::NAMES, gateway_metrics::NAMES].concat();
    scraped
        .check_conventions(gateway_metrics::SERVICE, &names)
        .unwrap_or_else(|problems| panic!("{problems}"));
    assert!(scraped.family(BREAKER_STATE).is_some());
}

#[tokio::test]
async fn proxied_requests_count_under_their_configured_route_and_unknown_paths_as_errors() {
    let stub = Stub::start("a").await;
    let prefix = format!("/{}", unique("metered"));
    let gateway = spawn_gateway(settings_over(&stub, &prefix)).await;
    let unmatched = [("route", "unmatched"), ("status", "404")];
    let unmatched_before = scrape(&gateway)
        .await
        .sum(HTTP_REQUEST_ERRORS_TOTAL, &unmatched);

    for path in ["/a", "/b/c", ""] {
        let response = gateway.get(&format!("{prefix}{path}")).await;
        assert_eq!(response.status(), 200);
    }
    let failed = gateway.get(&format!("{prefix}/fail")).await;
    assert_eq!(failed.status(), 503);
    assert_eq!(
        gateway
            .get(&format!("/{}", unique("nowhere")))
            .await
            .status(),
        404
    );

    let scraped = scrape(&gateway).await;
    let route = ("route", prefix.as_str());
    assert_eq!(
        scraped.sum(HTTP_REQUESTS_TOTAL, &[route, ("status", "200")]),
        3.0
    );
    assert_eq!(scraped.sum(HTTP_REQUESTS_TOTAL, &[route]), 4.0);
    assert_eq!(
        scraped.sum(HTTP_REQUEST_ERRORS_TOTAL, &[route, ("status", "503")]),
        1.0
    );
    assert!(scraped.sum(HTTP_REQUEST_ERRORS_TOTAL, &unmatched) >= unmatched_before + 1.0);
}

#[tokio::test]
async fn a_refused_request_counts_a_limited_decision_for_its_class() {
    let stub = Stub::start("a").await;
    let class = unique("tight");
    let mut settings = settings_over(&stub, "/stub");
    settings.gateway.rate_limits.insert(
        class.clone(),
        RateLimitSettings {
            requests: 1,
            period_secs: 60,
            burst: 1,
        },
    );
    settings.gateway.routes[0].rate_limit = Some(class.clone());
    let gateway = spawn_gateway(settings).await;
    // One limiter decides both requests (Redis, not the local fallback).
    gateway.wait_for_redis().await;

    assert_eq!(gateway.get("/stub/x").await.status(), 200);
    assert_eq!(gateway.get("/stub/x").await.status(), 429);

    let scraped = scrape(&gateway).await;
    let decided = |decision: &str| {
        scraped.sum(
            RATE_LIMIT_DECISIONS_TOTAL,
            &[("class", class.as_str()), ("decision", decision)],
        )
    };
    assert_eq!(decided("allowed"), 1.0);
    assert_eq!(decided("limited"), 1.0);
}

#[tokio::test]
async fn retries_and_an_opened_breaker_are_reported_per_upstream() {
    let healthy = Stub::start("healthy").await;
    let failing = Stub::start("failing").await;
    failing.set_failing(true); // 503 to requests; its health check still passes
    let pool_name = unique("pool");
    let mut settings = base_settings();
    settings.gateway.breaker.open_ms = 60_000; // stays open while we look
    let mut pool = upstream(&[failing.address.clone(), healthy.address.clone()]);
    pool.strategy = Strategy::RoundRobin;
    settings.gateway.upstreams.insert(pool_name.clone(), pool);
    settings.gateway.routes.push(route("/stub", &pool_name));
    let gateway = spawn_gateway(settings).await;
    let upstream_state = gateway
        .state
        .upstreams
        .get(&pool_name)
        .expect("pool")
        .clone();
    let failing_instance = upstream_state.instances[0].name.clone();

    // Round robin sends some first attempts to the failing instance; each
    // is retried on the healthy one, and two failures open its breaker.
    for _ in 0..6 {
        assert_eq!(gateway.get("/stub/x").await.status(), 200);
    }
    eventually_true("the failing instance's breaker to open", PATIENCE, || {
        !upstream_state.instances[0]
            .breaker
            .is_available(std::time::Instant::now())
    })
    .await;

    let scraped = scrape(&gateway).await;
    let upstream_label = ("upstream", pool_name.as_str());
    assert!(scraped.sum(UPSTREAM_RETRIES_TOTAL, &[upstream_label]) >= 2.0);
    let state = |instance: &str, state: &str| {
        scraped.sum(
            BREAKER_STATE,
            &[upstream_label, ("instance", instance), ("state", state)],
        )
    };
    assert_eq!(state(&failing_instance, "open"), 1.0);
    assert_eq!(state(&failing_instance, "closed"), 0.0);
    let healthy_instance = upstream_state.instances[1].name.clone();
    assert_eq!(state(&healthy_instance, "closed"), 1.0);
}
