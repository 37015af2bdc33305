//! Load balancing across instances, active and passive health.

use std::time::Instant;

use capstone_gateway::settings::Strategy;
use capstone_platform::testing::{PATIENCE, eventually_true};
use uuid::Uuid;

use crate::helpers::{
    Stub, TestGateway, UsersCluster, base_settings, route, spawn_gateway, upstream,
};

async fn gateway_over(stubs: &[&Stub], strategy: Strategy) -> TestGateway {
    let mut settings = base_settings();
    let addresses: Vec<String> = stubs.iter().map(|stub| stub.address.clone()).collect();
    let mut pool = upstream(&addresses);
    pool.strategy = strategy;
    settings.gateway.upstreams.insert("stub".into(), pool);
    settings.gateway.routes.push(route("/stub", "stub"));
    spawn_gateway(settings).await
}

#[tokio::test]
async fn round_robin_takes_each_instance_in_turn() {
    let (a, b) = (Stub::start("a").await, Stub::start("b").await);
    let gateway = gateway_over(&[&a, &b], Strategy::RoundRobin).await;
    for _ in 0..10 {
        assert_eq!(gateway.get("/stub/x").await.status(), 200);
    }
    assert_eq!((a.hits(), b.hits()), (5, 5));
}

#[tokio::test]
async fn power_of_two_choices_spreads_the_load() {
    let (a, b, c) = (
        Stub::start("a").await,
        Stub::start("b").await,
        Stub::start("c").await,
    );
    let gateway = gateway_over(&[&a, &b, &c], Strategy::PowerOfTwoChoices).await;
    let requests = (0..60).map(|_| gateway.get("/stub/slow?ms=20"));
    for response in futures_util::future::join_all(requests).await {
        assert_eq!(response.status(), 200);
    }
    let hits = [a.hits(), b.hits(), c.hits()];
    assert_eq!(hits.iter().sum::<usize>(), 60);
    assert!(
        hits.iter().all(|&count| count >= 5),
        "every instance took a share: {hits:?}"
    );
}

#[tokio::test]
async fn a_failing_instance_is_ejected_then_readmitted_after_the_cool_down() {
    let (a, b) = (Stub::start("a").await, Stub::start("b").await);
    let gateway = gateway_over(&[&a, &b], Strategy::RoundRobin).await;
    a.set_failing(true); // its health check still passes: only requests fail
    // POSTs are not retried, so each failure reaches the client as the 503.
    for _ in 0..6 {
        gateway
            .client
            .post(gateway.url("/stub/x"))
            .send()
            .await
            .expect("sent");
    }
    let instance_a = gateway.state.upstreams.get("stub").expect("pool").instances[0].clone();
    assert!(!instance_a.is_available(Instant::now()), "a was ejected");
    let a_hits_when_ejected = a.hits();
    for _ in 0..6 {
        assert_eq!(
            gateway.get("/stub/x").await.status(),
            200,
            "b serves everything"
        );
    }
    assert_eq!(
        a.hits(),
        a_hits_when_ejected,
        "no request went to the ejected instance"
    );

    a.set_failing(false);
    eventually_true("the cool-down to pass", PATIENCE, || {
        instance_a.is_available(Instant::now())
    })
    .await;
    for _ in 0..6 {
        assert_eq!(gateway.get("/stub/x").await.status(), 200);
    }
    assert!(a.hits() > a_hits_when_ejected, "a takes requests again");
}

#[tokio::test]
async fn an_instance_failing_its_health_check_gets_no_traffic_until_it_passes() {
    let (a, b) = (Stub::start("a").await, Stub::start("b").await);
    let gateway = gateway_over(&[&a, &b], Strategy::RoundRobin).await;
    let instance_a = gateway.state.upstreams.get("stub").expect("pool").instances[0].clone();
    a.set_ready(false);
    eventually_true("a to leave the rotation", PATIENCE, || {
        !instance_a.is_healthy()
    })
    .await;
    let before = a.hits();
    for _ in 0..6 {
        assert_eq!(gateway.get("/stub/x").await.status(), 200);
    }
    assert_eq!(a.hits(), before);

    a.set_ready(true);
    eventually_true("a to return to the rotation", PATIENCE, || {
        instance_a.is_healthy()
    })
    .await;
    for _ in 0..6 {
        gateway.get("/stub/x").await;
    }
    assert!(a.hits() > before);
}

#[tokio::test]
async fn a_real_users_service_on_two_instances_serves_through_the_gateway() {
    let users = UsersCluster::start(2).await;
    let mut settings = base_settings();
    let mut pool = upstream(&users.addresses);
    pool.strategy = Strategy::RoundRobin;
    settings.gateway.upstreams.insert("users".into(), pool);
    settings.gateway.routes = capstone_gateway::Settings::default().gateway.routes;
    for route in &mut settings.gateway.routes {
        route.rate_limit = Some("generous".into());
    }
    let gateway = spawn_gateway(settings).await;

    let email = format!("ada-{}@example.com", Uuid::now_v7().simple());
    let registered = gateway
        .post_json(
            "/api/v1/auth/register",
            &serde_json::json!({"email": email, "password": "correct horse battery", "display_name": "Ada"}),
        )
        .await;
    assert_eq!(registered.status(), 202);
    let login = gateway
        .post_json(
            "/api/v1/auth/login",
            &serde_json::json!({"email": email, "password": "correct horse battery"}),
        )
        .await;
    assert_eq!(login.status(), 200);
    let tokens: serde_json::Value = login.json().await.expect("tokens");
    let access = tokens["access_token"].as_str().expect("access token");
    // Round robin: consecutive reads land on both instances; both know the user.
    for _ in 0..4 {
        let me = gateway.get_as("/api/v1/users/me", access).await;
        assert_eq!(me.status(), 200);
        let body: serde_json::Value = me.json().await.expect("me");
        assert_eq!(body["email"], email.as_str());
    }
    let admin = users.admin_token().await;
    assert_eq!(
        gateway
            .get_as("/api/v1/users?limit=1", &admin)
            .await
            .status(),
        200
    );
    let served_by: Vec<usize> = gateway
        .state
        .upstreams
        .get("users")
        .expect("pool")
        .instances
        .iter()
        .map(|instance| instance.in_flight())
        .collect();
    assert_eq!(served_by, [0, 0], "every in-flight count went back to zero");
}

#[tokio::test]
async fn the_gateway_stays_ready_but_reports_an_upstream_without_instances() {
    let a = Stub::start("a").await;
    let gateway = gateway_over(&[&a], Strategy::RoundRobin).await;
    a.set_ready(false);
    let instance = gateway.state.upstreams.get("stub").expect("pool").instances[0].clone();
    eventually_true("a to leave the rotation", PATIENCE, || {
        !instance.is_healthy()
    })
    .await;
    let response = gateway.get("/health/ready").await;
    // Still 200: pulling the gateway out of rotation would take every
    // other route down with this one upstream.
    assert_eq!(response.status(), 200);
    let report: serde_json::Value = response.json().await.expect("json");
    assert_eq!(report["status"], "degraded");
    assert_eq!(report["checks"]["upstreams"]["status"], "down");
    assert!(
        report["checks"]["upstreams"]["error"]
            .as_str()
            .is_some_and(|error| error.contains("stub"))
    );
    let refused = gateway.get("/stub/x").await;
    assert_eq!(
        refused.status(),
        503,
        "fast 503 for the route whose upstream is down"
    );
}
