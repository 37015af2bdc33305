//! The rate limiter against the real Redis at 127.0.0.1:6379 (no mocks).
//!
//! Each test works under its own key prefix (`capstone-test-<uuid>`) and
//! deletes its keys at the end, so tests run in parallel and leave nothing
//! behind. (Should a test fail first, its keys still expire within a minute.)

use std::{
    collections::BTreeMap,
    time::{Duration, Instant},
};

use capstone_gateway::rate_limit::{Decision, EnforcedBy, RateLimitSettings, RateLimiter};
use capstone_platform::{
    redis::LazyRedis,
    settings::RedisSettings,
    testing::{PATIENCE, eventually},
};

const REDIS_URL: &str = "redis://127.0.0.1:6379";

/// A class allowing `burst` requests at once, then one every 60 / `burst` s.
fn per_minute(burst: u32) -> RateLimitSettings {
    RateLimitSettings {
        requests: burst,
        period_secs: 60,
        burst,
    }
}

/// One test's namespace in the shared Redis.
struct TestRedis {
    settings: RedisSettings,
}

impl TestRedis {
    fn new() -> Self {
        Self {
            settings: RedisSettings {
                key_prefix: format!("capstone-test-{}", uuid::Uuid::now_v7()),
                // Generous: parallel tests on a busy machine must not time
                // out into the local fallback and fail for the wrong reason.
                timeout_ms: 2_000,
                ..RedisSettings::default()
            },
        }
    }

    /// A limiter as one gateway instance builds it, once it reaches Redis.
    async fn limiter(&self, classes: &[(&str, RateLimitSettings)]) -> RateLimiter {
        let classes: BTreeMap<String, RateLimitSettings> = classes
            .iter()
            .map(|(class, settings)| ((*class).to_owned(), settings.clone()))
            .collect();
        let first_class = classes.keys().next().cloned().expect("at least one class");
        let limiter = RateLimiter::new(LazyRedis::connect_in_background(&self.settings), classes);
        wait_for_redis(&limiter, &first_class).await;
        limiter
    }

    async fn connection(&self) -> redis::aio::MultiplexedConnection {
        redis::Client::open(REDIS_URL)
            .expect("valid Redis URL")
            .get_multiplexed_async_connection()
            .await
            .expect("Redis at 127.0.0.1:6379 must be running for these tests")
    }

    /// Every key under this test's prefix.
    async fn keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = redis::cmd("KEYS")
            .arg(format!("{}:*", self.settings.key_prefix))
            .query_async(&mut self.connection().await)
            .await
            .expect("KEYS");
        keys.sort();
        keys
    }

    async fn cleanup(&self) {
        let keys = self.keys().await;
        if !keys.is_empty() {
            let _: i64 = redis::cmd("DEL")
                .arg(&keys)
                .query_async(&mut self.connection().await)
                .await
                .expect("DEL");
        }
    }
}

/// LazyRedis connects in the background: poll (with a client no test
/// asserts on) until a decision comes from Redis.
async fn wait_for_redis(limiter: &RateLimiter, class: &str) {
    let what = format!("the rate limiter to reach Redis at {REDIS_URL}");
    eventually(&what, PATIENCE, || async {
        let decision = limiter
            .check(class, "warm-up")
            .await
            .expect("class is configured");
        match decision.enforced_by {
            EnforcedBy::Redis => Ok(()),
            elsewhere => Err(elsewhere),
        }
    })
    .await;
}

async fn check(limiter: &RateLimiter, class: &str, client: &str) -> Decision {
    limiter
        .check(class, client)
        .await
        .expect("class is configured")
}

#[tokio::test]
async fn redis_allows_the_burst_then_refuses_with_retry_after() {
    // Arrange: 3 at once, then one every 20 s.
    let redis = TestRedis::new();
    let limiter = redis.limiter(&[("api", per_minute(3))]).await;

    // Act
    let mut decisions = Vec::new();
    for _ in 0..4 {
        decisions.push(check(&limiter, "api", "alice").await);
    }

    // Assert
    let allowed: Vec<_> = decisions.iter().map(|d| (d.allowed, d.remaining)).collect();
    assert_eq!(allowed, [(true, 2), (true, 1), (true, 0), (false, 0)]);
    assert!(
        decisions
            .iter()
            .all(|d| d.enforced_by == EnforcedBy::Redis && d.limit == 3)
    );
    let refused = &decisions[3];
    let retry_after = refused.retry_after.expect("a refusal says when to retry");
    assert!(retry_after > Duration::from_secs(19) && retry_after <= Duration::from_secs(20));
    assert!(refused.reset_after > Duration::from_secs(59));
    assert!(refused.headers().contains(&("Retry-After", "20".into())));
    redis.cleanup().await;
}

#[tokio::test]
async fn two_instances_sharing_redis_share_one_budget() {
    // Arrange: two gateway instances, one Redis namespace.
    let redis = TestRedis::new();
    let first = redis.limiter(&[("api", per_minute(3))]).await;
    let second = redis.limiter(&[("api", per_minute(3))]).await;

    // Act: alternate between the instances.
    let a = check(&first, "api", "alice").await;
    let b = check(&second, "api", "alice").await;
    let c = check(&first, "api", "alice").await;
    let d = check(&second, "api", "alice").await;

    // Assert: three in total, not three each.
    let seen: Vec<_> = [&a, &b, &c, &d]
        .iter()
        .map(|x| (x.allowed, x.remaining))
        .collect();
    assert_eq!(seen, [(true, 2), (true, 1), (true, 0), (false, 0)]);
    assert_eq!(d.enforced_by, EnforcedBy::Redis);
    redis.cleanup().await;
}

#[tokio::test]
async fn clients_and_classes_have_separate_budgets() {
    // Arrange
    let redis = TestRedis::new();
    let limiter = redis
        .limiter(&[("api", per_minute(1)), ("login", per_minute(1))])
        .await;

    // Act
    let alice_api = check(&limiter, "api", "alice").await;
    let alice_api_again = check(&limiter, "api", "alice").await;
    let bob_api = check(&limiter, "api", "bob").await;
    let alice_login = check(&limiter, "login", "alice").await;

    // Assert
    assert!(alice_api.allowed);
    assert!(!alice_api_again.allowed, "alice's api budget is spent");
    assert!(bob_api.allowed, "bob has his own budget");
    assert!(alice_login.allowed, "login has its own budget");
    assert_eq!(alice_login.enforced_by, EnforcedBy::Redis);
    redis.cleanup().await;
}

#[tokio::test]
async fn unreachable_redis_falls_back_to_a_local_limit() {
    // Arrange: nothing listens on port 1.
    let settings = RedisSettings {
        url: "redis://127.0.0.1:1".into(),
        key_prefix: format!("capstone-test-{}", uuid::Uuid::now_v7()),
        timeout_ms: 50,
        ..RedisSettings::default()
    };
    let classes = BTreeMap::from([("api".to_owned(), per_minute(2))]);
    let limiter = RateLimiter::new(LazyRedis::connect_in_background(&settings), classes);

    // Act
    let started = Instant::now();
    let mut decisions = Vec::new();
    for _ in 0..3 {
        decisions.push(check(&limiter, "api", "alice").await);
    }

    // Assert: still answered, quickly, and still limited.
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "requests must not wait for Redis"
    );
    assert!(decisions.iter().all(|d| d.enforced_by == EnforcedBy::Local));
    let allowed: Vec<_> = decisions.iter().map(|d| d.allowed).collect();
    assert_eq!(allowed, [true, true, false]);
    assert!(
        decisions[2]
            .retry_after
            .is_some_and(|wait| wait > Duration::ZERO)
    );
}

#[tokio::test]
async fn unknown_class_is_unlimited() {
    let redis = TestRedis::new();
    let limiter = redis.limiter(&[("api", per_minute(1))]).await;

    assert_eq!(limiter.check("uploads", "alice").await, None);

    redis.cleanup().await;
}

#[tokio::test]
async fn keys_carry_the_prefix_and_expire() {
    // Arrange: one request every 60 s, so the key lives at most 60 s.
    let redis = TestRedis::new();
    let limiter = redis.limiter(&[("api", per_minute(1))]).await;

    // Act
    check(&limiter, "api", "alice").await;

    // Assert
    let prefix = &redis.settings.key_prefix;
    let key = format!("{prefix}:ratelimit:api:alice");
    let warm_up = format!("{prefix}:ratelimit:api:warm-up");
    assert_eq!(redis.keys().await, [key.clone(), warm_up]);
    let ttl_ms: i64 = redis::cmd("PTTL")
        .arg(&key)
        .query_async(&mut redis.connection().await)
        .await
        .expect("PTTL");
    assert!(ttl_ms > 0 && ttl_ms <= 60_000, "PTTL was {ttl_ms}");
    redis.cleanup().await;
    assert_eq!(
        redis.keys().await,
        Vec::<String>::new(),
        "cleanup leaves nothing"
    );
}
