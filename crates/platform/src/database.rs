//! Postgres through diesel-async: the connection pool, "create the database if
//! it is missing" for development, and the readiness check.
//!
//! One pool is built at startup and cloned into every handler (cloning shares
//! it). Both waiting for a free connection and opening a new one are bounded
//! by `database.acquire_timeout_ms`, so a database outage becomes a quick 503
//! instead of requests piling up. Every pooled connection reports each query
//! as a client span (`query_spans`, named by `sql_summary`). Every
//! connection, pooled or not, is opened by a [`PgConnector`]: plain, or TLS
//! as the URL's `sslmode` says (`connector`). Explained in
//! docs/src/databases.md; the spans in docs/src/monitoring.md; TLS in
//! docs/src/security.md.

mod connector;
mod query_spans;
pub mod replicas;
mod sql_summary;

pub use connector::{PgConnector, SslMode};

use std::{sync::Arc, time::Duration};

use deadpool::Runtime;
use diesel::{sql_types::Bool, sql_types::Text};
use diesel_async::{
    AsyncConnection, AsyncPgConnection, RunQueryDsl,
    pooled_connection::{
        AsyncDieselConnectionManager, ManagerConfig,
        deadpool::{Pool, PoolError},
    },
};
use futures_util::{FutureExt as _, future::BoxFuture};
use secrecy::{ExposeSecret, SecretString};

use crate::{
    ConfigError,
    health::{DependencyCheck, Down},
    settings::DatabaseSettings,
};

/// The pool type every service uses.
pub type PgPool = Pool<AsyncPgConnection>;

/// Why the database could not be used at startup.
#[derive(Debug, thiserror::Error)]
pub enum DatabaseError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Nothing answered, or it refused us (network, auth, missing database).
    #[error("cannot connect to Postgres at {target}: {reason}")]
    Unreachable { target: String, reason: String },
    #[error("cannot create database `{name}` on {target}: {reason}")]
    Create {
        name: String,
        target: String,
        reason: String,
    },
    #[error("the connection pool cannot be built: {0}")]
    Pool(String),
}

// ANCHOR: connect_pool
/// Builds the pool and checks out one connection, so that a wrong URL or a
/// stopped server fails startup with a clear message, not the first request.
pub async fn connect_pool(settings: &DatabaseSettings) -> Result<PgPool, DatabaseError> {
    let pool = build_pool(settings)?;
    let _first_connection = pool
        .get()
        .await
        .map_err(|error| DatabaseError::Unreachable {
            target: settings.display_target(),
            reason: describe_pool_error(&error),
        })?;
    Ok(pool)
}

/// The pool alone, nothing connected yet (read replicas start this way: one
/// that is down at startup is no reason not to start).
fn build_pool(settings: &DatabaseSettings) -> Result<PgPool, DatabaseError> {
    let connector = PgConnector::new(settings)?;
    let timeout = Duration::from_millis(settings.acquire_timeout_ms);
    let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(
        settings.url.expose_secret(),
        traced_connections(settings.database_name()?.into(), connector),
    );
    Pool::builder(manager)
        .max_size(settings.max_connections)
        .wait_timeout(Some(timeout))
        .create_timeout(Some(timeout))
        .recycle_timeout(Some(timeout))
        .runtime(Runtime::Tokio1)
        .build()
        .map_err(|error| DatabaseError::Pool(error.to_string()))
}
// ANCHOR_END: connect_pool

// ANCHOR: traced_connections
/// Every connection the pool opens reports its queries as spans, from its
/// first query on (set once, at creation: nothing per checkout). `connector`
/// opens it, over TLS if `sslmode` says so.
fn traced_connections(
    database: Arc<str>,
    connector: PgConnector,
) -> ManagerConfig<AsyncPgConnection> {
    let mut config = ManagerConfig::default();
    config.custom_setup = Box::new(move |url| {
        let database = Arc::clone(&database);
        let connector = connector.clone();
        let url = url.to_owned();
        async move {
            let mut connection = connector.establish(&url).await?;
            connection.set_instrumentation(query_spans::QuerySpans::new(database));
            Ok(connection)
        }
        .boxed()
    });
    config
}
// ANCHOR_END: traced_connections

/// Opens one connection to the configured database outside any pool
/// (LISTEN, tests), bounded by `timeout` because a black-holed address would
/// otherwise hang for minutes.
pub async fn connect_once(
    settings: &DatabaseSettings,
    timeout: Duration,
) -> Result<AsyncPgConnection, DatabaseError> {
    connect_to(settings, &settings.url, timeout).await
}

/// [`connect_once`] to `url`, a database on the server `settings` name.
async fn connect_to(
    settings: &DatabaseSettings,
    url: &SecretString,
    timeout: Duration,
) -> Result<AsyncPgConnection, DatabaseError> {
    let connector = PgConnector::new(settings)?;
    let unreachable = |reason: String| DatabaseError::Unreachable {
        target: settings.display_target(),
        reason,
    };
    match tokio::time::timeout(timeout, connector.establish(url.expose_secret())).await {
        Ok(Ok(connection)) => Ok(connection),
        Ok(Err(error)) => Err(unreachable(
            explain_connect_failure(url, error.to_string()).await,
        )),
        Err(_) => Err(unreachable(format!(
            "no answer within {} ms",
            timeout.as_millis()
        ))),
    }
}

/// The driver says only "error connecting to server" when the TCP connect
/// itself fails; a plain connect tells whether nothing listens there, which is
/// the fix people need ("start Postgres", not "check your password").
async fn explain_connect_failure(url: &SecretString, driver_message: String) -> String {
    let Ok(parsed) = url::Url::parse(url.expose_secret()) else {
        return driver_message;
    };
    let address = format!(
        "{}:{}",
        parsed.host_str().unwrap_or("127.0.0.1"),
        parsed.port().unwrap_or(5432)
    );
    let connect = tokio::net::TcpStream::connect(&address);
    match tokio::time::timeout(Duration::from_secs(1), connect).await {
        Ok(Err(error)) => format!("{driver_message} ({address}: {error})"),
        _ => driver_message,
    }
}

#[derive(diesel::QueryableByName)]
struct Exists {
    #[diesel(sql_type = Bool)]
    exists: bool,
}

/// Whether the configured database exists (asked of the maintenance database).
pub async fn database_exists(settings: &DatabaseSettings) -> Result<bool, DatabaseError> {
    let name = settings.database_name()?;
    let mut connection = connect_maintenance(settings).await?;
    exists(&mut connection, &name)
        .await
        .map_err(|error| DatabaseError::Unreachable {
            target: settings.display_target(),
            reason: error.to_string(),
        })
}

// ANCHOR: create_database_if_missing
/// Creates the configured database when it does not exist yet. Development
/// only: in production, databases are provisioned (Terraform), not conjured.
/// Returns whether it created one.
pub async fn create_database_if_missing(
    settings: &DatabaseSettings,
) -> Result<bool, DatabaseError> {
    let name = settings.database_name()?;
    let mut connection = connect_maintenance(settings).await?;
    let create_error = |reason: String| DatabaseError::Create {
        name: name.clone(),
        target: settings.display_target(),
        reason,
    };
    if exists(&mut connection, &name)
        .await
        .map_err(|e| create_error(e.to_string()))?
    {
        return Ok(false);
    }
    // Identifiers cannot be bind parameters; quote it (doubling quotes).
    let statement = format!("CREATE DATABASE \"{}\"", name.replace('"', "\"\""));
    match diesel::sql_query(statement).execute(&mut connection).await {
        Ok(_) => Ok(true),
        // Another instance created it between our check and our CREATE.
        Err(diesel::result::Error::DatabaseError(_, info))
            if info.message().contains("already exists") =>
        {
            Ok(false)
        }
        Err(error) => Err(create_error(error.to_string())),
    }
}
// ANCHOR_END: create_database_if_missing

/// Drops a database, disconnecting its sessions (tests clean up with this).
pub async fn drop_database(settings: &DatabaseSettings, name: &str) -> Result<(), DatabaseError> {
    let mut connection = connect_maintenance(settings).await?;
    let statement = format!(
        "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
        name.replace('"', "\"\"")
    );
    diesel::sql_query(statement)
        .execute(&mut connection)
        .await
        .map(|_| ())
        .map_err(|error| DatabaseError::Unreachable {
            target: settings.display_target(),
            reason: error.to_string(),
        })
}

async fn connect_maintenance(
    settings: &DatabaseSettings,
) -> Result<AsyncPgConnection, DatabaseError> {
    connect_to(
        settings,
        &settings.maintenance_url()?,
        Duration::from_millis(settings.acquire_timeout_ms),
    )
    .await
}

async fn exists(connection: &mut AsyncPgConnection, name: &str) -> QueryResult<bool> {
    diesel::sql_query("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS exists")
        .bind::<Text, _>(name)
        .get_result::<Exists>(connection)
        .await
        .map(|row| row.exists)
}

type QueryResult<T> = Result<T, diesel::result::Error>;

/// A short reason for a pool failure, fit for a log line or a health report.
pub fn describe_pool_error(error: &PoolError) -> String {
    match error {
        PoolError::Timeout(_) => "timed out waiting for a connection".to_owned(),
        PoolError::Backend(inner) => inner.to_string(),
        other => other.to_string(),
    }
}

/// `/health/ready` check: a connection from the pool answers `SELECT 1`.
#[derive(Clone)]
pub struct PostgresCheck {
    pool: PgPool,
}

impl std::fmt::Debug for PostgresCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresCheck")
            .field("pool", &self.pool.status())
            .finish()
    }
}

impl PostgresCheck {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

impl DependencyCheck for PostgresCheck {
    fn name(&self) -> &'static str {
        "postgres"
    }

    fn required(&self) -> bool {
        true
    }

    fn check(&self) -> BoxFuture<'_, Result<(), Down>> {
        Box::pin(async move {
            let mut connection = self.pool.get().await.map_err(PostgresDown::NoConnection)?;
            diesel::sql_query("SELECT 1")
                .execute(&mut connection)
                .await
                .map_err(PostgresDown::Query)?;
            Ok(())
        })
    }
}

/// Why the Postgres check failed.
#[derive(Debug, thiserror::Error)]
pub enum PostgresDown {
    /// The pool could not hand out a connection.
    #[error("{}", describe_pool_error(.0))]
    NoConnection(PoolError),
    /// A connection was had, and `SELECT 1` failed on it.
    #[error("SELECT 1 failed: {0}")]
    Query(diesel::result::Error),
}
