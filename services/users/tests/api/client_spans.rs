//! Postgres queries and Redis commands as client spans: named by what they
//! do, children of the work that issued them, and carrying no value: no
//! email, no key, nothing cached.
//!
//! Each test captures the spans of its own thread only (the runtime of
//! `#[tokio::test]` is current-thread), so the rest of the suite runs on
//! undisturbed and unobserved.

use capstone_platform::service::ServiceSettings as _;
use capstone_platform::{
    database,
    redis::LazyRedis,
    testing::{
        PATIENCE, eventually,
        traces::{CapturedSpans, attribute, capture_on_this_thread},
    },
};
use capstone_users::{Settings, repo::UserRepository};
use opentelemetry::trace::SpanKind;
use opentelemetry_sdk::trace::SpanData;
use redis::AsyncCommands as _;
use tracing::Instrument as _;

use crate::helpers::{RedisNamespace, TestDatabase};

/// Marks every value the tests send, so one search finds any leak.
const SECRET: &str = "span-secret";

/// The captured spans, after checking none carries [`SECRET`] anywhere.
fn spans_without_secrets(spans: &CapturedSpans) -> Vec<SpanData> {
    let all = spans.all();
    for span in &all {
        assert!(!span.name.contains(SECRET), "{span:?}");
        for attribute in &span.attributes {
            assert!(
                !attribute.value.as_str().contains(SECRET),
                "{} leaked into {}: {span:?}",
                attribute.value,
                attribute.key
            );
        }
    }
    all
}

fn named<'a>(spans: &'a [SpanData], name: &str) -> &'a SpanData {
    spans
        .iter()
        .find(|span| span.name == name)
        .unwrap_or_else(|| panic!("no span `{name}` in {spans:#?}"))
}

#[tokio::test]
async fn a_query_is_a_client_span_named_by_operation_and_table_without_its_values() {
    let (spans, _capture) = capture_on_this_thread();
    let database = TestDatabase::from_template(capstone_users::migrations::MIGRATIONS).await;
    let pool = database::connect_pool(&database.settings)
        .await
        .expect("pool");
    let users = UserRepository::new(pool);

    let found = users
        .find_with_password_hash(&format!("{SECRET}-ada@example.com"))
        .instrument(tracing::info_span!("request"))
        .await
        .expect("the query runs");

    assert!(found.is_none());
    let spans = spans_without_secrets(&spans);
    let query = named(&spans, "SELECT users");
    assert_eq!(query.span_kind, SpanKind::Client);
    assert_eq!(
        attribute(query, "db.system.name").as_deref(),
        Some("postgresql")
    );
    assert_eq!(
        attribute(query, "db.operation.name").as_deref(),
        Some("SELECT")
    );
    assert_eq!(
        attribute(query, "db.collection.name").as_deref(),
        Some("users")
    );
    assert_eq!(
        attribute(query, "db.namespace"),
        Some(database.name.clone())
    );
    let request = named(&spans, "request");
    assert_eq!(query.parent_span_id, request.span_context.span_id());
}

#[tokio::test]
async fn redis_commands_are_client_spans_named_by_the_command_without_keys_or_values() {
    let (spans, _capture) = capture_on_this_thread();
    let mut settings = Settings::load(None).expect("settings").redis;
    let namespace = RedisNamespace::new(&settings);
    settings.key_prefix = namespace.prefix.clone();
    let redis = LazyRedis::connect_in_background(&settings);
    eventually("Redis to answer PING", PATIENCE, || redis.ping()).await;
    let key = redis.key(&["user", SECRET]);

    let read = async {
        let value = format!("{SECRET}-cached-user");
        redis
            .run(async |connection| connection.set_ex::<_, _, ()>(&key, &value, 60).await)
            .await
            .expect("SETEX");
        redis
            .run(async |connection| connection.get::<_, Option<String>>(&key).await)
            .await
            .expect("GET")
    }
    .instrument(tracing::info_span!("request"))
    .await;

    assert!(read.is_some_and(|value| value.contains(SECRET)));
    let spans = spans_without_secrets(&spans);
    let request = named(&spans, "request");
    for command in ["SETEX", "GET"] {
        let span = named(&spans, command);
        assert_eq!(span.span_kind, SpanKind::Client);
        assert_eq!(attribute(span, "db.system.name").as_deref(), Some("redis"));
        assert_eq!(
            attribute(span, "db.operation.name").as_deref(),
            Some(command)
        );
        assert_eq!(span.parent_span_id, request.span_context.span_id());
    }
    // The PINGs above ran outside any span: no trace of their own.
    assert!(spans.iter().all(|span| span.name != "PING"), "{spans:#?}");
}
