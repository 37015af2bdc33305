//! The rate limiter on a Redis Cluster of three masters and three replicas
//! that the test starts (`RedisCluster`): each client's GCRA key lives on
//! the shard that owns its hash slot, two gateway instances share every
//! budget, and a master dying mid-test costs no correctness: the clients on
//! its slots are limited locally until its replica takes over, everyone
//! else stays on Redis throughout.

use std::collections::BTreeMap;

use capstone_gateway::rate_limit::{Decision, EnforcedBy, RateLimitSettings, RateLimiter};
use capstone_platform::{
    redis::LazyRedis,
    settings::RedisSettings,
    testing::{PATIENCE, RedisCluster, eventually},
};

/// `burst` at once, then one every 60 / `burst` s.
fn per_minute(burst: u32) -> BTreeMap<String, RateLimitSettings> {
    BTreeMap::from([(
        "api".to_owned(),
        RateLimitSettings {
            requests: burst,
            period_secs: 60,
            burst,
        },
    )])
}

async fn check(limiter: &RateLimiter, client: &str) -> Decision {
    limiter
        .check("api", client)
        .await
        .expect("class is configured")
}

/// The first decision `limiter` takes on Redis for `client`: while the
/// instance is in its back-off (or not yet connected) its decisions are
/// local, spent from its own budget, not the shared one.
async fn next_on_redis(limiter: &RateLimiter, client: &str, what: &str) -> Decision {
    eventually(what, PATIENCE, || async {
        let decision = check(limiter, client).await;
        match decision.enforced_by {
            EnforcedBy::Redis => Ok(decision),
            other => Err(other),
        }
    })
    .await
}

/// The Redis key a client's budget lives under (rate_limit/redis_store.rs).
fn key_of(settings: &RedisSettings, client: &str) -> String {
    format!("{}:ratelimit:api:{client}", settings.key_prefix)
}

// ANCHOR: cluster_failover
#[tokio::test]
async fn budgets_are_shared_across_shards_and_a_master_failover_falls_back_then_recovers() {
    let mut cluster = RedisCluster::start().await;
    let settings = RedisSettings {
        // Generous: a busy CI machine must not time out into the fallback.
        timeout_ms: 1_000,
        ..cluster.settings()
    };
    let connect = || RateLimiter::new(LazyRedis::connect_in_background(&settings), per_minute(3));
    let (first, second) = (connect(), connect());
    for limiter in [&first, &second] {
        next_on_redis(limiter, "warm-up", "the limiter on the cluster").await;
    }

    // The victim (whose master will die) spends two of its three.
    let victim = "victim";
    for limiter in [&first, &second] {
        assert!(check(limiter, victim).await.allowed);
    }

    // Twelve clients, their keys spread over the three masters: each gets
    // three requests in all, whichever instance it reaches.
    let clients: Vec<String> = (0..12).map(|i| format!("client-{i}")).collect();
    let masters: std::collections::BTreeSet<u16> = clients
        .iter()
        .map(|client| cluster.master_of_key(&key_of(&settings, client)))
        .collect();
    assert_eq!(masters.len(), 3, "the clients' keys reach every master");
    for client in &clients {
        let mut seen = Vec::new();
        for limiter in [&first, &second, &first, &second] {
            let decision = check(limiter, client).await;
            assert_eq!(decision.enforced_by, EnforcedBy::Redis, "{client}");
            seen.push(decision.allowed);
        }
        assert_eq!(seen, [true, true, true, false], "{client}");
    }

    // The victim's master dies. Until its replica is promoted, requests are
    // still decided, at once, by each instance's own limiter: looser, never
    // open, never an error. (After a Redis failure an instance skips Redis
    // for a second for every client, not only that shard's: rate_limit/
    // redis_store.rs.)
    let dead = cluster.kill_master_of(&key_of(&settings, victim));
    let during = check(&first, victim).await;
    assert_eq!(during.enforced_by, EnforcedBy::Local, "{during:?}");

    // Promoted, the replica holds what its master held: the victim has one
    // request left on the shared budget, and every other client none.
    cluster
        .wait_for_failover(&key_of(&settings, victim), dead)
        .await;
    let back = next_on_redis(&second, victim, "the victim back on the shared budget").await;
    assert!(back.allowed, "the third of three");
    // The first instance may still be in its back-off; once on Redis, it
    // sees the shared budget spent.
    let after = next_on_redis(&first, victim, "the first instance back on Redis").await;
    assert!(!after.allowed, "then no more");
    for client in &clients {
        let decision = check(&second, client).await;
        assert_eq!(
            (decision.enforced_by, decision.allowed),
            (EnforcedBy::Redis, false),
            "{client}"
        );
    }
}
// ANCHOR_END: cluster_failover
