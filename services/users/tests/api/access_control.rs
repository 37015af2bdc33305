//! Who may call what: tokens that must be refused, and roles at work.

use capstone_platform::service::ServiceSettings as _;
use capstone_users::{auth::AccessClaims, domain::Role};
use serde_json::json;
use uuid::Uuid;

use crate::helpers::{TestApp, assert_problem, header, sign_claims, spawn_app};

fn base64_url(bytes: &[u8]) -> String {
    base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, bytes)
}

fn claims_for(app: &TestApp, user_id: Uuid) -> AccessClaims {
    // Start from what the service itself would issue, then spoil one thing.
    let token = app.token_for(user_id, Role::Admin);
    let payload = token.split('.').nth(1).expect("payload");
    let bytes = base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, payload)
        .expect("base64url");
    serde_json::from_slice(&bytes).expect("claims")
}

#[tokio::test]
async fn a_protected_route_without_a_token_is_401_with_www_authenticate() {
    let app = spawn_app().await;

    let response = app
        .client
        .get(app.url("/api/v1/users"))
        .send()
        .await
        .expect("sent");

    assert_eq!(
        header(&response, "www-authenticate").as_deref(),
        Some("Bearer error=\"invalid_token\"")
    );
    assert_problem(response, 401).await;
}

#[tokio::test]
async fn spoiled_tokens_are_all_401_and_never_say_why() {
    let app = spawn_app().await;
    let admin = Uuid::now_v7();
    let now = chrono::Utc::now().timestamp();
    let mut expired = claims_for(&app, admin);
    expired.exp = now - 3_600;
    let mut not_yet = claims_for(&app, admin);
    not_yet.nbf = now + 3_600;
    let mut foreign_audience = claims_for(&app, admin);
    foreign_audience.aud = "another-system".into();
    let mut foreign_issuer = claims_for(&app, admin);
    foreign_issuer.iss = "someone-else".into();
    let good = app.token_for(admin, Role::Admin);
    let tampered = {
        let mut parts: Vec<&str> = good.split('.').collect();
        parts[2] = "AAAA";
        parts.join(".")
    };
    let foreign_key = capstone_platform::access_token::SigningKey::generate("test-key")
        .expect("key")
        .sign(&claims_for(&app, admin))
        .expect("signed");
    let unknown_kid = capstone_platform::access_token::SigningKey::generate("unknown-kid")
        .expect("key")
        .sign(&claims_for(&app, admin))
        .expect("signed");
    let payload = base64_url(&serde_json::to_vec(&claims_for(&app, admin)).expect("json"));
    let alg_none = format!(
        "{}.{payload}.",
        base64_url(br#"{"alg":"none","typ":"JWT","kid":"test-key"}"#)
    );
    // HS256 "signed" with the public key from the JWKS as the HMAC secret.
    let jwks: serde_json::Value = app
        .get("/.well-known/jwks.json")
        .await
        .json()
        .await
        .expect("jwks");
    let public_x = jwks["keys"][0]["x"].as_str().expect("x").to_owned();
    let mut hs256_header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    hs256_header.kid = Some("test-key".into());
    let hs256_with_public_key = jsonwebtoken::encode(
        &hs256_header,
        &claims_for(&app, admin),
        &jsonwebtoken::EncodingKey::from_secret(public_x.as_bytes()),
    )
    .expect("encodes");

    for (case, token) in [
        ("expired", sign_claims(&expired)),
        ("not yet valid", sign_claims(&not_yet)),
        ("wrong audience", sign_claims(&foreign_audience)),
        ("wrong issuer", sign_claims(&foreign_issuer)),
        ("tampered signature", tampered),
        ("signed by another key", foreign_key),
        ("unknown kid", unknown_kid),
        ("alg none", alg_none),
        ("HS256 with the public key", hs256_with_public_key),
        ("garbage", "not-a-token".to_owned()),
    ] {
        let response = app.get_as("/api/v1/users", &token).await;

        let problem = assert_problem(response, 401).await;
        assert_eq!(
            problem.detail.as_deref(),
            Some("Send a valid access token: `Authorization: Bearer <token>`."),
            "{case}"
        );
    }
}

#[tokio::test]
async fn a_plain_user_may_not_list_create_or_touch_others() {
    let app = spawn_app().await;
    let other = app.create_user("grace@example.com", "Grace").await;
    let me = app.create_user("ada@example.com", "Ada").await;
    let token = app.token_for(me.id, Role::User);

    let list = app.get_as("/api/v1/users", &token).await;
    let read_other = app
        .get_as(&format!("/api/v1/users/{}", other.id), &token)
        .await;
    let patch_other = app
        .patch_user_as(other.id, &json!({"display_name": "Hacked"}), &token)
        .await;
    let create = app
        .client
        .post(app.url("/api/v1/users"))
        .bearer_auth(&token)
        .json(&json!({"email": "x@example.com", "display_name": "X"}))
        .send()
        .await
        .expect("sent");
    let delete_other = app
        .client
        .delete(app.url(&format!("/api/v1/users/{}", other.id)))
        .bearer_auth(&token)
        .send()
        .await
        .expect("sent");

    for response in [list, read_other, patch_other, create, delete_other] {
        assert_problem(response, 403).await;
    }
    let untouched = app.get_user(&other.id.to_string()).await;
    assert_eq!(untouched.status(), 200, "the other account still exists");
}

#[tokio::test]
async fn a_user_may_read_and_update_themselves_but_not_their_role() {
    let app = spawn_app().await;
    let me = app.create_user("ada@example.com", "Ada").await;
    let token = app.token_for(me.id, Role::User);

    let read = app
        .get_as(&format!("/api/v1/users/{}", me.id), &token)
        .await;
    let rename = app
        .patch_user_as(me.id, &json!({"display_name": "Ada King"}), &token)
        .await;
    let promote = app
        .patch_user_as(me.id, &json!({"role": "admin"}), &token)
        .await;

    assert_eq!(read.status(), 200);
    assert_eq!(rename.status(), 200);
    assert_problem(promote, 403).await;
}

#[tokio::test]
async fn an_admin_may_change_roles_and_the_next_refresh_carries_the_new_role() {
    let app = spawn_app().await;
    let user = app.register("ada@example.com").await;
    let login: serde_json::Value = app
        .login("ada@example.com", crate::helpers::TEST_PASSWORD)
        .await
        .json()
        .await
        .expect("tokens");

    let promoted = app.patch_user(user.id, &json!({"role": "admin"})).await;
    let refreshed: serde_json::Value = app
        .post_public(
            "/api/v1/auth/refresh",
            &json!({"refresh_token": login["refresh_token"]}),
        )
        .await
        .json()
        .await
        .expect("tokens");

    assert_eq!(promoted.status(), 200);
    let new_access = refreshed["access_token"].as_str().expect("token");
    assert_eq!(app.get_as("/api/v1/users", new_access).await.status(), 200);
}

#[tokio::test]
async fn a_service_holding_only_the_published_jwks_can_verify_login_tokens() {
    // What the gateway does: fetch the JWKS, build the shared verifier, check.
    let app = spawn_app().await;
    let jwks: jsonwebtoken::jwk::JwkSet = app
        .get("/.well-known/jwks.json")
        .await
        .json()
        .await
        .expect("jwks");
    let verifier = capstone_platform::access_token::TokenVerifier::from_jwks(
        &jwks,
        "capstone-users",
        "capstone",
    )
    .expect("verifier");
    let user = Uuid::now_v7();

    let claims = verifier.verify(&app.token_for(user, Role::User));

    assert_eq!(claims.map(|c| (c.sub, c.role)), Ok((user, Role::User)));
    let kids: Vec<&str> = verifier.key_ids().collect();
    assert_eq!(kids, vec!["test-key"]);
}

#[tokio::test]
async fn seeding_an_admin_promotes_a_registered_account() {
    let app = spawn_app().await;
    app.wait_for_redis().await;
    let user = app.register("ada@example.com").await;
    app.get_user(&user.id.to_string()).await; // now cached in Redis too
    let cached_key = capstone_users::cache::keys::user_key(&app.redis.prefix, user.id);
    assert!(app.redis.keys().contains(&cached_key));
    let mut settings = capstone_users::Settings::load(None).expect("settings");
    settings.database = app.database.settings.clone();
    settings.redis.key_prefix = app.redis.prefix.clone();

    let outcome = capstone_users::seed::ensure_admin(&settings, "Ada@Example.com").await;

    assert!(
        matches!(outcome, Ok(capstone_users::seed::AdminSeed::Promoted)),
        "{outcome:?}"
    );
    assert!(
        !app.redis.keys().contains(&cached_key),
        "the promotion is not hidden behind the Redis copy"
    );
    let login: serde_json::Value = app
        .login("ada@example.com", crate::helpers::TEST_PASSWORD)
        .await
        .json()
        .await
        .expect("tokens");
    let list = app
        .get_as(
            "/api/v1/users",
            login["access_token"].as_str().expect("token"),
        )
        .await;
    assert_eq!(list.status(), 200, "a fresh login carries the admin role");
}
