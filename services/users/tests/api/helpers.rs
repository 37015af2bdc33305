//! The test harness: a real users service on a free port, over a real
//! Postgres database of its own, driven through typed HTTP helpers.
//!
//! Each test calls [`spawn_app`] and gets a [`TestApp`]. Dropping it stops the
//! server and drops the test's database, so the suite runs in parallel and
//! leaves nothing behind but one migrated template database, reused by every
//! run while the migrations are unchanged. Set `TEST_LOG=1` to see the logs.

use std::{
    hash::{DefaultHasher, Hash, Hasher},
    path::Path,
    time::Duration,
};

use capstone_platform::{
    Shutdown,
    database::{self, connect_once},
    settings::DatabaseSettings,
    telemetry::init_test_telemetry,
};
use capstone_users::{Application, Settings, migrations};
use diesel::sql_types::BigInt;
use diesel_async::RunQueryDsl;
use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

/// A running users service and the database it owns.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub database: TestDatabase,
    shutdown: Shutdown,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

// ANCHOR: spawn_app
/// Starts the service as `main` would, on port 0 and a fresh database.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Like [`spawn_app`], letting the test adjust settings first.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    init_test_telemetry();
    let database = TestDatabase::from_template().await;

    // The same layered loading as production (so DATABASE_URL is honoured),
    // then the overrides that make tests independent of each other.
    let mut settings = Settings::load(None).expect("settings load");
    settings.database = database.settings.clone();
    settings.users.http.port = 0; // any free port: tests run in parallel
    settings.users.http.workers = 1;
    adjust(&mut settings);

    let application = Application::build(settings)
        .await
        .expect("the application builds");
    let address = format!("http://127.0.0.1:{}", application.port());
    let shutdown = Shutdown::new();
    let server = tokio::spawn(application.run_until_stopped(shutdown.clone()));
    TestApp {
        address,
        client: reqwest::Client::new(),
        database,
        shutdown,
        server,
    }
}
// ANCHOR_END: spawn_app

impl Drop for TestApp {
    fn drop(&mut self) {
        self.shutdown.trigger();
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Stops the server and waits until it has drained.
    pub async fn stop(mut self) -> std::io::Result<()> {
        self.shutdown.trigger();
        (&mut self.server).await.expect("server task joins")
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request sent")
    }

    pub async fn post_user(&self, body: &Value) -> reqwest::Response {
        self.client
            .post(self.url("/api/v1/users"))
            .json(body)
            .send()
            .await
            .expect("request sent")
    }

    /// Creates a user and returns it, failing the test unless it got 201.
    pub async fn create_user(&self, email: &str, display_name: &str) -> UserBody {
        let response = self
            .post_user(&serde_json::json!({"email": email, "display_name": display_name}))
            .await;
        assert_eq!(response.status(), 201, "creating {email}");
        response.json().await.expect("a user body")
    }

    pub async fn get_user(&self, id: &str) -> reqwest::Response {
        self.get(&format!("/api/v1/users/{id}")).await
    }

    pub async fn list_users(&self, query: &str) -> reqwest::Response {
        self.get(&format!("/api/v1/users?{query}")).await
    }

    /// Lists and returns the page, failing the test unless it got 200.
    pub async fn list_page(&self, query: &str) -> PageBody {
        let response = self.list_users(query).await;
        assert_eq!(response.status(), 200, "listing with {query}");
        response.json().await.expect("a page body")
    }

    pub async fn patch_user(&self, id: Uuid, body: &Value) -> reqwest::Response {
        self.client
            .patch(self.url(&format!("/api/v1/users/{id}")))
            .json(body)
            .send()
            .await
            .expect("request sent")
    }

    pub async fn delete_user(&self, id: Uuid) -> reqwest::Response {
        self.client
            .delete(self.url(&format!("/api/v1/users/{id}")))
            .send()
            .await
            .expect("request sent")
    }

    /// A user whose email is verified: a state no endpoint can reach yet
    /// (verification arrives with the messaging chapter), so set it in SQL.
    pub async fn create_verified_user(&self, email: &str, display_name: &str) -> UserBody {
        let user = self.create_user(email, display_name).await;
        let mut connection = self.database.connect().await;
        diesel::sql_query("UPDATE users SET email_verified_at = now() WHERE id = $1")
            .bind::<diesel::sql_types::Uuid, _>(user.id)
            .execute(&mut connection)
            .await
            .expect("SQL runs");
        user
    }
}

/// A user as the API returns it.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct UserBody {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub role: String,
    pub email_verified_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// A page of users as the API returns it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageBody {
    pub items: Vec<UserBody>,
    pub next_cursor: Option<String>,
}

/// An RFC 9457 problem as the API returns it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProblemBody {
    #[serde(rename = "type")]
    pub problem_type: String,
    pub title: String,
    pub status: u16,
    pub detail: Option<String>,
    pub instance: Option<String>,
    pub request_id: Option<String>,
    #[serde(default)]
    pub errors: Vec<FieldErrorBody>,
}

#[derive(Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct FieldErrorBody {
    pub pointer: String,
    pub code: String,
    pub detail: String,
}

impl ProblemBody {
    /// The `(pointer, code)` pairs, for compact assertions.
    pub fn field_codes(&self) -> Vec<(&str, &str)> {
        self.errors
            .iter()
            .map(|error| (error.pointer.as_str(), error.code.as_str()))
            .collect()
    }
}

/// A response header as text, if present and printable.
pub fn header(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
}

/// Asserts `response` is a problem+json with `status`, and returns the problem.
pub async fn assert_problem(response: reqwest::Response, status: u16) -> ProblemBody {
    assert_eq!(response.status(), status, "status");
    assert_eq!(
        header(&response, "content-type").as_deref(),
        Some("application/problem+json")
    );
    let request_id = header(&response, "x-request-id");
    let problem: ProblemBody = response.json().await.expect("a problem body");
    assert_eq!(problem.status, status, "status in the body");
    assert!(
        problem.request_id.is_some(),
        "problems carry the request id"
    );
    assert_eq!(problem.request_id, request_id, "the same id as the header");
    problem
}

// ANCHOR: test_database
/// A database that exists for one test and is dropped with it.
pub struct TestDatabase {
    pub settings: DatabaseSettings,
    pub name: String,
}

/// Serialises template creation across every test process on the machine.
const TEMPLATE_LOCK_KEY: i64 = 0x0CA9_5703_7E57;

impl TestDatabase {
    /// A copy of the migrated template: a file copy inside Postgres, much
    /// faster than running the migrations for every test.
    pub async fn from_template() -> Self {
        let server = server_settings();
        let template = ensure_template(&server).await;
        Self::create(&server, &format!("TEMPLATE \"{template}\"")).await
    }

    /// An empty database, for tests of migrations themselves.
    pub async fn empty() -> Self {
        Self::create(&server_settings(), "").await
    }

    /// A name for a database that does not exist (and is dropped, should a
    /// test create it).
    pub fn unique_missing() -> Self {
        let server = server_settings();
        let name = unique_name("capstone_users_test");
        Self {
            settings: server.with_database(&name).expect("valid name"),
            name,
        }
    }

    async fn create(server: &DatabaseSettings, options: &str) -> Self {
        let name = unique_name("capstone_users_test");
        retry_while_template_busy(server, &format!("CREATE DATABASE \"{name}\" {options}")).await;
        Self {
            settings: server.with_database(&name).expect("valid name"),
            name,
        }
    }

    pub async fn connect(&self) -> diesel_async::AsyncPgConnection {
        connect_once(&self.settings.url, &self.name, Duration::from_secs(5))
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
async fn ensure_template(server: &DatabaseSettings) -> String {
    let name = format!("capstone_users_template_{:016x}", migrations_fingerprint());
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
        migrations::run_pending(&building_settings)
            .await
            .expect("migrations apply to the template");
        retry_while_template_busy(
            server,
            &format!("ALTER DATABASE \"{building}\" RENAME TO \"{name}\""),
        )
        .await;
    }
    advisory(&mut maintenance, "SELECT pg_advisory_unlock($1)").await;
    name
}
// ANCHOR_END: test_database

/// The server from the usual settings (DATABASE_URL, …), whatever database
/// they name.
fn server_settings() -> DatabaseSettings {
    Settings::load(None).expect("settings load").database
}

fn unique_name(prefix: &str) -> String {
    format!("{prefix}_{}", Uuid::new_v4().simple())
}

/// A hash of every migration file: a changed migration means a new template.
fn migrations_fingerprint() -> u64 {
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
    visit(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations"),
        &mut hasher,
    );
    hasher.finish()
}

async fn connect_maintenance(server: &DatabaseSettings) -> diesel_async::AsyncPgConnection {
    connect_once(
        &server.maintenance_url().expect("valid url"),
        "maintenance",
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
