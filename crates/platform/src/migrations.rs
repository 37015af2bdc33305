//! Running a service's embedded schema migrations, one instance at a time.
//!
//! Each service embeds its own `migrations/` directory in its binary at
//! compile time (`embed_migrations!`): a deployed binary always carries the
//! schema it was built for. A service describes its set once, as a const
//! [`MigrationSet`], and passes it here at startup, from `capstone migrate`
//! and from its tests.

use diesel_async::{AsyncPgConnection, async_connection_wrapper::AsyncConnectionWrapper};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness};
use secrecy::ExposeSecret;

use crate::{database::PgConnector, settings::DatabaseSettings};

/// One service's migrations.
pub struct MigrationSet {
    /// Which service they belong to (`users`, `worker`): names test templates.
    pub service: &'static str,
    pub migrations: EmbeddedMigrations,
    /// Any fixed number, distinct per service: the advisory lock that makes
    /// instances starting together take turns.
    pub lock_key: i64,
    /// The source directory, so tests can tell when migrations changed.
    pub source_dir: &'static str,
}

impl std::fmt::Debug for MigrationSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MigrationSet")
            .field("service", &self.service)
            .field("source_dir", &self.source_dir)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
#[error("migrations failed on {target}: {reason}")]
pub struct MigrationError {
    pub target: String,
    pub reason: String,
}

// ANCHOR: run_pending
/// Applies every migration of `set` not yet applied, returning their names.
///
/// Diesel's migration harness is synchronous, so it runs on a blocking thread
/// through `AsyncConnectionWrapper` (it must not block the async executor, and
/// diesel-async's own harness needs a multi-threaded runtime). The
/// connection is opened before, here, by the same [`PgConnector`] as the
/// pool's, so migrations use TLS exactly when the service does. A Postgres
/// advisory lock makes instances that start together take turns: the first
/// migrates, the others then find nothing pending.
pub async fn run_pending(
    set: MigrationSet,
    settings: &DatabaseSettings,
) -> Result<Vec<String>, MigrationError> {
    let target = settings.display_target();
    let failed = |reason: String| MigrationError {
        target: target.clone(),
        reason,
    };
    let connector = PgConnector::new(settings).map_err(|error| failed(error.to_string()))?;
    let connection = connector
        .establish(settings.url.expose_secret())
        .await
        .map_err(|error| failed(error.to_string()))?;
    let applied = tokio::task::spawn_blocking(move || -> Result<Vec<String>, String> {
        let mut connection = AsyncConnectionWrapper::<AsyncPgConnection>::from(connection);
        advisory(&mut connection, "SELECT pg_advisory_lock($1)", set.lock_key)?;
        let result = connection
            .run_pending_migrations(set.migrations)
            .map(|versions| versions.iter().map(ToString::to_string).collect())
            .map_err(|error| error.to_string());
        // Released with the connection anyway; unlocking says so explicitly.
        advisory(
            &mut connection,
            "SELECT pg_advisory_unlock($1)",
            set.lock_key,
        )?;
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
    key: i64,
) -> Result<(), String> {
    use diesel::RunQueryDsl;
    diesel::sql_query(statement)
        .bind::<diesel::sql_types::BigInt, _>(key)
        .execute(connection)
        .map(|_| ())
        .map_err(|error| error.to_string())
}
