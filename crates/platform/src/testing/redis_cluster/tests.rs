//! The fixture and the cluster client together: `LazyRedis` in cluster
//! mode reaches every shard, runs scripts on any slot, is refused a command
//! whose keys span slots, and carries on after a master dies.

use std::time::Duration;

use super::RedisCluster;
use crate::{
    redis::LazyRedis,
    testing::{PATIENCE, eventually},
};

async fn connected(cluster: &RedisCluster) -> LazyRedis {
    let redis = LazyRedis::connect_in_background(&RedisSettings {
        timeout_ms: 1_000,
        ..cluster.settings()
    });
    eventually("the cluster client to connect", PATIENCE, || redis.ping()).await;
    redis
}

use crate::settings::RedisSettings;

async fn set(redis: &LazyRedis, key: &str, value: &str) -> Result<(), String> {
    redis
        .run(async |connection| {
            redis::cmd("SET")
                .arg(key)
                .arg(value)
                .query_async::<()>(connection)
                .await
        })
        .await
        .map_err(|error| error.to_string())
}

async fn get(redis: &LazyRedis, key: &str) -> Result<Option<String>, String> {
    redis
        .run(async |connection| redis::cmd("GET").arg(key).query_async(connection).await)
        .await
        .map_err(|error| error.to_string())
}

#[tokio::test]
async fn the_cluster_client_reaches_every_shard_and_carries_on_after_a_master_fails() {
    let mut cluster = RedisCluster::start().await;
    let redis = connected(&cluster).await;

    // Sixty keys hash to slots all over the 16384: every master gets some.
    let keys: Vec<String> = (0..60)
        .map(|i| redis.key(&["spread", &i.to_string()]))
        .collect();
    for (i, key) in keys.iter().enumerate() {
        set(&redis, key, &i.to_string())
            .await
            .expect("SET on any shard");
    }
    for (i, key) in keys.iter().enumerate() {
        assert_eq!(get(&redis, key).await.expect("GET"), Some(i.to_string()));
    }

    // A script with one key runs on that key's shard (loaded there first).
    let script = redis::Script::new("return redis.call('INCR', KEYS[1])");
    for key in &keys[..10] {
        let counted: i64 = redis
            .run(async |connection| {
                script
                    .key(format!("{key}:n"))
                    .invoke_async(connection)
                    .await
            })
            .await
            .expect("a one-key script");
        assert_eq!(counted, 1);
    }

    // A script over keys in two slots: the cluster refuses it (CROSSSLOT),
    // which is why every script the services run touches one key. (The
    // client splits a plain multi-key DEL or MGET by slot on its own; a
    // script it cannot split.)
    let two_keys = redis::Script::new("return redis.call('MGET', KEYS[1], KEYS[2])");
    let refused = redis
        .run(async |connection| {
            two_keys
                .key(&keys[0])
                .key(&keys[1])
                .invoke_async::<Vec<Option<String>>>(connection)
                .await
        })
        .await;
    let refusal = format!("{refused:?}");
    assert!(refusal.to_uppercase().contains("CROSSSLOT"), "{refusal}");

    // The master of keys[0] dies; its replica takes over its slots.
    let dead = cluster.fail_master_of(&keys[0]).await;
    eventually(
        "writes and reads on the failed-over slot",
        Duration::from_secs(20),
        || async {
            set(&redis, &keys[0], "after").await?;
            get(&redis, &keys[0]).await
        },
    )
    .await;
    assert_eq!(
        get(&redis, &keys[0]).await.expect("GET"),
        Some("after".into())
    );
    // Every other key is still there (the replicas had them all).
    for (i, key) in keys.iter().enumerate().skip(1) {
        assert_eq!(
            get(&redis, key).await.expect("GET"),
            Some(i.to_string()),
            "after {dead} died"
        );
    }
}
