//! Schema migrations, embedded in the binary at compile time.
//!
//! Embedding means a deployed binary always carries the schema it was built
//! for: no migration files to ship, no drift between code and schema. They run
//! at startup and via `capstone migrate`.

use diesel::Connection;
use diesel_async::{AsyncPgConnection, async_connection_wrapper::AsyncConnectionWrapper};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use secrecy::ExposeSecret;

use capstone_platform::settings::DatabaseSettings;

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// Any fixed number works; it names "the users schema migration" lock for
/// every instance connected to the same database.
const MIGRATION_LOCK_KEY: i64 = 0x0CA9_5703_0001;

#[derive(Debug, thiserror::Error)]
#[error("migrations failed on {target}: {reason}")]
pub struct MigrationError {
    pub target: String,
    pub reason: String,
}

// ANCHOR: run_pending
/// Applies every migration not yet applied, returning their names.
///
/// Diesel's migration harness is synchronous, so it runs on a blocking thread
/// through `AsyncConnectionWrapper` (it must not block the async executor, and
/// diesel-async's own harness needs a multi-threaded runtime). A Postgres
/// advisory lock makes instances that start together take turns: the first
/// migrates, the others then find nothing pending.
pub async fn run_pending(settings: &DatabaseSettings) -> Result<Vec<String>, MigrationError> {
    let url = settings.url.expose_secret().to_owned();
    let target = settings.display_target();
    let failed = |reason: String| MigrationError {
        target: target.clone(),
        reason,
    };
    let applied = tokio::task::spawn_blocking(move || -> Result<Vec<String>, String> {
        let mut connection = AsyncConnectionWrapper::<AsyncPgConnection>::establish(&url)
            .map_err(|error| error.to_string())?;
        advisory(&mut connection, "SELECT pg_advisory_lock($1)")?;
        let result = connection
            .run_pending_migrations(MIGRATIONS)
            .map(|versions| versions.iter().map(ToString::to_string).collect())
            .map_err(|error| error.to_string());
        // Released with the connection anyway; unlocking says so explicitly.
        advisory(&mut connection, "SELECT pg_advisory_unlock($1)")?;
        result
    })
    .await
    .map_err(|error| failed(error.to_string()))?;
    applied.map_err(failed)
}
// ANCHOR_END: run_pending

fn advisory(
    connection: &mut AsyncConnectionWrapper<AsyncPgConnection>,
    statement: &str,
) -> Result<(), String> {
    use diesel::RunQueryDsl;
    diesel::sql_query(statement)
        .bind::<diesel::sql_types::BigInt, _>(MIGRATION_LOCK_KEY)
        .execute(connection)
        .map(|_| ())
        .map_err(|error| error.to_string())
}
