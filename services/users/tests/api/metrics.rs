//! `/metrics`: valid Prometheus text, RED counters per route template, the
//! cache's hits and misses per layer, and the gauges of this very app.
//!
//! The recorder is one per process and every test app here says
//! `service="users"`, so counters are compared before and after, and
//! asserted to have risen by *at least* what this test did: other tests
//! running in parallel may add to the same series.

use capstone_platform::{
    metrics::{
        self as shared,
        names::{
            DB_POOL_MAX_CONNECTIONS, HTTP_REQUEST_DURATION_SECONDS, HTTP_REQUEST_ERRORS_TOTAL,
            HTTP_REQUESTS_TOTAL, REDIS_CONNECTED,
        },
    },
    testing::Exposition,
};
use capstone_users::metrics::{
    self as users, CACHE_HITS_TOTAL, CACHE_MISSES_TOTAL, OUTBOX_OLDEST_UNSENT_AGE_SECONDS,
    OUTBOX_UNSENT_EVENTS,
};
use uuid::Uuid;

use crate::helpers::{TestApp, spawn_app};

/// GET /metrics, parsed strictly (a malformed line fails the test).
async fn scrape(app: &TestApp) -> Exposition {
    let response = app.get("/metrics").await;
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"].to_str().expect("ascii");
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    let text = response.text().await.expect("a body");
    Exposition::parse(&text).unwrap_or_else(|error| panic!("{error}\n{text}"))
}

#[tokio::test]
async fn metrics_are_valid_prometheus_text_with_help_and_type_for_every_family() {
    let app = spawn_app().await;
    app.get("/health/live").await;

    let scraped = scrape(&app).await;

    let names = [shared::NAMES, users::NAMES].concat();
    scraped
        .check_conventions(users::SERVICE, &names)
        .unwrap_or_else(|problems| panic!("{problems}"));
    for name in [
        HTTP_REQUESTS_TOTAL,
        HTTP_REQUEST_DURATION_SECONDS,
        DB_POOL_MAX_CONNECTIONS,
        OUTBOX_UNSENT_EVENTS,
    ] {
        assert!(scraped.family(name).is_some(), "{name} missing");
    }
}

// ANCHOR: route_counted
#[tokio::test]
async fn n_requests_to_a_route_raise_its_count_by_n_under_the_route_template() {
    let app = spawn_app().await;
    let user = app.create_user("ada@example.com", "Ada").await;
    let series = [
        ("route", "/api/v1/users/{id}"),
        ("method", "GET"),
        ("status", "200"),
    ];
    let before = scrape(&app).await.sum(HTTP_REQUESTS_TOTAL, &series);

    for _ in 0..3 {
        assert_eq!(app.get_user(&user.id.to_string()).await.status(), 200);
    }

    let after = scrape(&app).await;
    assert!(after.sum(HTTP_REQUESTS_TOTAL, &series) >= before + 3.0);
    let timed = [("route", "/api/v1/users/{id}"), ("status_class", "2xx")];
    assert!(after.sum("capstone_http_request_duration_seconds_count", &timed) >= 3.0);
    let raw_path = user.id.to_string();
    let leaked = after
        .families
        .iter()
        .flat_map(|family| &family.samples)
        .any(|sample| {
            sample
                .label("route")
                .is_some_and(|route| route.contains(&raw_path))
        });
    assert!(!leaked, "a raw path became a label value");
}
// ANCHOR_END: route_counted

#[tokio::test]
async fn a_request_no_route_matches_counts_as_an_error_under_one_fixed_label() {
    let app = spawn_app().await;
    let errors = [("route", "unmatched"), ("status", "404")];
    let before = scrape(&app).await.sum(HTTP_REQUEST_ERRORS_TOTAL, &errors);
    let path = format!("/no-such-page-{}", Uuid::new_v4());

    assert_eq!(app.get(&path).await.status(), 404);

    let after = scrape(&app).await;
    assert!(after.sum(HTTP_REQUEST_ERRORS_TOTAL, &errors) >= before + 1.0);
    let labelled_with_the_path = after
        .families
        .iter()
        .flat_map(|family| &family.samples)
        .any(|sample| sample.label("route") == Some(path.as_str()));
    assert!(!labelled_with_the_path);
}

#[tokio::test]
async fn a_read_after_a_miss_counts_the_misses_then_a_local_hit() {
    let app = spawn_app().await;
    app.wait_for_redis().await;
    let user = app.create_user("ada@example.com", "Ada").await;
    let local = [("layer", "local")];
    let redis = [("layer", "redis")];
    // Every admin request looks the admin up too (the token check): warm it.
    app.get("/api/v1/users/me").await;
    let hits_before = app.cache.snapshot().local_hits;
    let before = scrape(&app).await;

    app.get_user(&user.id.to_string()).await; // local miss, Redis miss, Postgres
    app.get_user(&user.id.to_string()).await; // local hit

    let after = scrape(&app).await;
    let rose =
        |name: &str, labels: &[(&str, &str)]| after.sum(name, labels) - before.sum(name, labels);
    assert!(rose(CACHE_MISSES_TOTAL, &local) >= 1.0);
    assert!(rose(CACHE_MISSES_TOTAL, &redis) >= 1.0);
    assert!(rose(CACHE_HITS_TOTAL, &local) >= 1.0);
    // The user's second read, and the admin's two token checks.
    assert_eq!(
        app.cache.snapshot().local_hits - hits_before,
        3,
        "this app's own count"
    );
}

#[tokio::test]
async fn the_gauges_describe_the_scraped_app_its_outbox_pool_and_redis() {
    let app = spawn_app().await;
    app.wait_for_redis().await;
    app.register("ada@example.com").await;
    app.register("grace@example.com").await;

    let scraped = scrape(&app).await;

    // Sampled at scrape time from this app's own database: exact, even with
    // other apps of the service in the process.
    let unsent = app.outbox(None).await.len() as f64;
    assert_eq!(scraped.sum(OUTBOX_UNSENT_EVENTS, &[]), unsent);
    assert!(unsent >= 2.0);
    assert!(scraped.sum(OUTBOX_OLDEST_UNSENT_AGE_SECONDS, &[]) >= 0.0);
    let max_connections = app.database.settings.max_connections as f64;
    assert_eq!(scraped.sum(DB_POOL_MAX_CONNECTIONS, &[]), max_connections);
    assert_eq!(scraped.sum(REDIS_CONNECTED, &[]), 1.0);
}
