//! The users service on a Redis Cluster of three masters and three replicas
//! that the test starts (`RedisCluster`): the cache, the login throttle and
//! idempotency keys work across shards, and a master dying mid-test costs
//! no correctness (reads fall back to Postgres, and an invalidation that
//! could not reach the dead shard lands once its replica takes over).

use std::time::Duration;

use capstone_platform::{
    settings::RedisSettings,
    testing::{PATIENCE, RedisCluster, eventually},
};
use capstone_users::cache::keys::user_key;
use serde_json::{Value, json};

use crate::{
    helpers::{TEST_PASSWORD, TestApp, spawn_app_with},
    idempotency::post_keyed,
};

/// The service with its Redis on `cluster`; local cache entries live 50 ms,
/// so a second read a moment later is answered by Redis.
async fn spawn_on(cluster: &RedisCluster) -> TestApp {
    let redis = RedisSettings {
        // Generous: a busy CI machine must not time out into the fallbacks.
        timeout_ms: 1_000,
        ..cluster.settings()
    };
    let app = spawn_app_with(|settings| {
        settings.redis = redis;
        settings.users.cache.local_ttl_ms = 50;
    })
    .await;
    app.wait_for_redis().await;
    app
}

async fn display_name(app: &TestApp, id: uuid::Uuid) -> String {
    let response = app.get_user(&id.to_string()).await;
    assert_eq!(response.status(), 200);
    let user: Value = response.json().await.expect("json");
    user["display_name"].as_str().expect("a name").to_owned()
}

async fn login_status(address: &str, email: &str, password: &str) -> u16 {
    reqwest::Client::new()
        .post(format!("{address}/api/v1/auth/login"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .expect("request sent")
        .status()
        .as_u16()
}

#[tokio::test]
async fn the_cache_the_login_throttle_and_idempotency_keys_work_across_shards() {
    let cluster = RedisCluster::start().await;
    let app = spawn_on(&cluster).await;
    let sibling = app.spawn_sibling().await;

    // Cache: the second read, after the local entry expired, is Redis's.
    let user = app.create_user("ada@example.com", "Ada").await;
    display_name(&app, user.id).await;
    tokio::time::sleep(Duration::from_millis(150)).await;
    let before = app.cache.snapshot();
    display_name(&app, user.id).await;
    assert!(app.cache.snapshot().redis_hits > before.redis_hits);

    // Throttle: five failures spread over two instances are one count, so
    // the sixth attempt is refused by either (counted per instance, each
    // would still have budget left).
    app.register("throttled@example.com").await;
    for address in [&app.address, &sibling.address]
        .repeat(3)
        .into_iter()
        .take(5)
    {
        assert_eq!(
            login_status(address, "throttled@example.com", "wrong password").await,
            401
        );
    }
    for address in [&app.address, &sibling.address] {
        assert_eq!(
            login_status(address, "throttled@example.com", TEST_PASSWORD).await,
            429
        );
    }

    // Idempotency: the same key and body a second time is a replay.
    let body = json!({"email": "keyed@example.com", "display_name": "Keyed"});
    let token = app.admin_token.clone();
    let create = || {
        post_keyed(
            &app,
            "/api/v1/users",
            "cluster-1",
            Some(&token),
            Some(&body),
        )
    };
    assert_eq!(create().await.status(), 201);
    let again = create().await;
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
}

// ANCHOR: cluster_failover
#[tokio::test]
async fn a_master_failover_falls_back_to_postgres_and_serves_no_stale_user_after() {
    let mut cluster = RedisCluster::start().await;
    let app = spawn_on(&cluster).await;
    let user = app.create_user("grace@example.com", "Grace").await;
    display_name(&app, user.id).await; // now cached in Redis, on some shard

    // The shard holding the cached user dies.
    let key = user_key(&app.settings.redis.key_prefix, user.id);
    let dead = cluster.kill_master_of(&key);

    // A rename commits at once; its invalidation cannot reach the dead
    // shard and is kept for retry. Reads still answer, from Postgres.
    let renamed = app
        .patch_user(user.id, &json!({"display_name": "Grace Hopper"}))
        .await;
    assert_eq!(renamed.status(), 200);
    let deferred = app.cache.snapshot().deferred_deletes > 0;
    assert_eq!(display_name(&app, user.id).await, "Grace Hopper");

    // The replica is promoted holding the old cached copy ("Grace"). The
    // retried delete removes it: no read ever serves the old name again.
    // (On a slow machine the promotion can beat the rename, whose delete
    // then lands at once: the reads below hold either way.)
    cluster.wait_for_failover(&key, dead).await;
    if deferred {
        eventually(
            "the late delete to land on the new master",
            PATIENCE,
            || async {
                (app.cache.snapshot().late_deletes > 0)
                    .then_some(())
                    .ok_or("none yet")
            },
        )
        .await;
    }
    for _ in 0..5 {
        tokio::time::sleep(Duration::from_millis(60)).await; // past the local TTL
        assert_eq!(display_name(&app, user.id).await, "Grace Hopper");
    }
}
// ANCHOR_END: cluster_failover
