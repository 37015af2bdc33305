//! Persistence: the only place in the service that speaks SQL (through diesel).
//!
//! Repositories take and return domain types; rows (`UserRow`) stay in here.
//! Errors are classified once, in [`RepoError`], so that callers can tell "no
//! such user" from "the email is taken" from "Postgres is down" without
//! looking at driver messages.

mod admins;
mod credentials;
mod email_changes;
mod error;
pub mod outbox;
mod sessions;
mod user_row;
mod users;

pub use error::RepoError;

diesel::define_sql_function! {
    /// Postgres' `lower(text)`: emails compare case-insensitively.
    fn lower(text: diesel::sql_types::Text) -> diesel::sql_types::Text;
}
pub use outbox::{Backlog, OutboxRepository, PendingEvent};
pub use sessions::{Rotation, SessionLifetimes, SessionRepository};
pub use users::UserRepository;
