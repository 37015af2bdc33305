//! Changing an account's address: the password and a confirmation from the
//! new mailbox for the user, a notice with a way back to the old one, at
//! once and audited for an admin. The first test is the attack this flow
//! closes: a stolen access token used to move the account, then a reset.

use capstone_contracts::events::Event;
use serde_json::{Value, json};

use crate::helpers::{TEST_PASSWORD, TestApp, UserBody, assert_problem, spawn_app, spawn_app_with};

async fn logged_in(app: &TestApp, email: &str) -> (UserBody, String, String) {
    let user = app.register(email).await;
    let response = app.login(email, TEST_PASSWORD).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("tokens");
    let access = body["access_token"].as_str().expect("access").to_owned();
    let refresh = body["refresh_token"].as_str().expect("refresh").to_owned();
    (user, access, refresh)
}

async fn request_change(
    app: &TestApp,
    token: &str,
    new_email: &str,
    password: &str,
) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/users/me/email"))
        .bearer_auth(token)
        .json(&json!({"new_email": new_email, "current_password": password}))
        .send()
        .await
        .expect("sent")
}

async fn me(app: &TestApp, token: &str) -> UserBody {
    let response = app.get_as("/api/v1/users/me", token).await;
    assert_eq!(response.status(), 200);
    response.json().await.expect("me")
}

#[tokio::test]
async fn a_stolen_access_token_alone_cannot_move_the_account_or_its_resets() {
    let app = spawn_app().await;
    let (user, stolen, _) = logged_in(&app, "ada@example.com").await;

    let patched = app
        .patch_user_as(user.id, &json!({"email": "mallory@evil.example"}), &stolen)
        .await;
    let problem = assert_problem(patched, 403).await;
    assert_eq!(
        problem.problem_type,
        "urn:capstone:problem:reauthentication-required"
    );
    let guessed = request_change(&app, &stolen, "mallory@evil.example", "a guess").await;
    let problem = assert_problem(guessed, 403).await;
    assert_eq!(
        problem.field_codes(),
        vec![("#/current_password", "mismatch")]
    );
    assert!(
        app.outbox(Some("user.email_change_requested"))
            .await
            .is_empty()
    );

    let forgot = app
        .post_public(
            "/api/v1/auth/forgot-password",
            &json!({"email": "ada@example.com"}),
        )
        .await;
    assert_eq!(forgot.status(), 202);
    let resets = app.outbox(Some("user.password_reset_requested")).await;
    let Event::PasswordResetRequested(reset) = &resets[0].envelope.event else {
        panic!("a reset event");
    };
    assert_eq!(
        reset.email, "ada@example.com",
        "the reset goes to the owner"
    );
    assert_eq!(me(&app, &stolen).await.email, "ada@example.com");
}

#[tokio::test]
async fn a_change_takes_effect_only_when_the_new_address_confirms_it_and_only_once() {
    let app = spawn_app().await;
    let (user, access, _) = logged_in(&app, "ada@example.com").await;

    let requested = request_change(&app, &access, "ada@new.example", TEST_PASSWORD).await;
    assert_eq!(requested.status(), 202);
    assert_eq!(
        me(&app, &access).await.email,
        "ada@example.com",
        "nothing changed yet"
    );

    let token = json!({"token": app.link_token("ada@new.example").await});
    let confirmed = app
        .post_public("/api/v1/auth/confirm-email-change", &token)
        .await;
    assert_eq!(confirmed.status(), 204);

    let moved = me(&app, &access).await;
    assert_eq!(moved.email, "ada@new.example");
    assert!(
        moved.email_verified_at.is_some(),
        "the new mailbox confirmed it"
    );
    let notices = app.outbox(Some("user.email_changed")).await;
    let Event::UserEmailChanged(notice) = &notices[0].envelope.event else {
        panic!("a user.email_changed event");
    };
    assert_eq!(
        (notice.old_email.as_str(), notice.by_admin),
        ("ada@example.com", false)
    );
    assert_eq!(notice.user_id, user.id);
    let again = app
        .post_public("/api/v1/auth/confirm-email-change", &token)
        .await;
    let again = assert_problem(again, 403).await;
    assert_eq!(again.problem_type, "urn:capstone:problem:invalid-link");
}

#[tokio::test]
async fn the_old_address_undoes_a_change_and_locks_out_whoever_made_it() {
    let app = spawn_app().await;
    let (_, attacker_access, attacker_refresh) = logged_in(&app, "ada@example.com").await;
    request_change(
        &app,
        &attacker_access,
        "mallory@evil.example",
        TEST_PASSWORD,
    )
    .await;
    let confirmation = app.link_token("mallory@evil.example").await;
    let confirmed = app
        .post_public(
            "/api/v1/auth/confirm-email-change",
            &json!({"token": confirmation}),
        )
        .await;
    assert_eq!(confirmed.status(), 204);

    let undo = app.link_token("ada@example.com").await;
    let undone = app
        .post_public(
            "/api/v1/auth/undo-email-change",
            &json!({"token": undo, "new_password": "the owner's new passphrase"}),
        )
        .await;

    assert_eq!(undone.status(), 204);
    assert_problem(app.get_as("/api/v1/users/me", &attacker_access).await, 401).await;
    let refreshed = app
        .post_public(
            "/api/v1/auth/refresh",
            &json!({"refresh_token": attacker_refresh}),
        )
        .await;
    assert_problem(refreshed, 401).await;
    assert_problem(app.login("ada@example.com", TEST_PASSWORD).await, 401).await;
    let owner = app
        .login("ada@example.com", "the owner's new passphrase")
        .await;
    assert_eq!(owner.status(), 200, "the old address and the new password");
    let again = app
        .post_public(
            "/api/v1/auth/undo-email-change",
            &json!({"token": app.link_token("ada@example.com").await, "new_password": "yet another passphrase"}),
        )
        .await;
    assert_problem(again, 403).await;
}

#[tokio::test]
async fn confirming_an_address_taken_meanwhile_is_a_409_that_changes_nothing() {
    let app = spawn_app().await;
    let (_, access, _) = logged_in(&app, "ada@example.com").await;
    request_change(&app, &access, "grace@example.com", TEST_PASSWORD).await;
    let token = app.link_token("grace@example.com").await;
    app.register("grace@example.com").await;

    let confirmed = app
        .post_public(
            "/api/v1/auth/confirm-email-change",
            &json!({"token": token}),
        )
        .await;

    let problem = assert_problem(confirmed, 409).await;
    assert_eq!(problem.problem_type, "urn:capstone:problem:email-taken");
    assert_eq!(me(&app, &access).await.email, "ada@example.com");
    assert!(app.outbox(Some("user.email_changed")).await.is_empty());
}

#[tokio::test]
async fn an_admin_moves_another_account_at_once_and_is_named_in_the_event() {
    let app = spawn_app().await;
    let user = app.register("ada@example.com").await;

    let moved = app
        .patch_user(user.id, &json!({"email": "ada@support.example"}))
        .await;

    assert_eq!(moved.status(), 200);
    let body: UserBody = moved.json().await.expect("user");
    assert_eq!(body.email, "ada@support.example");
    assert_eq!(body.email_verified_at, None, "unproven until verified");
    let notices = app.outbox(Some("user.email_changed")).await;
    assert_eq!(notices.len(), 1);
    let envelope = &notices[0].envelope;
    assert_eq!(
        envelope.actor,
        Some(app.admin_id),
        "the audit trail names the admin"
    );
    let Event::UserEmailChanged(notice) = &envelope.event else {
        panic!("a user.email_changed event");
    };
    assert!(notice.by_admin);
    assert_eq!(
        notice.old_email, "ada@example.com",
        "the old address is told"
    );
    let updated = app.outbox(Some("user.updated")).await;
    assert_eq!(
        updated.last().expect("updated").envelope.actor,
        Some(app.admin_id)
    );
}

#[tokio::test]
async fn password_guesses_through_re_authentication_are_throttled_like_logins() {
    let app = spawn_app_with(|settings| {
        settings.users.auth.login_throttle.max_failures_per_account = 3;
        settings.redis.timeout_ms = 2_000;
    })
    .await;
    app.wait_for_redis().await;
    let (_, access, _) = logged_in(&app, "ada@example.com").await;

    for guess in ["one", "two", "three"] {
        let response = request_change(&app, &access, "x@evil.example", guess).await;
        assert_problem(response, 403).await;
    }
    let limited = request_change(&app, &access, "x@evil.example", TEST_PASSWORD).await;

    let problem = assert_problem(limited, 429).await;
    assert_eq!(
        problem.problem_type,
        "urn:capstone:problem:too-many-login-attempts"
    );
}
