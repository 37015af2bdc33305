//! What can go wrong talking to the database, from the caller's point of view.

use capstone_platform::database::describe_pool_error;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::pooled_connection::deadpool::PoolError;

/// The unique index that makes emails case-insensitively unique (see the migration).
const EMAIL_UNIQUE_CONSTRAINT: &str = "users_email_lower_key";

#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    /// No row matched.
    #[error("no matching row")]
    NotFound,
    /// The email address belongs to another account.
    #[error("email address already in use")]
    EmailTaken,
    /// The change would leave no active admin (see `repo::admins`).
    #[error("the last active admin cannot be demoted, disabled or deleted")]
    LastAdmin,
    /// Postgres cannot be reached or dropped the connection: retryable.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// The event announcing the change could not be made (its link could not
    /// be sealed): nothing was written.
    #[error("the change's event could not be made: {0}")]
    Announce(String),
    /// A stored row does not satisfy the domain rules (a bug or a manual edit).
    #[error("stored row is invalid: {0}")]
    CorruptRow(String),
    /// Anything else the database reported.
    #[error("database query failed")]
    Query(#[source] DieselError),
}

impl From<PoolError> for RepoError {
    fn from(error: PoolError) -> Self {
        RepoError::Unavailable(describe_pool_error(&error))
    }
}

// ANCHOR: classify_diesel_error
impl From<DieselError> for RepoError {
    fn from(error: DieselError) -> Self {
        match &error {
            DieselError::NotFound => RepoError::NotFound,
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info)
                if info.constraint_name() == Some(EMAIL_UNIQUE_CONSTRAINT) =>
            {
                RepoError::EmailTaken
            }
            DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection, _) => {
                RepoError::Unavailable(error.to_string())
            }
            _ => RepoError::Query(error),
        }
    }
}
// ANCHOR_END: classify_diesel_error
