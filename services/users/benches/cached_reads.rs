//! A user read three ways, inside the service's own code: straight from
//! Postgres (the baseline), from Redis, and from the in-process layer; and
//! what the per-request account check adds to verifying a token.
//! Needs the local Postgres and Redis (like the tests); uses its own database
//! (`capstone_bench`, dropped at the end) and key prefix, and removes what it
//! writes.
//! Run: `cargo bench -p capstone-users --bench cached_reads`.

use capstone_platform::service::ServiceSettings as _;
use std::{hint::black_box, time::Duration};

use capstone_platform::{access_token::SigningKey, database, redis::LazyRedis};
use capstone_users::{
    Settings,
    auth::{AccessTokenIssuer, current_account},
    cache::{CacheSettings, UserCache},
    domain::{DisplayName, Email, NewUser, Role},
    metrics::UsersMetrics,
    migrations,
    repo::UserRepository,
};
use criterion::{Criterion, criterion_group, criterion_main};
use tokio::runtime::Runtime;
use uuid::Uuid;

struct Fixture {
    repo: UserRepository,
    redis: LazyRedis,
    id: Uuid,
    database: capstone_platform::settings::DatabaseSettings,
}

async fn fixture() -> Fixture {
    let mut settings = Settings::load(None).expect("settings");
    settings.database = settings
        .database
        .with_database("capstone_bench")
        .expect("valid name");
    database::create_database_if_missing(&settings.database)
        .await
        .expect("Postgres reachable: run scripts/dev-services.sh");
    migrations::run_pending(&settings.database)
        .await
        .expect("migrations");
    let repo = UserRepository::new(
        database::connect_pool(&settings.database)
            .await
            .expect("pool"),
    );
    let user = NewUser::new(
        Email::parse(&format!("bench-{}@example.com", Uuid::now_v7().simple())).expect("email"),
        DisplayName::parse("Bench").expect("name"),
        Role::User,
    );
    let id = repo
        .insert_unannounced(&user, None)
        .await
        .expect("insert")
        .id;

    settings.redis.key_prefix = format!("capstone-bench-{}", Uuid::now_v7().simple());
    settings.redis.timeout_ms = 1_000;
    let redis = LazyRedis::connect_in_background(&settings.redis);
    for _ in 0..100 {
        let ping = redis
            .run(async |connection| redis::cmd("PING").query_async::<String>(connection).await)
            .await;
        if ping.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Fixture {
        repo,
        redis,
        id,
        database: settings.database,
    }
}

fn cached_reads(c: &mut Criterion) {
    let runtime = Runtime::new().expect("runtime");
    let Fixture {
        repo,
        redis,
        id,
        database,
    } = runtime.block_on(fixture());
    let in_process = UserCache::new(redis.clone(), CacheSettings::default(), UsersMetrics::new());
    // A zero local TTL: every read misses the process and asks Redis.
    let redis_only = UserCache::new(
        redis,
        CacheSettings {
            local_ttl_ms: 0,
            ..CacheSettings::default()
        },
        UsersMetrics::new(),
    );
    let read =
        |cache: &UserCache| runtime.block_on(cache.get_or_load(id, || repo.find_optional(id)));
    read(&in_process).expect("warms both layers");

    let mut group = c.benchmark_group("user_read");
    group.bench_function("baseline: Postgres (repository)", |b| {
        b.iter(|| black_box(runtime.block_on(repo.find(id)).expect("found")))
    });
    group.bench_function("cache hit: Redis", |b| {
        b.iter(|| black_box(read(&redis_only).expect("found")))
    });
    group.bench_function("cache hit: in-process", |b| {
        b.iter(|| black_box(read(&in_process).expect("found")))
    });
    group.finish();

    // What checking a token against the stored account adds to every
    // authenticated request (auth::account_check), against the signature
    // check that was all there was before it.
    let key = SigningKey::generate("bench").expect("key");
    let issuer =
        AccessTokenIssuer::new(vec![key], "capstone-users", "capstone", 900).expect("issuer");
    let verifier = issuer.verifier().expect("verifier");
    let token = issuer.issue_for(id, Role::User, 0).expect("token").token;
    let mut group = c.benchmark_group("authenticate");
    group.bench_function("baseline: verify the signature", |b| {
        b.iter(|| black_box(verifier.verify(black_box(&token)).expect("valid")))
    });
    group.bench_function("verify + account check (in-process hit)", |b| {
        b.iter(|| {
            let claims = verifier.verify(black_box(&token)).expect("valid");
            black_box(
                runtime
                    .block_on(current_account(&claims, &in_process, &repo))
                    .expect("current"),
            )
        })
    });
    group.finish();

    runtime.block_on(async {
        in_process.invalidate(id).await;
        database::drop_database(&database, "capstone_bench")
            .await
            .expect("bench database dropped");
    });
}

criterion_group!(benches, cached_reads);
criterion_main!(benches);
