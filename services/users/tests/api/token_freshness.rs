//! Access tokens that stop working before they expire: the account behind
//! them was deleted, disabled, demoted or had its password changed. Each
//! test first shows the token working, then the change, then the refusal.

use std::time::{Duration, Instant};

use capstone_platform::testing::eventually;
use capstone_users::domain::Role;
use serde_json::{Value, json};

use crate::helpers::{TEST_PASSWORD, TestApp, assert_problem, spawn_app, spawn_app_with};

/// An admin made by the test's admin, and a token for them (a fresh
/// account: auth version 0).
async fn second_admin(app: &TestApp, email: &str) -> (uuid::Uuid, String) {
    let created = app
        .post_user(&json!({"email": email, "display_name": "Second", "role": "admin"}))
        .await;
    assert_eq!(created.status(), 201);
    let id = created
        .json::<crate::helpers::UserBody>()
        .await
        .expect("user")
        .id;
    (id, app.token_for(id, Role::Admin))
}

async fn access_token(response: reqwest::Response) -> (String, String) {
    assert_eq!(response.status(), 200, "logged in");
    let body: Value = response.json().await.expect("json");
    (
        body["access_token"].as_str().expect("access").to_owned(),
        body["refresh_token"].as_str().expect("refresh").to_owned(),
    )
}

async fn create_admin_as(app: &TestApp, token: &str, email: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/users"))
        .bearer_auth(token)
        .json(&json!({"email": email, "display_name": "Made", "role": "admin"}))
        .send()
        .await
        .expect("sent")
}

#[tokio::test]
async fn a_deleted_admins_token_can_neither_list_users_nor_make_admins() {
    let app = spawn_app().await;
    let (admin, token) = second_admin(&app, "second@example.com").await;
    assert_eq!(app.get_as("/api/v1/users", &token).await.status(), 200);

    assert_eq!(app.delete_user(admin).await.status(), 204);

    assert_problem(app.get_as("/api/v1/users", &token).await, 401).await;
    assert_problem(
        create_admin_as(&app, &token, "sleeper@example.com").await,
        401,
    )
    .await;
    let sleepers = app.list_page("email_prefix=sleeper").await;
    assert!(sleepers.items.is_empty(), "nothing was created");
}

#[tokio::test]
async fn a_demoted_admins_old_token_is_refused_and_a_fresh_login_carries_the_new_role() {
    let app = spawn_app().await;
    let user = app.register("ada@example.com").await;
    let promoted = app.patch_user(user.id, &json!({"role": "admin"})).await;
    assert_eq!(promoted.status(), 200);
    let (admin_token, _) = access_token(app.login("ada@example.com", TEST_PASSWORD).await).await;
    assert_eq!(
        app.get_as("/api/v1/users", &admin_token).await.status(),
        200
    );

    let demoted = app.patch_user(user.id, &json!({"role": "user"})).await;
    assert_eq!(demoted.status(), 200);

    assert_problem(app.get_as("/api/v1/users", &admin_token).await, 401).await;
    assert_problem(app.get_as("/api/v1/users/me", &admin_token).await, 401).await;
    let (user_token, _) = access_token(app.login("ada@example.com", TEST_PASSWORD).await).await;
    assert_eq!(
        app.get_as("/api/v1/users/me", &user_token).await.status(),
        200
    );
    assert_problem(app.get_as("/api/v1/users", &user_token).await, 403).await;
}

#[tokio::test]
async fn a_disabled_account_loses_its_tokens_its_sessions_and_its_login_until_reactivated() {
    let app = spawn_app().await;
    let user = app.register("ada@example.com").await;
    let (access, refresh) = access_token(app.login("ada@example.com", TEST_PASSWORD).await).await;
    assert_eq!(app.get_as("/api/v1/users/me", &access).await.status(), 200);

    let disabled = app.patch_user(user.id, &json!({"disabled": true})).await;
    assert_eq!(disabled.status(), 200);
    let body: Value = disabled.json().await.expect("json");
    assert!(body["disabled_at"].is_string(), "{body}");

    assert_problem(app.get_as("/api/v1/users/me", &access).await, 401).await;
    let refreshed = app
        .post_public("/api/v1/auth/refresh", &json!({"refresh_token": refresh}))
        .await;
    assert_problem(refreshed, 401).await;
    let login = assert_problem(app.login("ada@example.com", TEST_PASSWORD).await, 403).await;
    assert_eq!(login.problem_type, "urn:capstone:problem:account-disabled");
    let wrong = app.login("ada@example.com", "not the password").await;
    assert_problem(wrong, 401).await; // nothing said without the password

    let enabled = app.patch_user(user.id, &json!({"disabled": false})).await;
    assert_eq!(enabled.status(), 200);
    let (fresh, _) = access_token(app.login("ada@example.com", TEST_PASSWORD).await).await;
    assert_eq!(app.get_as("/api/v1/users/me", &fresh).await.status(), 200);
    assert_problem(app.get_as("/api/v1/users/me", &access).await, 401).await;
}

#[tokio::test]
async fn only_admins_disable_and_nobody_disables_or_re_roles_themselves() {
    let app = spawn_app().await;
    let user = app.register("ada@example.com").await;
    let own = app.token_for(user.id, Role::User);

    let by_user = app
        .patch_user_as(user.id, &json!({"disabled": true}), &own)
        .await;
    assert_problem(by_user, 403).await;
    for change in [json!({"disabled": true}), json!({"role": "user"})] {
        let by_self = app.patch_user(app.admin_id, &change).await;
        let problem = assert_problem(by_self, 403).await;
        assert_eq!(
            problem.problem_type,
            "urn:capstone:problem:self-administration"
        );
    }
}

#[tokio::test]
async fn a_password_change_retires_every_earlier_access_token() {
    let app = spawn_app().await;
    app.register("ada@example.com").await;
    let (first, _) = access_token(app.login("ada@example.com", TEST_PASSWORD).await).await;
    let (second, _) = access_token(app.login("ada@example.com", TEST_PASSWORD).await).await;

    let changed = app
        .client
        .patch(app.url("/api/v1/users/me/password"))
        .bearer_auth(&first)
        .json(&json!({"current_password": TEST_PASSWORD, "new_password": "a brand new passphrase"}))
        .send()
        .await
        .expect("sent");
    let (fresh, _) = access_token(changed).await;

    for old in [&first, &second] {
        assert_problem(app.get_as("/api/v1/users/me", old).await, 401).await;
    }
    assert_eq!(app.get_as("/api/v1/users/me", &fresh).await.status(), 200);
}

#[tokio::test]
async fn another_instance_refuses_a_deleted_admins_token_within_its_local_cache_ttl() {
    let ttl = Duration::from_millis(500);
    let app = spawn_app_with(|settings| settings.users.cache.local_ttl_ms = 500).await;
    app.wait_for_redis().await;
    let sibling = app.spawn_sibling().await;
    let (admin, token) = second_admin(&app, "second@example.com").await;
    let on_sibling = |token: String| {
        let client = app.client.clone();
        let url = format!("{}/api/v1/users", sibling.address);
        async move {
            client
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .expect("sent")
                .status()
        }
    };
    assert_eq!(
        on_sibling(token.clone()).await,
        200,
        "cached on the sibling now"
    );

    assert_eq!(app.delete_user(admin).await.status(), 204);
    let deleted_at = Instant::now();

    // Correctness with a bound, not a speed claim: the sibling's copy may
    // live one TTL; well past that the token must be refused.
    let refused_after = eventually("the sibling to refuse a deleted admin", ttl * 6, || async {
        (on_sibling(token.clone()).await == 401).then(|| deleted_at.elapsed())
    })
    .await;
    assert!(refused_after <= ttl * 6, "{refused_after:?}");
}
