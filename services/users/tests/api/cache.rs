//! The users cache: hits per layer, invalidation on every write path,
//! negative caching, coalescing, and reads that survive a missing Redis.

use serde_json::json;
use uuid::Uuid;

use capstone_users::domain::Role;

use crate::helpers::{TestApp, UserBody, assert_problem, spawn_app, spawn_app_with};

async fn spawn_cached_app() -> TestApp {
    let app = spawn_app().await;
    app.wait_for_redis().await;
    // The admin's own account is looked up by every admin request (the
    // token check); read it once so the counts below are the user's alone.
    assert_eq!(app.get("/api/v1/users/me").await.status(), 200);
    app
}

async fn read(app: &TestApp, id: Uuid) -> UserBody {
    let response = app.get_user(&id.to_string()).await;
    assert_eq!(response.status(), 200);
    response.json().await.expect("user")
}

/// A read by the user themselves: the token check and the handler look up
/// the same id, one after the other.
async fn read_own(app: &TestApp, id: Uuid) -> UserBody {
    let token = app.token_for(id, Role::User);
    let response = app.get_as(&format!("/api/v1/users/{id}"), &token).await;
    assert_eq!(response.status(), 200);
    response.json().await.expect("user")
}

#[tokio::test]
async fn a_second_read_comes_from_the_process_not_postgres() {
    let app = spawn_cached_app().await;
    let user = app.create_user("ada@example.com", "Ada").await;
    let before = app.cache.snapshot();

    let first = read(&app, user.id).await;
    let after_first = app.cache.snapshot();
    let second = read(&app, user.id).await;
    let after_second = app.cache.snapshot();

    assert_eq!(first, second);
    assert_eq!(after_first.database_loads - before.database_loads, 1);
    assert_eq!(after_second.database_loads, after_first.database_loads);
    // Two lookups hit the process: the admin's token check and the read.
    assert_eq!(after_second.local_hits - after_first.local_hits, 2);
}

#[tokio::test]
async fn when_the_local_entry_expires_redis_answers_and_holds_a_versioned_key() {
    let app = spawn_app_with(|settings| settings.users.cache.local_ttl_ms = 50).await;
    app.wait_for_redis().await;
    let user = app.create_user("ada@example.com", "Ada").await;
    let before = app.cache.snapshot();
    read_own(&app, user.id).await; // the token check loads, the read hits

    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    read_own(&app, user.id).await; // the check finds it in Redis, the read locally

    let counts = app.cache.snapshot();
    assert_eq!(
        (
            counts.database_loads - before.database_loads,
            counts.redis_hits - before.redis_hits
        ),
        (1, 1)
    );
    let key = capstone_users::cache::keys::user_key(&app.redis.prefix, user.id);
    assert!(app.redis.keys().contains(&key), "{:?}", app.redis.keys());
}

#[tokio::test]
async fn every_write_path_invalidates_the_cached_user() {
    let app = spawn_cached_app().await;
    let user = app.register("ada@example.com").await;
    read(&app, user.id).await; // cached from here on

    app.patch_user(user.id, &json!({"display_name": "Ada King"}))
        .await;
    assert_eq!(read(&app, user.id).await.display_name, "Ada King");

    app.patch_user(user.id, &json!({"role": "admin"})).await;
    assert_eq!(read(&app, user.id).await.role, "admin");

    let before = app.cache.snapshot().invalidations;
    // Promoted above: the token must say so (and carry the bumped version).
    let token = app
        .tokens
        .issue_for(user.id, Role::Admin, 1)
        .expect("token")
        .token;
    let changed = app
        .client
        .patch(app.url("/api/v1/users/me/password"))
        .bearer_auth(&token)
        .json(&json!({"current_password": crate::helpers::TEST_PASSWORD, "new_password": "another passphrase"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(changed.status(), 200);
    assert_eq!(app.cache.snapshot().invalidations, before + 1);

    assert_eq!(app.delete_user(user.id).await.status(), 204);
    assert_problem(app.get_user(&user.id.to_string()).await, 404).await;
}

#[tokio::test]
async fn a_missing_user_is_remembered_for_a_short_while() {
    let app = spawn_cached_app().await;
    let unknown = Uuid::now_v7();
    let before = app.cache.snapshot();

    assert_problem(app.get_user(&unknown.to_string()).await, 404).await;
    assert_problem(app.get_user(&unknown.to_string()).await, 404).await;

    assert_eq!(
        app.cache.snapshot().database_loads - before.database_loads,
        1
    );
}

#[tokio::test]
async fn many_concurrent_reads_of_a_cold_user_make_one_database_load() {
    let app = spawn_cached_app().await;
    let user = app.create_user("ada@example.com", "Ada").await;
    let before = app.cache.snapshot();

    let id = user.id.to_string();
    let reads = (0..50).map(|_| app.get_user(&id));
    let responses = futures_util::future::join_all(reads).await;

    assert!(responses.iter().all(|response| response.status() == 200));
    assert_eq!(
        app.cache.snapshot().database_loads - before.database_loads,
        1
    );
}

#[tokio::test]
async fn reads_and_writes_work_without_redis() {
    let app = spawn_app_with(|settings| settings.redis.url = "redis://127.0.0.1:1".into()).await;
    let user = app.create_user("ada@example.com", "Ada").await;
    read(&app, user.id).await;

    let renamed = app
        .patch_user(user.id, &json!({"display_name": "Ada King"}))
        .await;

    assert_eq!(renamed.status(), 200);
    assert_eq!(read(&app, user.id).await.display_name, "Ada King");
    assert!(
        app.cache.snapshot().redis_fallbacks > 0,
        "Redis was skipped, and counted"
    );
}

#[tokio::test]
async fn a_redis_that_never_answers_does_not_slow_reads_down() {
    // Accepts TCP connections (the kernel does) but never speaks Redis.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = silent.local_addr().expect("addr").port();
    let app = spawn_app_with(move |settings| {
        settings.redis.url = format!("redis://127.0.0.1:{port}").into();
    })
    .await;
    let user = app.create_user("ada@example.com", "Ada").await;

    // The outer timeout turns a hang into a failure; the bound under test is
    // the service's own (Redis is never awaited before it is connected).
    let response = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        app.get_user(&user.id.to_string()),
    )
    .await
    .expect("the read must not hang on Redis");

    assert_eq!(response.status(), 200);
    drop(silent);
}

#[tokio::test]
async fn a_cached_entry_that_no_longer_passes_the_domain_rules_is_a_miss() {
    let app = spawn_cached_app().await;
    let user = app.create_user("ada@example.com", "Ada").await;
    // Valid JSON of the right shape, but an email today's rules refuse.
    let stale = json!({"Found": {
        "id": user.id, "email": "not-an-email", "display_name": "Ada", "role": "user",
        "email_verified_at": null, "created_at": user.created_at, "updated_at": user.updated_at,
        "auth_version": 0, "disabled_at": null
    }});
    app.redis.set(
        &capstone_users::cache::keys::user_key(&app.redis.prefix, user.id),
        &stale.to_string(),
    );

    let before = app.cache.snapshot();
    let fetched = read(&app, user.id).await;

    assert_eq!(fetched.email, "ada@example.com", "reloaded from Postgres");
    assert_eq!(
        app.cache.snapshot().database_loads - before.database_loads,
        1
    );
}
