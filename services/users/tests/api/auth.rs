//! Registration, login, refresh, logout and password change, end to end.

use serde_json::{Value, json};

use crate::helpers::{TEST_PASSWORD, TestApp, UserBody, assert_problem, header, spawn_app};

const PASSWORD: &str = TEST_PASSWORD;

async fn tokens(response: reqwest::Response) -> (String, String) {
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    (
        body["access_token"].as_str().expect("access").to_owned(),
        body["refresh_token"].as_str().expect("refresh").to_owned(),
    )
}

async fn refresh(app: &TestApp, refresh_token: &str) -> reqwest::Response {
    app.post_public(
        "/api/v1/auth/refresh",
        &json!({"refresh_token": refresh_token}),
    )
    .await
}

#[tokio::test]
async fn register_creates_a_plain_user_who_can_log_in_and_answers_nothing_about_it() {
    let app = spawn_app().await;

    let response = app
        .post_public(
            "/api/v1/auth/register",
            &json!({"email": "ada@example.com", "password": PASSWORD, "display_name": "Ada"}),
        )
        .await;

    assert_eq!(response.status(), 202);
    assert_eq!(header(&response, "location"), None);
    assert_eq!(
        response.text().await.expect("body"),
        "",
        "no account in the answer"
    );
    let (access, _) = tokens(app.login("ada@example.com", PASSWORD).await).await;
    let me: UserBody = app
        .get_as("/api/v1/users/me", &access)
        .await
        .json()
        .await
        .expect("me");
    assert_eq!(me.role, "user");
    assert_eq!(me.email_verified_at, None);
}

// ANCHOR: enumeration_safe_registration
#[tokio::test]
async fn registering_a_taken_address_answers_the_same_and_tells_its_owner_instead() {
    let app = spawn_app().await;
    let owner = app.register("ada@example.com").await;
    let body = |email: &str| json!({"email": email, "password": "an attacker's password", "display_name": "Eve"});

    let taken = app
        .post_public("/api/v1/auth/register", &body("ADA@example.com"))
        .await;
    let new = app
        .post_public("/api/v1/auth/register", &body("grace@example.com"))
        .await;

    assert_eq!((taken.status().as_u16(), new.status().as_u16()), (202, 202));
    let (taken_headers, new_headers) = (taken.headers().clone(), new.headers().clone());
    assert_eq!(
        taken_headers.get("content-length"),
        new_headers.get("content-length")
    );
    assert_eq!(
        taken.text().await.expect("body"),
        new.text().await.expect("body")
    );
    // The owner gets a notice; the account is untouched, its password too.
    let attempts = app.outbox(Some("user.registration_attempted")).await;
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0].envelope.event.user_id(), owner.id);
    assert_problem(
        app.login("ada@example.com", "an attacker's password").await,
        401,
    )
    .await;
    tokens(app.login("ada@example.com", PASSWORD).await).await;
}
// ANCHOR_END: enumeration_safe_registration

#[tokio::test]
async fn register_applies_the_password_policy() {
    let app = spawn_app().await;

    let short = app
        .post_public(
            "/api/v1/auth/register",
            &json!({"email": "ada@example.com", "password": "short", "display_name": "Ada"}),
        )
        .await;
    let same_as_email = app
        .post_public(
            "/api/v1/auth/register",
            &json!({"email": "ada@example.com", "password": "ADA@example.com", "display_name": "Ada"}),
        )
        .await;

    let problem = assert_problem(short, 422).await;
    assert_eq!(problem.field_codes(), vec![("#/password", "length")]);
    let problem = assert_problem(same_as_email, 422).await;
    assert_eq!(problem.field_codes(), vec![("#/password", "same_as_email")]);
}

#[tokio::test]
async fn login_returns_a_token_pair_that_opens_me() {
    let app = spawn_app().await;
    let user = app.register("ada@example.com").await;

    let (access, _refresh) = tokens(app.login("ADA@example.com", PASSWORD).await).await;
    let me = app.get_as("/api/v1/users/me", &access).await;

    assert_eq!(me.status(), 200);
    let me: UserBody = me.json().await.expect("user");
    assert_eq!(me.id, user.id);
}

#[tokio::test]
async fn wrong_password_and_unknown_email_get_the_same_401() {
    let app = spawn_app().await;
    app.register("ada@example.com").await;

    let wrong_password = app.login("ada@example.com", "not the password").await;
    let unknown_email = app.login("nobody@example.com", PASSWORD).await;

    assert_eq!(
        header(&wrong_password, "www-authenticate").as_deref(),
        Some("Bearer realm=\"capstone\""),
        "every 401 names its scheme (RFC 9110)"
    );
    let one = assert_problem(wrong_password, 401).await;
    let two = assert_problem(unknown_email, 401).await;
    assert_eq!(one.problem_type, "urn:capstone:problem:invalid-credentials");
    assert_eq!(
        (one.problem_type, one.detail),
        (two.problem_type, two.detail)
    );
}

#[tokio::test]
async fn an_account_created_by_an_admin_without_password_cannot_log_in() {
    let app = spawn_app().await;
    app.create_user("ada@example.com", "Ada").await;

    let response = app.login("ada@example.com", "").await;
    let with_a_guess = app.login("ada@example.com", PASSWORD).await;

    assert_problem(response, 422).await;
    assert_problem(with_a_guess, 401).await;
}

#[tokio::test]
async fn refresh_rotates_the_token_and_the_old_one_stops_working() {
    let app = spawn_app().await;
    app.register("ada@example.com").await;
    let (_, first) = tokens(app.login("ada@example.com", PASSWORD).await).await;

    let (access, second) = tokens(refresh(&app, &first).await).await;

    assert_ne!(first, second);
    assert_eq!(app.get_as("/api/v1/users/me", &access).await.status(), 200);
    let reuse = assert_problem(refresh(&app, &first).await, 401).await;
    assert_eq!(
        reuse.problem_type,
        "urn:capstone:problem:invalid-refresh-token"
    );
}

#[tokio::test]
async fn reusing_a_refresh_token_revokes_the_whole_family() {
    let app = spawn_app().await;
    app.register("ada@example.com").await;
    let (_, stolen) = tokens(app.login("ada@example.com", PASSWORD).await).await;
    // The legitimate client refreshes; the thief then replays the old token.
    let (_, legitimate) = tokens(refresh(&app, &stolen).await).await;

    assert_problem(refresh(&app, &stolen).await, 401).await;

    // The legitimate client's newer token died with the family.
    assert_problem(refresh(&app, &legitimate).await, 401).await;
}

#[tokio::test]
async fn other_sessions_survive_one_sessions_theft() {
    let app = spawn_app().await;
    app.register("ada@example.com").await;
    let (_, laptop) = tokens(app.login("ada@example.com", PASSWORD).await).await;
    let (_, phone) = tokens(app.login("ada@example.com", PASSWORD).await).await;
    tokens(refresh(&app, &laptop).await).await;

    assert_problem(refresh(&app, &laptop).await, 401).await;

    assert_eq!(refresh(&app, &phone).await.status(), 200, "another family");
}

#[tokio::test]
async fn logout_ends_the_session_and_is_idempotent() {
    let app = spawn_app().await;
    app.register("ada@example.com").await;
    let (_, refresh_token) = tokens(app.login("ada@example.com", PASSWORD).await).await;
    let body = json!({"refresh_token": refresh_token});

    let first = app.post_public("/api/v1/auth/logout", &body).await;
    let second = app.post_public("/api/v1/auth/logout", &body).await;

    assert_eq!(first.status(), 204);
    assert_eq!(second.status(), 204);
    assert_problem(refresh(&app, &refresh_token).await, 401).await;
}

#[tokio::test]
async fn a_deleted_users_refresh_token_stops_working() {
    let app = spawn_app().await;
    let user = app.register("ada@example.com").await;
    let (_, refresh_token) = tokens(app.login("ada@example.com", PASSWORD).await).await;

    assert_eq!(app.delete_user(user.id).await.status(), 204);

    assert_problem(refresh(&app, &refresh_token).await, 401).await;
}

#[tokio::test]
async fn an_unknown_or_expired_refresh_token_is_401() {
    let app = spawn_app().await;
    app.register("ada@example.com").await;
    let (_, refresh_token) = tokens(app.login("ada@example.com", PASSWORD).await).await;
    crate::helpers::execute_on(
        &app,
        "UPDATE refresh_tokens SET expires_at = now() - interval '1 second'",
    )
    .await;

    assert_problem(refresh(&app, "never-issued").await, 401).await;
    assert_problem(refresh(&app, &refresh_token).await, 401).await;
}

#[tokio::test]
async fn changing_the_password_needs_the_current_one_and_ends_other_sessions() {
    let app = spawn_app().await;
    app.register("ada@example.com").await;
    let (access, other_session) = tokens(app.login("ada@example.com", PASSWORD).await).await;
    let change = |current: &'static str| {
        app.client
            .patch(app.url("/api/v1/users/me/password"))
            .bearer_auth(&access)
            .json(&json!({"current_password": current, "new_password": "a brand new passphrase"}))
            .send()
    };

    let wrong = change("not the password").await.expect("sent");
    let right = change(PASSWORD).await.expect("sent");

    let problem = assert_problem(wrong, 403).await;
    assert_eq!(
        problem.field_codes(),
        vec![("#/current_password", "mismatch")]
    );
    let (new_access, _) = tokens(right).await;
    assert_eq!(
        app.get_as("/api/v1/users/me", &new_access).await.status(),
        200
    );
    assert_problem(refresh(&app, &other_session).await, 401).await;
    assert_problem(app.login("ada@example.com", PASSWORD).await, 401).await;
    assert_eq!(
        app.login("ada@example.com", "a brand new passphrase")
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn sql_looking_input_is_stored_literally() {
    let app = spawn_app().await;
    let email = "o'reilly+x@example.com";
    let name = "Robert'); DROP TABLE users;--";
    let password = "' OR '1'='1' --";
    let registered = app
        .post_public(
            "/api/v1/auth/register",
            &json!({"email": email, "password": password, "display_name": name}),
        )
        .await;
    assert_eq!(registered.status(), 202);

    let (access, _) = tokens(app.login(email, password).await).await;
    let me: UserBody = app
        .get_as("/api/v1/users/me", &access)
        .await
        .json()
        .await
        .expect("user");

    assert_eq!(me.email, email);
    assert_eq!(me.display_name, name);
    assert_problem(app.login(email, "' OR 1=1 --").await, 401).await;
    let page = app.list_page("email_prefix=%27%20OR%201%3D1").await;
    assert!(page.items.is_empty(), "a prefix is a prefix, not SQL");
}

#[tokio::test]
async fn a_unicode_domain_and_its_punycode_spelling_are_one_account() {
    let app = spawn_app().await;
    let account = app.register("ada@bücher.example").await;
    assert_eq!(
        account.email, "ada@xn--bcher-kva.example",
        "stored in its ASCII form"
    );

    let again = app
        .post_public(
            "/api/v1/auth/register",
            &json!({"email": "ADA@xn--BCHER-kva.example", "password": "another passphrase", "display_name": "Eve"}),
        )
        .await;

    assert_eq!(again.status(), 202);
    let attempts = app.outbox(Some("user.registration_attempted")).await;
    assert_eq!(attempts.len(), 1, "the same mailbox: the owner is told");
    for spelling in [
        "ada@bücher.example",
        "ada@xn--bcher-kva.example",
        "ADA@BÜCHER.example",
    ] {
        tokens(app.login(spelling, PASSWORD).await).await;
    }
}
