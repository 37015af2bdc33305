//! Rate limits as clients meet them: headers, 429, shared across gateways,
//! and still enforced (per instance) when Redis is down.

use capstone_gateway::{Settings, rate_limit::RateLimitSettings};
use capstone_platform::testing::RedisNamespace;

use crate::helpers::{
    Stub, assert_problem, base_settings, route, spawn_gateway, spawn_gateway_sharing, upstream,
};

/// `/stub` limited to 3 requests a minute per client.
fn limited_settings(stub: &Stub) -> Settings {
    let mut settings = base_settings();
    settings
        .gateway
        .upstreams
        .insert("stub".into(), upstream(std::slice::from_ref(&stub.address)));
    settings.gateway.rate_limits.insert(
        "tight".into(),
        RateLimitSettings {
            requests: 3,
            period_secs: 60,
            burst: 3,
        },
    );
    let mut limited = route("/stub", "stub");
    limited.rate_limit = Some("tight".into());
    settings.gateway.routes.push(limited);
    settings
}

fn header(response: &reqwest::Response, name: &str) -> String {
    response.headers()[name].to_str().expect("ascii").to_owned()
}

#[tokio::test]
async fn replies_carry_ratelimit_headers_and_the_excess_gets_429() {
    let stub = Stub::start("a").await;
    let gateway = spawn_gateway(limited_settings(&stub)).await;
    gateway.wait_for_redis().await;
    for remaining in ["2", "1", "0"] {
        let response = gateway.get("/stub/x").await;
        assert_eq!(response.status(), 200);
        assert_eq!(header(&response, "ratelimit-limit"), "3");
        assert_eq!(header(&response, "ratelimit-remaining"), remaining);
        assert_eq!(header(&response, "ratelimit-policy"), "3;w=60");
    }
    let refused = gateway.get("/stub/x").await;
    let retry_after: u64 = header(&refused, "retry-after").parse().expect("seconds");
    assert!(
        (1..=20).contains(&retry_after),
        "one request's worth: {retry_after}"
    );
    assert_eq!(header(&refused, "ratelimit-remaining"), "0");
    assert_problem(refused, 429, Some("urn:capstone:problem:rate-limited")).await;
    assert_eq!(
        stub.hits(),
        3,
        "the refused request never reached the upstream"
    );
}

#[tokio::test]
async fn two_gateways_sharing_redis_enforce_one_limit() {
    let stub = Stub::start("a").await;
    let mut settings = limited_settings(&stub);
    let redis = RedisNamespace::new(&settings.redis);
    settings.redis.key_prefix = redis.prefix.clone();
    let first = spawn_gateway_sharing(settings.clone(), Some(redis)).await;
    let second = spawn_gateway_sharing(settings, None).await;
    first.wait_for_redis().await;
    second.wait_for_redis().await;

    assert_eq!(first.get("/stub/x").await.status(), 200);
    assert_eq!(second.get("/stub/x").await.status(), 200);
    assert_eq!(first.get("/stub/x").await.status(), 200);
    assert_eq!(
        second.get("/stub/x").await.status(),
        429,
        "the budget is shared"
    );
    assert_eq!(first.get("/stub/x").await.status(), 429);
}

#[tokio::test]
async fn with_redis_down_requests_are_served_and_limited_per_instance() {
    let stub = Stub::start("a").await;
    let mut settings = limited_settings(&stub);
    settings.redis.url = "redis://127.0.0.1:1".into(); // nothing listens there
    let gateway = spawn_gateway(settings).await;
    for _ in 0..3 {
        assert_eq!(
            gateway.get("/stub/x").await.status(),
            200,
            "served without Redis"
        );
    }
    assert_eq!(
        gateway.get("/stub/x").await.status(),
        429,
        "the local limiter still limits"
    );
    let report: serde_json::Value = gateway
        .get("/health/ready")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(report["status"], "degraded");
}

#[tokio::test]
async fn unlimited_routes_carry_no_ratelimit_headers() {
    let stub = Stub::start("a").await;
    let mut settings = limited_settings(&stub);
    settings.gateway.routes.push(route("/free", "stub"));
    let gateway = spawn_gateway(settings).await;
    let response = gateway.get("/free/x").await;
    assert_eq!(response.status(), 200);
    assert!(response.headers().get("ratelimit-limit").is_none());
}

#[tokio::test]
async fn refused_tokens_spend_the_addresss_budget_too() {
    let stub = Stub::start("a").await;
    stub.set_jwks(&[&capstone_platform::access_token::SigningKey::generate("k1").expect("key")]);
    let mut settings = limited_settings(&stub);
    settings.gateway.auth.jwks_upstream = "stub".into();
    for route in &mut settings.gateway.routes {
        route.protected = true;
    }
    let gateway = spawn_gateway(settings).await;
    gateway.wait_for_redis().await;
    for _ in 0..3 {
        assert_eq!(gateway.get_as("/stub/x", "not-a-token").await.status(), 401);
    }
    let refused = gateway.get_as("/stub/x", "not-a-token").await;
    assert_problem(refused, 429, Some("urn:capstone:problem:rate-limited")).await;
    assert_eq!(stub.hits(), 0);
}

#[tokio::test]
async fn every_address_of_one_ipv6_64_shares_one_budget() {
    let stub = Stub::start("a").await;
    let mut settings = limited_settings(&stub);
    // The test client stands in for a proxy whose X-Forwarded-For is believed.
    settings.gateway.http.trusted_proxies = vec!["127.0.0.1".parse().expect("an address")];
    let gateway = spawn_gateway(settings).await;
    gateway.wait_for_redis().await;
    let from = |client: &'static str| {
        gateway
            .client
            .get(gateway.url("/stub/x"))
            .header("x-forwarded-for", client)
            .send()
    };

    // Three addresses of one /64: one budget of 3.
    for client in ["2001:db8:a:b::1", "2001:db8:a:b::2", "2001:db8:a:b:ffff::9"] {
        assert_eq!(from(client).await.expect("sent").status(), 200, "{client}");
    }
    let fourth = from("2001:db8:a:b:1234::77").await.expect("sent");
    assert_eq!(
        fourth.status(),
        429,
        "a new address in the same /64 is the same client"
    );
    // The next /64 is someone else.
    assert_eq!(from("2001:db8:a:c::1").await.expect("sent").status(), 200);
}
