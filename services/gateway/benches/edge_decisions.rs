//! What the gateway decides for every request before proxying it, timed:
//! the route lookup, the pure GCRA arithmetic, the circuit breaker's calls,
//! and a whole rate-limit check in Redis (one Lua script round trip) against
//! the in-process fallback.
//! The Redis check needs the local Redis (like the tests); it uses its own
//! key prefix and deletes its keys at the end.
//! Run: `cargo bench -p capstone-gateway --bench edge_decisions`.

use std::{
    collections::BTreeMap,
    hint::black_box,
    time::{Duration, Instant},
};

use capstone_gateway::{
    Settings,
    rate_limit::{
        EnforcedBy, RateLimitSettings, RateLimiter,
        gcra::{GcraParams, decide},
    },
    resilience::{BreakerSettings, CircuitBreaker},
    routing::RouteTable,
};
use capstone_platform::{canonical_path::CanonicalPath, redis::LazyRedis, settings::RedisSettings};
use criterion::{Criterion, criterion_group, criterion_main};
use tokio::runtime::Runtime;

fn routing(c: &mut Criterion) {
    let table = RouteTable::new(&Settings::default().gateway.routes);
    let mut group = c.benchmark_group("route_lookup");
    for path in [
        "/api/v1/users/01a20c0c-84a3-7257-883e-f3fa0384dd23",
        "/.well-known/jwks.json",
        "/nowhere",
    ] {
        let canonical = CanonicalPath::parse(path).expect("a canonical path");
        group.bench_function(path, |b| {
            b.iter(|| {
                table
                    .find(black_box(&canonical))
                    .map(|(route, _)| route.protected)
            })
        });
    }
    group.finish();
    // What the canonical-path middleware adds to every request, against
    // the lookup above; the second path is one that needs rewriting.
    let mut group = c.benchmark_group("canonical_path");
    for path in [
        "/api/v1/users/01a20c0c-84a3-7257-883e-f3fa0384dd23",
        "//api/v1/%75sers/caf%c3%a9",
    ] {
        group.bench_function(path, |b| b.iter(|| CanonicalPath::parse(black_box(path))));
    }
    group.finish();
}

fn gcra(c: &mut Criterion) {
    let params = GcraParams::from_settings(&RateLimitSettings {
        requests: 600,
        period_secs: 60,
        burst: 100,
    });
    c.bench_function("gcra_decide", |b| {
        let mut tat = None;
        let mut now: i64 = 1_000_000_000;
        b.iter(|| {
            now += 1_000_000; // one request per ms: some pass, some are refused
            let (outcome, new_tat) = decide(&params, tat, black_box(now));
            if new_tat.is_some() {
                tat = new_tat;
            }
            outcome.allowed
        });
    });
}

/// The breaker's share of every proxied request on a healthy instance: the
/// balancer's check, the admission, the outcome; and what a caller of an
/// ejected instance pays to be refused. A fixed `now`: reading the clock is
/// the proxy's cost, not the breaker's.
fn circuit_breaker(c: &mut Criterion) {
    let now = Instant::now();
    let closed = CircuitBreaker::new("users@bench", &BreakerSettings::default());
    let open = CircuitBreaker::new("users@bench", &BreakerSettings::default());
    for _ in 0..BreakerSettings::default().failure_threshold {
        open.record_failure(now);
    }
    let mut group = c.benchmark_group("circuit_breaker");
    group.bench_function("closed_request", |b| {
        b.iter(|| {
            let available = closed.is_available(black_box(now));
            let admission = closed.admit(black_box(now));
            closed.record_success(black_box(now));
            (available, admission)
        })
    });
    group.bench_function("open_refusal", |b| b.iter(|| open.admit(black_box(now))));
    group.finish();
}

/// A limiter whose single class is generous enough that the bench is
/// never refused (a refusal is cheaper than a pass: not what we measure).
fn limiter(redis_url: &str, prefix: &str) -> RateLimiter {
    let settings = RedisSettings {
        url: redis_url.into(),
        key_prefix: prefix.into(),
        timeout_ms: 1_000,
        ..RedisSettings::default()
    };
    let classes = BTreeMap::from([(
        "api".to_owned(),
        RateLimitSettings {
            requests: 1_000_000,
            period_secs: 1,
            burst: 1_000_000,
        },
    )]);
    RateLimiter::new(LazyRedis::connect_in_background(&settings), classes)
}

fn limiter_check(c: &mut Criterion) {
    let runtime = Runtime::new().expect("runtime");
    let prefix = format!("capstone-bench-{}", uuid::Uuid::now_v7().simple());
    let shared = runtime.block_on(async {
        let shared = limiter("redis://127.0.0.1:6379", &prefix);
        for _ in 0..200 {
            let decision = shared.check("api", "ip:127.0.0.1").await.expect("a class");
            if decision.enforced_by == EnforcedBy::Redis {
                return shared;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("Redis not reachable: run scripts/dev-services.sh");
    });
    // Nothing listens on port 1: every check takes the local path.
    let local = runtime.block_on(async { limiter("redis://127.0.0.1:1", &prefix) });

    let mut group = c.benchmark_group("rate_limit_check");
    group.bench_function("local_fallback", |b| {
        b.iter(|| runtime.block_on(local.check("api", black_box("ip:127.0.0.1"))))
    });
    group.bench_function("redis_lua", |b| {
        b.iter(|| runtime.block_on(shared.check("api", black_box("ip:127.0.0.1"))))
    });
    group.finish();

    runtime.block_on(async {
        let client = redis::Client::open("redis://127.0.0.1:6379").expect("url");
        let mut connection = client
            .get_multiplexed_async_connection()
            .await
            .expect("Redis");
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg(format!("{prefix}:*"))
            .query_async(&mut connection)
            .await
            .unwrap_or_default();
        if !keys.is_empty() {
            let _: redis::RedisResult<()> = redis::cmd("DEL")
                .arg(keys)
                .query_async(&mut connection)
                .await;
        }
    });
}

criterion_group!(benches, routing, gcra, circuit_breaker, limiter_check);
criterion_main!(benches);
