//! A Postgres database per test, copied from a template that is migrated once
//! per version of a service's migrations.

use std::{
    hash::{DefaultHasher, Hash, Hasher},
    path::Path,
    time::Duration,
};

use crate::{
    config::load_settings,
    database::{self, connect_once},
    migrations::{self, MigrationSet},
    settings::DatabaseSettings,
};
use diesel::sql_types::BigInt;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

// ANCHOR: test_database
/// A database that exists for one test and is dropped with it.
#[derive(Debug)]
pub struct TestDatabase {
    pub settings: DatabaseSettings,
    pub name: String,
}

/// Serialises template creation across every test process on the machine.
const TEMPLATE_LOCK_KEY: i64 = 0x0CA9_5703_7E57;

impl TestDatabase {
    /// A copy of the template migrated with `set`: a file copy inside
    /// Postgres, much faster than running the migrations for every test.
    pub async fn from_template(set: MigrationSet) -> Self {
        let server = server_settings();
        let service = set.service;
        let template = ensure_template(&server, set).await;
        Self::create(&server, service, &format!("TEMPLATE \"{template}\"")).await
    }

    /// An empty database, for tests of migrations themselves.
    pub async fn empty(service: &str) -> Self {
        Self::create(&server_settings(), service, "").await
    }

    /// A name for a database that does not exist (and is dropped, should a
    /// test create it).
    pub fn unique_missing(service: &str) -> Self {
        let server = server_settings();
        let name = unique_name(&format!("capstone_{service}_test"));
        Self {
            settings: server.with_database(&name).expect("valid name"),
            name,
        }
    }

    async fn create(server: &DatabaseSettings, service: &str, options: &str) -> Self {
        let name = unique_name(&format!("capstone_{service}_test"));
        retry_while_template_busy(server, &format!("CREATE DATABASE \"{name}\" {options}")).await;
        Self {
            settings: server.with_database(&name).expect("valid name"),
            name,
        }
    }

    pub async fn connect(&self) -> diesel_async::AsyncPgConnection {
        connect_once(&self.settings, Duration::from_secs(5))
            .await
            .expect("test database reachable")
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        // Drop runs outside async code, possibly while the test's runtime is
        // shutting down: use a small runtime on a thread of its own.
        let settings = self.settings.clone();
        let name = self.name.clone();
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(database::drop_database(&settings, &name))
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("warning: test database {} was not dropped", self.name);
        }
    }
}

/// Creates the migrated template once per migrations fingerprint.
async fn ensure_template(server: &DatabaseSettings, set: MigrationSet) -> String {
    let service = set.service;
    let name = format!(
        "capstone_{service}_template_{:016x}",
        migrations_fingerprint(set.source_dir)
    );
    let mut maintenance = connect_maintenance(server).await;
    advisory(&mut maintenance, "SELECT pg_advisory_lock($1)").await;

    let template = server.with_database(&name).expect("valid name");
    if !database::database_exists(&template).await.expect("query") {
        // Build under another name and rename when complete, so a run that
        // dies halfway never leaves a half-migrated template behind.
        let building = format!("{name}_building");
        database::drop_database(server, &building)
            .await
            .expect("drop leftovers");
        let building_settings = server.with_database(&building).expect("valid name");
        database::create_database_if_missing(&building_settings)
            .await
            .expect("create template");
        migrations::run_pending(set, &building_settings)
            .await
            .expect("migrations apply to the template");
        retry_while_template_busy(
            server,
            &format!("ALTER DATABASE \"{building}\" RENAME TO \"{name}\""),
        )
        .await;
        drop_stale_templates(server, &mut maintenance, service, &name).await;
    }
    advisory(&mut maintenance, "SELECT pg_advisory_unlock($1)").await;
    name
}
// ANCHOR_END: test_database

/// Templates of earlier migration versions are no longer used by anyone:
/// drop them, so the suite leaves exactly one template behind.
async fn drop_stale_templates(
    server: &DatabaseSettings,
    maintenance: &mut diesel_async::AsyncPgConnection,
    service: &str,
    current: &str,
) {
    #[derive(diesel::QueryableByName)]
    struct Name {
        #[diesel(sql_type = diesel::sql_types::Text)]
        datname: String,
    }
    let stale: Vec<Name> = diesel::sql_query(
        "SELECT datname FROM pg_database WHERE datname LIKE $1 AND datname <> $2",
    )
    .bind::<diesel::sql_types::Text, _>(format!("capstone\\_{service}\\_template\\_%"))
    .bind::<diesel::sql_types::Text, _>(current)
    .load(maintenance)
    .await
    .expect("list templates");
    for template in stale {
        // Best effort: a template another run is copying right now stays.
        let _ = database::drop_database(server, &template.datname).await;
    }
}

/// The server from the usual settings (DATABASE_URL, …), whatever database
/// they name.
pub(crate) fn server_settings() -> DatabaseSettings {
    #[derive(Default, serde::Deserialize, serde::Serialize)]
    #[serde(default)]
    struct Server {
        database: DatabaseSettings,
    }
    load_settings::<Server>(None)
        .expect("settings load")
        .database
}

fn unique_name(prefix: &str) -> String {
    format!("{prefix}_{}", Uuid::new_v4().simple())
}

/// A hash of every migration file: a changed migration means a new template.
fn migrations_fingerprint(source_dir: &str) -> u64 {
    fn visit(dir: &Path, hasher: &mut DefaultHasher) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .expect("migrations dir")
            .map(|entry| entry.expect("entry").path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                visit(&path, hasher);
            } else {
                path.file_name().hash(hasher);
                std::fs::read(&path).expect("migration file").hash(hasher);
            }
        }
    }
    let mut hasher = DefaultHasher::new();
    visit(Path::new(source_dir), &mut hasher);
    hasher.finish()
}

async fn connect_maintenance(server: &DatabaseSettings) -> diesel_async::AsyncPgConnection {
    connect_once(
        &server.with_database("postgres").expect("valid url"),
        Duration::from_secs(5),
    )
    .await
    .expect("Postgres reachable: run scripts/dev-services.sh")
}

async fn advisory(connection: &mut diesel_async::AsyncPgConnection, statement: &str) {
    diesel::sql_query(statement)
        .bind::<BigInt, _>(TEMPLATE_LOCK_KEY)
        .execute(connection)
        .await
        .expect("advisory lock");
}

/// Postgres refuses to copy or rename a database while a session is still
/// connected to it; the session that just migrated the template closes in
/// the background, so retry briefly.
async fn retry_while_template_busy(server: &DatabaseSettings, statement: &str) {
    let mut connection = connect_maintenance(server).await;
    for _ in 0..100 {
        match diesel::sql_query(statement).execute(&mut connection).await {
            Ok(_) => return,
            Err(error) if error.to_string().contains("being accessed by other users") => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(error) => panic!("{statement}: {error}"),
        }
    }
    panic!("{statement}: the template stayed busy");
}
