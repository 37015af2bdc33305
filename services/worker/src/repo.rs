//! Diesel queries: the only module that speaks SQL.
//!
//! | module | table |
//! |---|---|
//! | [`audit_log`] | the audit trail, written with its idempotency record in one transaction |
//! | [`processed_events`] | which events each consumer has applied |

pub mod audit_log;
pub mod processed_events;

pub use audit_log::{Appended, AuditEntry, AuditLog};
pub use processed_events::ProcessedEvents;

use capstone_platform::database::describe_pool_error;
use diesel_async::pooled_connection::deadpool::PoolError;

/// What can go wrong talking to the worker's database. Every variant is
/// worth a retry from the handler's point of view: the event itself is fine.
#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    /// No connection within `acquire_timeout_ms`, or Postgres is down.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// A query failed (a dropped connection, a serialisation failure…).
    #[error("database query failed: {0}")]
    Query(#[from] diesel::result::Error),
}

impl RepoError {
    /// Whether the database could not be reached at all: no connection from
    /// the pool, or the connection died under the query. Anything else
    /// (a constraint, a serialisation failure) is about this query.
    pub fn is_unreachable(&self) -> bool {
        use diesel::result::{DatabaseErrorKind, Error};
        match self {
            RepoError::Unavailable(_) => true,
            // What diesel-async reports when the socket dies mid-query.
            RepoError::Query(Error::DatabaseError(
                DatabaseErrorKind::UnableToSendCommand | DatabaseErrorKind::ClosedConnection,
                _,
            )) => true,
            RepoError::Query(_) => false,
        }
    }
}

impl From<PoolError> for RepoError {
    fn from(error: PoolError) -> Self {
        RepoError::Unavailable(describe_pool_error(&error))
    }
}
