//! The parser against the statements diesel writes, and the ones it must
//! not be fooled by.

use super::*;

fn parts(sql: &str) -> (Option<&'static str>, Option<String>) {
    let summary = summarize(sql);
    (summary.operation, summary.table.map(Cow::into_owned))
}

fn expect(sql: &str, operation: &'static str, table: Option<&str>) {
    assert_eq!(
        parts(sql),
        (Some(operation), table.map(str::to_owned)),
        "{sql}"
    );
}

#[test]
fn diesel_statements_name_their_operation_and_table() {
    expect(
        r#"SELECT "users"."id", "users"."email" FROM "users" WHERE (lower("users"."email") = lower($1)) LIMIT $2"#,
        "SELECT",
        Some("users"),
    );
    expect(
        r#"INSERT INTO "outbox" ("id", "envelope") VALUES ($1, $2) RETURNING "outbox"."id""#,
        "INSERT",
        Some("outbox"),
    );
    expect(
        r#"UPDATE "sessions" SET "revoked_at" = $1 WHERE ("sessions"."family_id" = $2)"#,
        "UPDATE",
        Some("sessions"),
    );
    expect(
        r#"DELETE FROM "processed_events" WHERE ("processed_events"."processed_at" < $1)"#,
        "DELETE",
        Some("processed_events"),
    );
}

#[test]
fn keywords_are_case_insensitive_and_comments_are_skipped() {
    expect(
        "-- why\n/* and how */ select id from users",
        "SELECT",
        Some("users"),
    );
    expect("update ONLY users set x = 1", "UPDATE", Some("users"));
}

#[test]
fn schema_qualified_names_keep_their_schema() {
    expect(
        r#"SELECT * FROM "audit"."events""#,
        "SELECT",
        Some("audit.events"),
    );
    expect(
        "insert into public.users values (1)",
        "INSERT",
        Some("public.users"),
    );
}

#[test]
fn functions_and_subqueries_are_not_tables() {
    expect(
        "SELECT EXTRACT(EPOCH FROM now()) FROM outbox",
        "SELECT",
        Some("outbox"),
    );
    expect(
        "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS exists",
        "SELECT",
        Some("pg_database"),
    );
    expect("SELECT * FROM generate_series(1, 3)", "SELECT", None);
    expect("SELECT 1", "SELECT", None);
}

#[test]
fn string_literals_never_become_names() {
    expect(
        "SELECT 'x FROM secret_table' FROM users",
        "SELECT",
        Some("users"),
    );
    expect("SELECT 'it''s FROM here'", "SELECT", None);
}

#[test]
fn transactions_and_other_statements_have_no_table() {
    expect("BEGIN", "BEGIN", None);
    expect("COMMIT", "COMMIT", None);
    expect("LISTEN outbox", "LISTEN", None);
    expect(r#"CREATE DATABASE "capstone_test""#, "CREATE", None);
}

#[test]
fn unknown_first_words_name_no_operation() {
    assert_eq!(parts("hunter2 FROM users"), (None, None));
    assert_eq!(parts("'literal'"), (None, None));
    assert_eq!(parts(""), (None, None));
}

#[test]
fn span_names_follow_the_conventions() {
    assert_eq!(
        summarize(r#"SELECT * FROM "users""#).span_name("postgresql"),
        "SELECT users"
    );
    assert_eq!(summarize("BEGIN").span_name("postgresql"), "BEGIN");
    assert_eq!(summarize("VACUUM").span_name("postgresql"), "postgresql");
}
