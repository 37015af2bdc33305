//! Hostile request paths, sent byte for byte through a real gateway: none
//! may reach an internal route (`/metrics`, `/health/*`) or a protected
//! route without edge auth. Before the canonical-path middleware, the first
//! rows of [`ESCAPES`] answered 200 with the users service's metrics.

use capstone_contracts::Role;
use uuid::Uuid;

use crate::helpers::{
    RawResponse, Stub, TestGateway, UsersCluster, base_settings, raw_get, route, spawn_gateway,
    upstream,
};

const INVALID_PATH: &str = "urn:capstone:problem:invalid-path";

/// Paths that climb out of a public prefix in some spelling: each must be
/// refused with a 400 before anything routes on it.
const ESCAPES: &[&str] = &[
    "/api/v1/auth/%2e%2e/%2e%2e/%2e%2e/metrics",
    "/api/v1/auth/..\\..\\..\\metrics",
    "/.well-known/../health/ready",
    "/api/v1/auth/.%2e/.%2e/.%2e/metrics",
    "/api/v1/auth/%2e./%2e./%2e./health/live",
    "/api/v1/auth/%2E%2E/%2E%2E/%2E%2E/metrics",
    "/api/v1/auth/../../../metrics",
    "/api/v1/auth/./../../../metrics",
    "/api/v1/auth//..//..//..//metrics",
    "/api/v1/auth/%252e%252e/%252e%252e/%252e%252e/metrics",
    "/api/v1/auth/%25%32%65%25%32%65/metrics",
    "/api/v1/auth/%c0%ae%c0%ae/%c0%ae%c0%ae/%c0%ae%c0%ae/metrics",
    "/api/v1/auth/%e0%80%ae%e0%80%ae/%e0%80%ae%e0%80%ae/%e0%80%ae%e0%80%ae/metrics",
    "/api/v1/auth/..%c0%af..%c0%af..%c0%afmetrics",
    "/api/v1/auth/%2f..%2f..%2f..%2fmetrics",
    "/api/v1/auth/..%2f..%2f..%2fmetrics",
    "/api/v1/auth/%5c..%5c..%5c..%5cmetrics",
    "/api/v1/auth/..%5C..%5C..%5Cmetrics",
    "/api/v1/auth/%00/../../../metrics",
    "/api/v1/auth/..%00/metrics",
    "/api/v1/auth/%u002e%u002e/metrics",
    // Into a protected route from a public prefix, skipping edge auth:
    "/api/v1/auth/%2e%2e/users/me",
    "/.well-known/%2e%2e/api/v1/users/me",
    "/api/v1/auth/..\\users\\me",
    // The gateway's own internal routes, reached sideways:
    "/health/live/../../metrics",
    "/metrics/.",
    "/%2e%2e/metrics",
];

/// Paths with no dot-segment that some servers would still read as one
/// (Tomcat's `..;`, Windows' trailing dots): routed as the names they are,
/// which the users service does not have.
const LOOKALIKES: &[&str] = &[
    "/api/v1/auth/..;/..;/..;/metrics",
    "/api/v1/auth/.../metrics",
    "/api/v1/auth/metrics.",
    "/api/v1/auth/...",
    "/metrics.",
    "/health/ready.",
];

/// The production route table (public auth and well-known, protected users)
/// over a real users service.
async fn gateway_over(users: &UsersCluster) -> TestGateway {
    let mut settings = base_settings();
    settings
        .gateway
        .upstreams
        .insert("users".into(), upstream(&users.addresses));
    settings.gateway.auth.jwks_upstream = "users".into();
    let mut protected = route("/api/v1/users", "users");
    protected.protected = true;
    settings.gateway.routes.push(protected);
    settings.gateway.routes.push(route("/api/v1/auth", "users"));
    settings.gateway.routes.push(route("/.well-known", "users"));
    spawn_gateway(settings).await
}

/// Nothing of an internal route in `response`: no metrics exposition, no
/// readiness report, no liveness answer.
fn assert_nothing_internal(target: &str, response: &RawResponse) {
    for marker in [
        "# TYPE",
        "# HELP",
        "\"checks\"",
        "\"status\":\"up\"",
        "alive",
    ] {
        assert!(
            !response.body.contains(marker),
            "{target}: an internal route answered ({marker}): {}",
            response.body
        );
    }
}

fn problem_type(response: &RawResponse) -> String {
    let json = &response.body[response.body.find('{').unwrap_or(0)..];
    let json = &json[..json.rfind('}').map_or(json.len(), |end| end + 1)];
    serde_json::from_str::<serde_json::Value>(json)
        .map(|body| body["type"].as_str().unwrap_or_default().to_owned())
        .unwrap_or_default()
}

#[tokio::test]
async fn no_spelling_of_a_path_escape_reaches_an_internal_or_protected_route() {
    let users = UsersCluster::start(1).await;
    let gateway = gateway_over(&users).await;
    for target in ESCAPES {
        let response = raw_get(&gateway.address, target, &[]).await;
        assert_eq!(response.status, 400, "{target}: {response:?}");
        assert!(
            response
                .head
                .to_ascii_lowercase()
                .contains("application/problem+json"),
            "{target}: {response:?}"
        );
        assert_eq!(problem_type(&response), INVALID_PATH, "{target}");
        assert_nothing_internal(target, &response);
    }
    for target in LOOKALIKES {
        let response = raw_get(&gateway.address, target, &[]).await;
        assert_eq!(response.status, 404, "{target}: {response:?}");
        assert_nothing_internal(target, &response);
    }
}

#[tokio::test]
async fn a_collapsed_or_decoded_path_is_still_behind_edge_auth() {
    let users = UsersCluster::start(1).await;
    let gateway = gateway_over(&users).await;
    for target in [
        "//api//v1//users//me",
        "/api/v1/%75sers/me",
        "/%61pi/v1/users/me",
    ] {
        let response = raw_get(&gateway.address, target, &[]).await;
        assert_eq!(response.status, 401, "{target}: {response:?}");
        assert!(
            response
                .head
                .to_ascii_lowercase()
                .contains("www-authenticate: bearer"),
            "refused at the edge: {response:?}"
        );
    }
    // The same spellings with a token reach the route they name, and only it.
    let user = Uuid::now_v7();
    let token = users.token_for(user, Role::User);
    let bearer = format!("Bearer {token}");
    let response = raw_get(
        &gateway.address,
        "//api//v1//%75sers//me",
        &[("Authorization", &bearer)],
    )
    .await;
    // A minted token for an account that does not exist: the users service
    // itself answered, for the route the gateway checked.
    assert!(matches!(response.status, 401 | 404), "{response:?}");
    assert_nothing_internal("//api//v1//%75sers//me", &response);
}

#[tokio::test]
async fn refused_paths_never_reach_the_upstream_and_others_arrive_as_routed() {
    let stub = Stub::start("a").await;
    let mut settings = base_settings();
    settings
        .gateway
        .upstreams
        .insert("stub".into(), upstream(std::slice::from_ref(&stub.address)));
    for prefix in ["/api/v1/auth", "/.well-known", "/health", "/metrics"] {
        settings.gateway.routes.push(route(prefix, "stub"));
    }
    let gateway = spawn_gateway(settings).await;
    for target in ESCAPES {
        let response = raw_get(&gateway.address, target, &[]).await;
        assert_eq!(response.status, 400, "{target}: {response:?}");
    }
    assert_eq!(stub.hits(), 0, "a refused path reached the upstream");

    // What is forwarded is the canonical path, byte for byte.
    for (sent, arrived) in [
        ("//api//v1//auth//login", "/api/v1/auth/login"),
        ("/api/v1/auth/%6c%6F%67in?next=%2e%2e", "/api/v1/auth/login"),
        ("/api/v1/auth/caf%c3%a9", "/api/v1/auth/caf%C3%A9"),
        ("/api/v1/auth/a%3ab", "/api/v1/auth/a%3Ab"),
        ("/api/v1/auth/..;/x", "/api/v1/auth/..;/x"),
    ] {
        let response = raw_get(&gateway.address, sent, &[]).await;
        assert_eq!(response.status, 200, "{sent}: {response:?}");
        let json = &response.body[response.body.find('{').unwrap_or(0)..];
        let json = &json[..json.rfind('}').map_or(json.len(), |end| end + 1)];
        let echo: serde_json::Value = serde_json::from_str(json).expect("echo json");
        assert_eq!(echo["path"], arrived, "{sent}");
    }
    let response = raw_get(&gateway.address, "/api/v1/auth/login?next=%2e%2e", &[]).await;
    assert!(
        response.body.contains("\"query\":\"next=%2e%2e\""),
        "{response:?}"
    );
}
