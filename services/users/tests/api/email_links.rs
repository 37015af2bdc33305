//! Verify-email and password-reset, with the link token read from the
//! outbox (the worker's part, sending the email, is tested end to end in
//! crates/capstone/tests).

use serde_json::json;

use capstone_users::domain::Role;

use crate::helpers::{TEST_PASSWORD, assert_problem, spawn_app};

#[tokio::test]
async fn the_registration_link_verifies_the_address_once_and_for_all() {
    let app = spawn_app().await;
    let user = app.register("ada@example.com").await;
    assert!(user.email_verified_at.is_none());
    let token = app.link_token("ada@example.com").await;

    let verified = app
        .post_public("/api/v1/auth/verify-email", &json!({"token": token}))
        .await;
    assert_eq!(verified.status(), 204);
    let again = app
        .post_public("/api/v1/auth/verify-email", &json!({"token": token}))
        .await;
    assert_eq!(again.status(), 204, "verifying twice is harmless");

    let stored = app.get(&format!("/api/v1/users/{}", user.id)).await;
    let body: serde_json::Value = stored.json().await.expect("json");
    assert!(body["email_verified_at"].is_string());
    let updates = app.outbox(Some("user.updated")).await;
    assert_eq!(
        updates.len(),
        1,
        "one event for the change, none for the repeat"
    );
}

#[tokio::test]
async fn a_new_verification_email_carries_a_fresh_link_until_the_address_is_verified() {
    let app = spawn_app().await;
    let user = app.register("ada@example.com").await;
    let token = app.token_for(user.id, Role::User);

    let asked = app
        .post_empty_as("/api/v1/users/me/verification-email", &token)
        .await;
    assert_eq!(asked.status(), 202);
    let requested = app.outbox(Some("user.email_verification_requested")).await;
    assert_eq!(requested.len(), 1, "one event per request");
    assert_eq!(
        requested[0].envelope.event.user_id(),
        user.id,
        "the event is about the caller"
    );
    let fresh = app.link_token("ada@example.com").await;
    assert_eq!(
        app.post_public("/api/v1/auth/verify-email", &json!({"token": fresh}))
            .await
            .status(),
        204,
        "the new link verifies"
    );

    let again = app
        .post_empty_as("/api/v1/users/me/verification-email", &token)
        .await;
    assert!(
        assert_problem(again, 409)
            .await
            .problem_type
            .ends_with("already-verified")
    );
    assert_eq!(
        app.outbox(Some("user.email_verification_requested"))
            .await
            .len(),
        1,
        "no email once verified"
    );
}

#[tokio::test]
async fn forged_foreign_and_stale_links_are_refused() {
    let app = spawn_app().await;
    let user = app.register("ada@example.com").await;
    let token = app.link_token("ada@example.com").await;

    let forged = app
        .post_public("/api/v1/auth/verify-email", &json!({"token": "a.b.c"}))
        .await;
    assert!(
        assert_problem(forged, 403)
            .await
            .problem_type
            .ends_with("invalid-link")
    );
    // A verification token cannot reset a password.
    let foreign = app
        .post_public(
            "/api/v1/auth/reset-password",
            &json!({"token": token, "new_password": "another good password"}),
        )
        .await;
    assert!(
        assert_problem(foreign, 403)
            .await
            .problem_type
            .ends_with("invalid-link")
    );
    // After an address change, the old address's link is dead.
    let moved = app
        .patch_user(user.id, &json!({"email": "lovelace@example.com"}))
        .await;
    assert_eq!(moved.status(), 200);
    let stale = app
        .post_public("/api/v1/auth/verify-email", &json!({"token": token}))
        .await;
    assert!(
        assert_problem(stale, 403)
            .await
            .problem_type
            .ends_with("invalid-link")
    );
}

#[tokio::test]
async fn a_reset_link_sets_a_new_password_ends_sessions_and_works_once() {
    let app = spawn_app().await;
    app.register("ada@example.com").await;
    let session: serde_json::Value = app
        .login("ada@example.com", TEST_PASSWORD)
        .await
        .json()
        .await
        .expect("tokens");

    let asked = app
        .post_public(
            "/api/v1/auth/forgot-password",
            &json!({"email": "ada@example.com"}),
        )
        .await;
    assert_eq!(asked.status(), 202);
    let unknown = app
        .post_public(
            "/api/v1/auth/forgot-password",
            &json!({"email": "nobody@example.com"}),
        )
        .await;
    assert_eq!(
        unknown.status(),
        202,
        "the same answer for unknown addresses"
    );
    assert_eq!(
        app.outbox(Some("user.password_reset_requested"))
            .await
            .len(),
        1
    );
    let token = app.link_token("ada@example.com").await;

    let reset = json!({"token": token, "new_password": "a brand new passphrase"});
    assert_eq!(
        app.post_public("/api/v1/auth/reset-password", &reset)
            .await
            .status(),
        204
    );
    assert_eq!(
        app.login("ada@example.com", "a brand new passphrase")
            .await
            .status(),
        200
    );
    assert_eq!(
        app.login("ada@example.com", TEST_PASSWORD).await.status(),
        401
    );
    let refreshed = app
        .post_public(
            "/api/v1/auth/refresh",
            &json!({"refresh_token": session["refresh_token"]}),
        )
        .await;
    assert_eq!(refreshed.status(), 401, "the old session was revoked");
    let reused = app.post_public("/api/v1/auth/reset-password", &reset).await;
    assert!(
        assert_problem(reused, 403)
            .await
            .problem_type
            .ends_with("invalid-link")
    );
}

#[tokio::test]
async fn a_reset_with_a_weak_password_is_a_field_error_and_keeps_the_link_usable() {
    let app = spawn_app().await;
    app.register("ada@example.com").await;
    app.post_public(
        "/api/v1/auth/forgot-password",
        &json!({"email": "ada@example.com"}),
    )
    .await;
    let token = app.link_token("ada@example.com").await;

    let weak = app
        .post_public(
            "/api/v1/auth/reset-password",
            &json!({"token": token, "new_password": "ada@example.com"}),
        )
        .await;
    assert_eq!(weak.status(), 422);
    let good = app
        .post_public(
            "/api/v1/auth/reset-password",
            &json!({"token": token, "new_password": "a brand new passphrase"}),
        )
        .await;
    assert_eq!(good.status(), 204);
}
