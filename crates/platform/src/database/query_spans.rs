//! A client span per SQL statement (OpenTelemetry's database conventions),
//! from diesel's instrumentation hook, installed on every pooled connection.
//!
//! diesel tells a connection's [`Instrumentation`] when a query starts and
//! when it finishes; the span lives in between, so its duration is the
//! query's round trip, and it is a child of whatever span issued the query
//! (the request, the relay's publish…). Attributes: `db.system.name`,
//! `db.namespace` (the database), `db.operation.name` and
//! `db.collection.name` from [`super::sql_summary`]. Never the values:
//! diesel's own description of a query ends in `-- binds: [...]`, and
//! [`sql_text`] stops reading before that part is even formatted.

use std::{collections::VecDeque, fmt, sync::Arc};

use diesel::connection::{DebugQuery, Instrumentation, InstrumentationEvent};
use tracing::{Level, Span, field::Empty};

use super::sql_summary::summarize;

/// What diesel's `Display` of a query puts between the SQL and its values.
const BINDS_MARKER: &str = " -- binds: ";
/// Longer SQL (a migration script) is cut: the summary needs only the start.
const MAX_SQL_LENGTH: usize = 16 * 1024;
/// Started but unfinished queries kept per connection (pipelined queries,
/// or futures dropped mid-query that will never report their end).
const MAX_IN_FLIGHT: usize = 16;

/// The instrumentation of one connection.
#[derive(Debug)]
pub(crate) struct QuerySpans {
    /// `db.namespace`: the database's name.
    namespace: Arc<str>,
    /// Queries started and not finished yet, oldest first, with their SQL
    /// to match the finish event to its start.
    in_flight: VecDeque<(String, Span)>,
}

impl QuerySpans {
    pub(crate) fn new(namespace: Arc<str>) -> Self {
        Self {
            namespace,
            in_flight: VecDeque::new(),
        }
    }

    // ANCHOR: query_span
    fn start(&mut self, query: &dyn DebugQuery) {
        // Only inside traced work: a query outside any span (a background
        // loop's poll) would be a one-span trace that says nothing, and at
        // full sampling they would flood the trace store. And nothing is
        // formatted when spans at this level are off.
        if !tracing::span_enabled!(Level::INFO) || Span::current().is_none() {
            return;
        }
        let sql = sql_text(query);
        let summary = summarize(&sql);
        let span = tracing::info_span!(
            "postgresql",
            otel.name = %summary.span_name("postgresql"),
            otel.kind = "client",
            otel.status_code = Empty,
            db.system.name = "postgresql",
            db.namespace = %self.namespace,
            db.operation.name = summary.operation,
            db.collection.name = summary.table.as_deref(),
            error.type = Empty,
        );
        self.in_flight.push_back((sql, span));
        if self.in_flight.len() > MAX_IN_FLIGHT {
            self.in_flight.pop_front();
        }
    }
    // ANCHOR_END: query_span

    fn finish(&mut self, query: &dyn DebugQuery, error: Option<&diesel::result::Error>) {
        if self.in_flight.is_empty() {
            return;
        }
        let sql = sql_text(query);
        let Some(position) = self.in_flight.iter().position(|(text, _)| *text == sql) else {
            return;
        };
        // Older entries belong to queries whose futures were dropped (a
        // timeout): they will never finish, so their spans end now.
        self.in_flight.drain(..position);
        if let Some((_, span)) = self.in_flight.pop_front()
            && let Some(error) = error
        {
            span.record("otel.status_code", "ERROR");
            span.record("error.type", error_type(error));
        }
    }
}

impl Instrumentation for QuerySpans {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        match event {
            InstrumentationEvent::StartQuery { query, .. } => self.start(query),
            InstrumentationEvent::FinishQuery { query, error, .. } => self.finish(query, error),
            _ => {}
        }
    }
}

// ANCHOR: sql_text
/// The SQL of `query` without its bind values: formatting stops at the
/// marker before them, so the values are never written anywhere.
pub(crate) fn sql_text(query: &dyn DebugQuery) -> String {
    let mut text = SqlOnly(String::new());
    // An error here is the writer stopping on purpose.
    let _ = fmt::write(&mut text, format_args!("{query}"));
    text.0
}

struct SqlOnly(String);

impl fmt::Write for SqlOnly {
    fn write_str(&mut self, chunk: &str) -> fmt::Result {
        let room = MAX_SQL_LENGTH.saturating_sub(self.0.len());
        let end = chunk.floor_char_boundary(room.min(chunk.len()));
        self.0.push_str(&chunk[..end]);
        // The marker may straddle two chunks: look a little further back.
        let from = self
            .0
            .len()
            .saturating_sub(chunk.len() + BINDS_MARKER.len());
        let from = self.0.floor_char_boundary(from);
        if let Some(found) = self.0[from..].find(BINDS_MARKER) {
            self.0.truncate(from + found);
            return Err(fmt::Error);
        }
        if end < chunk.len() {
            return Err(fmt::Error);
        }
        Ok(())
    }
}
// ANCHOR_END: sql_text

/// A low-cardinality class of the failure, never its message (which may
/// quote a value, as a unique violation's detail does).
fn error_type(error: &diesel::result::Error) -> &'static str {
    use diesel::result::{DatabaseErrorKind as Kind, Error};
    match error {
        Error::DatabaseError(kind, _) => match kind {
            Kind::UniqueViolation => "unique_violation",
            Kind::ForeignKeyViolation => "foreign_key_violation",
            Kind::NotNullViolation => "not_null_violation",
            Kind::CheckViolation => "check_violation",
            Kind::SerializationFailure => "serialization_failure",
            Kind::ReadOnlyTransaction => "read_only_transaction",
            Kind::ClosedConnection => "closed_connection",
            _ => "database_error",
        },
        Error::NotFound => "not_found",
        Error::RollbackTransaction => "rollback",
        Error::AlreadyInTransaction | Error::NotInTransaction => "transaction_state",
        Error::BrokenTransactionManager => "broken_transaction",
        Error::SerializationError(_) | Error::DeserializationError(_) => "serialization",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use diesel::{pg::Pg, prelude::*};

    use super::*;

    diesel::table! {
        users (id) {
            id -> Integer,
            email -> Text,
        }
    }

    #[test]
    fn the_sql_text_of_a_query_has_no_bind_values() {
        let query = users::table
            .filter(users::email.eq("ada-secret@example.com"))
            .select(users::id);
        let debug = diesel::debug_query::<Pg, _>(&query);
        // diesel's own description does carry the value: the reason for this.
        assert!(debug.to_string().contains("ada-secret@example.com"));

        let text = sql_text(&debug);

        assert!(!text.contains("ada-secret"), "{text}");
        assert!(!text.contains("binds"), "{text}");
        assert_eq!(
            text,
            r#"SELECT "users"."id" FROM "users" WHERE ("users"."email" = $1)"#
        );
    }

    #[test]
    fn very_long_sql_is_cut_not_copied_whole() {
        let long = format!("SELECT 1 {}", "-- padding\n".repeat(4 * 1024));
        let query = diesel::sql_query(long);
        let debug = diesel::debug_query::<Pg, _>(&query);

        let text = sql_text(&debug);

        assert_eq!(text.len(), MAX_SQL_LENGTH);
        assert!(text.starts_with("SELECT 1"));
    }

    #[test]
    fn errors_are_named_by_kind_not_by_message() {
        let message = "Key (email)=(ada@example.com) already exists".to_owned();
        let error = diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            Box::new(message),
        );
        assert_eq!(error_type(&error), "unique_violation");
    }
}
