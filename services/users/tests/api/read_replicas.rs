//! Read replicas, for real: a Postgres primary and a streaming replica that
//! the test starts on spare ports (`ReplicatedPostgres`), the service reading
//! listings from the replica. Replay is paused on the replica
//! (`pg_wal_replay_pause()`) to hold it behind on purpose, so each test can
//! tell a replica read from a primary read by what the listing shows.

use std::time::Duration;

use capstone_platform::{
    database::{self, replicas::ReadSource},
    testing::{Exposition, PATIENCE, ReplicatedPostgres, eventually},
};
use capstone_users::metrics::DATABASE_READS_TOTAL;
use serde_json::Value;

use crate::helpers::{TestApp, TestDatabase, insert_admin, spawn_app_on};

// fork:begin(graphql)
mod sessions;
// fork:end(graphql)

/// The service over a fresh primary/replica pair, `max_lag` its lag bound.
/// The pair is returned first so that it is dropped last.
async fn spawn_replicated(max_lag: Duration) -> (ReplicatedPostgres, TestApp) {
    let pair = ReplicatedPostgres::start().await;
    let settings = pair.primary("capstone_users");
    database::create_database_if_missing(&settings)
        .await
        .expect("the database is created on the primary");
    capstone_users::migrations::run_pending(&settings)
        .await
        .expect("the migrations run on the primary");
    let database = TestDatabase {
        settings,
        name: "capstone_users".into(),
    };
    let replica_url = pair.replica("capstone_users").url;
    let app = spawn_app_on(database, |settings| {
        settings.users.read_replicas.urls = vec![replica_url];
        settings.users.read_replicas.max_lag_ms = max_lag.as_millis() as u64;
        settings.users.read_replicas.poll_interval_ms = 50;
    })
    .await;
    wait_for_replica_check(&app, "up").await;
    (pair, app)
}

/// Until `/health/ready` reports the replicas check as `status`.
async fn wait_for_replica_check(app: &TestApp, status: &str) -> Value {
    eventually(
        &format!("the replica check to be {status}"),
        PATIENCE,
        || async {
            let response = app.get("/health/ready").await;
            let report: Value = response.json().await.expect("json");
            if report["checks"]["postgres_replicas"]["status"] == status {
                Ok(report)
            } else {
                Err(report)
            }
        },
    )
    .await
}

/// Holds the replica's replay where it is (it still receives the log).
async fn pause_replay(pair: &ReplicatedPostgres) {
    replica_sql(pair, "SELECT pg_wal_replay_pause()").await;
}

async fn resume_replay(pair: &ReplicatedPostgres) {
    replica_sql(pair, "SELECT pg_wal_replay_resume()").await;
}

async fn replica_sql(pair: &ReplicatedPostgres, statement: &str) {
    let replica =
        capstone_platform::testing::replicated_postgres::connect(&pair.replica("capstone_users"))
            .await
            .expect("the replica accepts connections");
    replica
        .simple_query(statement)
        .await
        .expect("SQL runs on the replica");
}

/// The emails in the first page of the listing, as `token` sees it.
async fn listed_emails(app: &TestApp, token: &str) -> Vec<String> {
    let response = app.get_as("/api/v1/users?limit=100", token).await;
    assert_eq!(response.status(), 200);
    let page: Value = response.json().await.expect("json");
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|user| user["email"].as_str().expect("email").to_owned())
        .collect()
}

/// How many listing reads went to `source` so far.
async fn reads_from(app: &TestApp, source: ReadSource) -> f64 {
    let text = app.get("/metrics").await.text().await.expect("text");
    Exposition::parse(&text)
        .expect("valid exposition")
        .sum(DATABASE_READS_TOTAL, &[("source", source.as_str())])
}

/// A second admin, inserted on the primary before any pause, so the replica
/// has it: a reader who has written nothing.
async fn other_admin(app: &TestApp) -> String {
    let id = insert_admin(&app.database, "other-admin@example.com").await;
    app.token_for(id, capstone_users::domain::Role::Admin)
}

// ANCHOR: read_your_writes
#[tokio::test]
async fn the_writer_reads_its_write_while_others_may_read_the_replica_a_moment_behind() {
    // A bound far above this test's run time: the paused replica stays
    // "fresh enough" for readers who wrote nothing.
    let (pair, app) = spawn_replicated(Duration::from_secs(60)).await;
    let other = other_admin(&app).await;
    eventually("the second admin on the replica", PATIENCE, || async {
        let before = reads_from(&app, ReadSource::Replica).await;
        listed_emails(&app, &other).await;
        (reads_from(&app, ReadSource::Replica).await > before)
            .then_some(())
            .ok_or("still read from the primary")
    })
    .await;

    pause_replay(&pair).await;
    let created = app.create_user("grace@example.com", "Grace").await;

    // The admin who wrote sees the new account at once: the primary (the
    // replica has not replayed it, and cannot while paused).
    let primary_before = reads_from(&app, ReadSource::PrimaryFallback).await;
    assert!(
        listed_emails(&app, &app.admin_token)
            .await
            .contains(&created.email)
    );
    assert!(reads_from(&app, ReadSource::PrimaryFallback).await > primary_before);

    // Another admin, who wrote nothing, reads the replica: a moment behind,
    // within the bound, so without the new account. This is the staleness
    // the routing accepts, and proof the replica really served the read.
    assert!(!listed_emails(&app, &other).await.contains(&created.email));

    // Replay resumes: soon the replica has it too, for everyone.
    resume_replay(&pair).await;
    eventually(
        "the replica to replay the new account",
        PATIENCE,
        || async {
            let seen = listed_emails(&app, &other).await;
            seen.contains(&created.email).then_some(()).ok_or(seen)
        },
    )
    .await;
}
// ANCHOR_END: read_your_writes

#[tokio::test]
async fn a_replica_past_the_lag_bound_serves_nothing_and_readiness_says_so() {
    let (pair, app) = spawn_replicated(Duration::from_millis(500)).await;
    let other = other_admin(&app).await;
    pause_replay(&pair).await;
    let created = app.create_user("hopper@example.com", "Grace").await;

    // Once the replica is more than 500 ms behind, even a reader who wrote
    // nothing is sent to the primary, and sees the account.
    let report = wait_for_replica_check(&app, "down").await;
    let error = report["checks"]["postgres_replicas"]["error"].to_string();
    assert!(error.contains("behind"), "{report}");
    assert_eq!(report["status"], "degraded", "optional: still ready");
    assert!(listed_emails(&app, &other).await.contains(&created.email));

    resume_replay(&pair).await;
    wait_for_replica_check(&app, "up").await;
}

#[tokio::test]
async fn a_stopped_replica_sends_reads_to_the_primary_until_it_is_back() {
    let (pair, app) = spawn_replicated(Duration::from_secs(1)).await;
    let other = other_admin(&app).await;

    pair.stop_replica();
    let report = wait_for_replica_check(&app, "down").await;
    assert!(
        report["checks"]["postgres_replicas"]["error"]
            .to_string()
            .contains("down"),
        "{report}"
    );
    let created = app.create_user("lovelace@example.com", "Ada").await;
    let fallbacks = reads_from(&app, ReadSource::PrimaryFallback).await;
    assert!(listed_emails(&app, &other).await.contains(&created.email));
    assert!(reads_from(&app, ReadSource::PrimaryFallback).await > fallbacks);

    pair.start_replica().await;
    wait_for_replica_check(&app, "up").await;
    let replica_reads = reads_from(&app, ReadSource::Replica).await;
    assert!(listed_emails(&app, &other).await.contains(&created.email));
    assert!(reads_from(&app, ReadSource::Replica).await > replica_reads);
}
