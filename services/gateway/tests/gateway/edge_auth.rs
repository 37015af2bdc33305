//! Edge authentication: tokens checked with the JWKS, identity forwarded.

use capstone_contracts::{AccessClaims, Role};
use capstone_platform::access_token::SigningKey;
use uuid::Uuid;

use crate::helpers::{
    Stub, TestGateway, assert_problem, base_settings, route, spawn_gateway, upstream,
};

/// `/private` (protected) and `/public` on `stub`, which also serves the JWKS.
async fn gateway_over(stub: &Stub) -> TestGateway {
    let mut settings = base_settings();
    settings
        .gateway
        .upstreams
        .insert("stub".into(), upstream(std::slice::from_ref(&stub.address)));
    settings.gateway.auth.jwks_upstream = "stub".into();
    let mut private = route("/private", "stub");
    private.protected = true;
    settings.gateway.routes.push(private);
    settings.gateway.routes.push(route("/public", "stub"));
    spawn_gateway(settings).await
}

/// Valid claims for `user`, for five minutes (also used by `consistent_hashing.rs`).
pub fn claims(user: Uuid, role: Role) -> AccessClaims {
    let now = chrono_now();
    AccessClaims {
        iss: "capstone-users".into(),
        aud: "capstone".into(),
        sub: user,
        role,
        ver: 0,
        iat: now,
        nbf: now,
        exp: now + 300,
        jti: Uuid::now_v7(),
        sid: None,
    }
}

fn chrono_now() -> i64 {
    i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("after 1970")
            .as_secs(),
    )
    .expect("fits")
}

pub fn key(kid: &str) -> SigningKey {
    SigningKey::generate(kid).expect("a key")
}

#[tokio::test]
async fn a_protected_route_needs_a_valid_token() {
    let stub = Stub::start("a").await;
    let signing = key("k1");
    stub.set_jwks(&[&signing]);
    let gateway = gateway_over(&stub).await;

    let response = gateway.get("/private/x").await;
    assert_eq!(
        response.headers()["www-authenticate"],
        "Bearer realm=\"capstone\""
    );
    assert_problem(response, 401, None).await;

    let forged = key("k1")
        .sign(&claims(Uuid::now_v7(), Role::Admin))
        .expect("signed");
    let response = gateway.get_as("/private/x", &forged).await;
    assert_eq!(
        response.headers()["www-authenticate"],
        "Bearer error=\"invalid_token\""
    );
    assert_problem(response, 401, None).await;

    let mut expired = claims(Uuid::now_v7(), Role::User);
    expired.exp = chrono_now() - 3_600;
    let response = gateway
        .get_as("/private/x", &signing.sign(&expired).expect("signed"))
        .await;
    assert_problem(response, 401, None).await;
    assert_eq!(
        stub.hits(),
        0,
        "nothing unauthenticated reached the upstream"
    );

    let token = signing
        .sign(&claims(Uuid::now_v7(), Role::User))
        .expect("signed");
    assert_eq!(gateway.get_as("/private/x", &token).await.status(), 200);
    assert_eq!(
        gateway.get("/public/x").await.status(),
        200,
        "public routes need no token"
    );
}

#[tokio::test]
async fn the_verified_identity_is_forwarded_and_spoofed_copies_are_stripped() {
    let stub = Stub::start("a").await;
    let signing = key("k1");
    stub.set_jwks(&[&signing]);
    let gateway = gateway_over(&stub).await;
    let user = Uuid::now_v7();
    let token = signing.sign(&claims(user, Role::User)).expect("signed");

    let response = gateway
        .client
        .get(gateway.url("/private/whoami"))
        .bearer_auth(&token)
        .header("x-capstone-user-id", Uuid::nil().to_string())
        .header("x-capstone-user-role", "admin")
        .send()
        .await
        .expect("sent");
    let body: serde_json::Value = response.json().await.expect("echo");
    assert_eq!(
        body["headers"]["x-capstone-user-id"],
        serde_json::json!([user.to_string()])
    );
    assert_eq!(
        body["headers"]["x-capstone-user-role"],
        serde_json::json!(["user"])
    );

    // On a public route nobody is verified, so nobody is forwarded.
    let response = gateway
        .client
        .get(gateway.url("/public/whoami"))
        .header("x-capstone-user-role", "admin")
        .send()
        .await
        .expect("sent");
    let body: serde_json::Value = response.json().await.expect("echo");
    assert!(
        body["headers"].get("x-capstone-user-role").is_none(),
        "{body}"
    );
}

#[tokio::test]
async fn a_token_with_a_new_key_id_makes_the_gateway_refetch_the_jwks() {
    let stub = Stub::start("a").await;
    let (old, new) = (key("old"), key("new"));
    stub.set_jwks(&[&old]);
    let gateway = gateway_over(&stub).await;
    let token = |signing: &SigningKey| {
        signing
            .sign(&claims(Uuid::now_v7(), Role::User))
            .expect("signed")
    };
    assert_eq!(
        gateway.get_as("/private/x", &token(&old)).await.status(),
        200
    );
    assert_eq!(
        gateway.get_as("/private/x", &token(&new)).await.status(),
        401
    );

    // The users service rotates: the new key is published and signs.
    stub.set_jwks(&[&old, &new]);
    assert_eq!(
        gateway.get_as("/private/x", &token(&new)).await.status(),
        200
    );
}

#[tokio::test]
async fn without_the_key_set_protected_routes_answer_503() {
    let stub = Stub::start("a").await;
    stub.set_failing(true);
    stub.set_ready(false);
    let gateway = gateway_over(&stub).await;
    let token = key("k1")
        .sign(&claims(Uuid::now_v7(), Role::User))
        .expect("signed");
    let response = gateway.get_as("/private/x", &token).await;
    assert_problem(
        response,
        503,
        Some("urn:capstone:problem:dependency-unavailable"),
    )
    .await;
}
