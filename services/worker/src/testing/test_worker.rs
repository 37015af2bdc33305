//! A running worker for a test: its own database, broker prefix and email
//! directory, stopped and cleaned up when dropped.

use capstone_platform::service::ServiceSettings;
use std::path::PathBuf;

use capstone_platform::{
    Shutdown,
    database::{self, PgPool},
    telemetry::init_test_telemetry,
};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use tokio::task::JoinHandle;
use uuid::Uuid;

use super::{TestBroker, TestDatabase};
use crate::{
    Application, Handlers, Settings,
    email::EmailSinkKind,
    migrations::MIGRATIONS,
    repo::{AuditEntry, AuditLog},
    schema::{audit_log, processed_events},
    topology::{Concern, Topology},
};

/// A temporary directory for the file email sink, removed when dropped.
#[derive(Debug)]
pub struct EmailDirectory {
    /// Where the file sink writes `{event id}.eml`.
    pub path: PathBuf,
}

impl Default for EmailDirectory {
    fn default() -> Self {
        Self::new()
    }
}

impl EmailDirectory {
    /// A new, not yet created, directory under the system's temp dir (the
    /// mailer creates it at startup).
    pub fn new() -> Self {
        let name = format!("capstone-worker-emails-{}", Uuid::new_v4().simple());
        Self {
            path: std::env::temp_dir().join(name),
        }
    }

    /// Every `.eml` file in it, sorted.
    pub fn files(&self) -> Vec<PathBuf> {
        let Ok(entries) = std::fs::read_dir(&self.path) else {
            return Vec::new();
        };
        let mut files: Vec<PathBuf> = entries
            .filter_map(|entry| entry.ok().map(|entry| entry.path()))
            .filter(|path| path.extension().is_some_and(|ext| ext == "eml"))
            .collect();
        files.sort();
        files
    }

    /// The email sent for `event_id`, if any (the sink names files by it).
    pub fn read(&self, event_id: Uuid) -> Option<String> {
        std::fs::read_to_string(self.path.join(format!("{event_id}.eml"))).ok()
    }
}

impl Drop for EmailDirectory {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

// ANCHOR: worker_settings
/// Worker settings for a test: the usual layered loading (so `AMQP_URL`
/// is honoured), then this test's database, broker prefix and retry delays,
/// the file email sink in `emails`, and any free port for health.
pub fn worker_settings(
    database: &TestDatabase,
    broker: &TestBroker,
    emails: &EmailDirectory,
) -> Settings {
    let mut settings = <Settings as ServiceSettings>::load(None).expect("settings load");
    settings.amqp = broker.amqp.clone();
    let worker = &mut settings.worker;
    worker.database = database.settings.clone();
    worker.migrate_on_startup = false; // the template database is migrated
    worker.http.port = 0; // any free port: tests run in parallel
    worker.http.workers = 1;
    worker.retry_delays_ms = broker.retry_delays_ms.clone();
    worker.email.sink = EmailSinkKind::File;
    worker.email.directory = emails.path.clone();
    settings
}
// ANCHOR_END: worker_settings

/// A running worker and everything it owns. Dropping it stops the worker,
/// deletes its queues, its emails and its database.
pub struct TestWorker {
    /// `http://127.0.0.1:<port>` of the health endpoints.
    pub address: String,
    /// The settings it was built with.
    pub settings: Settings,
    /// A pool on the worker's database, for assertions.
    pub pool: PgPool,
    /// Where its emails go.
    pub emails: EmailDirectory,
    /// Its broker prefix (and a publisher).
    pub broker: TestBroker,
    /// Its database.
    pub database: TestDatabase,
    shutdown: Shutdown,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl std::fmt::Debug for TestWorker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestWorker")
            .field("address", &self.address)
            .field("prefix", &self.broker.amqp.prefix)
            .field("database", &self.database.name)
            .finish_non_exhaustive()
    }
}

impl TestWorker {
    /// The production worker on a fresh database and broker prefix.
    pub async fn spawn() -> Self {
        Self::spawn_with(TestBroker::new(), |_| {}, |handlers| handlers).await
    }

    /// Like [`spawn`](Self::spawn) on `broker`, adjusting the settings and
    /// the handlers (see [`Application::build_with`]) first. Set retry
    /// delays on the broker ([`TestBroker::with_retry_delays`]), not in
    /// `adjust_settings`: they name the retry queues it deletes afterwards.
    pub async fn spawn_with(
        broker: TestBroker,
        adjust_settings: impl FnOnce(&mut Settings),
        adjust_handlers: impl FnOnce(Handlers) -> Handlers,
    ) -> Self {
        // Queues exist before anything is published, worker up or not.
        broker.declare_topology().await;
        Self::start(broker, adjust_settings, adjust_handlers).await
    }

    /// The production worker on whatever queues `broker`'s namespace holds
    /// (none, or an older declaration): what it declares is its own doing.
    pub async fn spawn_on_existing_queues(broker: TestBroker) -> Self {
        Self::start(broker, |_| {}, |handlers| handlers).await
    }

    async fn start(
        broker: TestBroker,
        adjust_settings: impl FnOnce(&mut Settings),
        adjust_handlers: impl FnOnce(Handlers) -> Handlers,
    ) -> Self {
        init_test_telemetry();
        let database = TestDatabase::from_template(MIGRATIONS).await;
        let emails = EmailDirectory::new();
        let mut settings = worker_settings(&database, &broker, &emails);
        adjust_settings(&mut settings);
        // The test's own pool goes straight to the database, even when the
        // worker's goes through a proxy a test cuts.
        let pool = database::connect_pool(&database.settings)
            .await
            .expect("test database reachable");

        let application = Application::build_with(settings.clone(), adjust_handlers)
            .await
            .expect("the worker builds");
        let address = format!("http://127.0.0.1:{}", application.port());
        let shutdown = Shutdown::new();
        let task = tokio::spawn(application.run_until_stopped(shutdown.clone()));
        Self {
            address,
            settings,
            pool,
            emails,
            broker,
            database,
            shutdown,
            task: Some(task),
        }
    }

    /// This worker's queue names.
    pub fn topology(&self) -> Topology {
        self.broker.topology()
    }

    /// Stops the worker gracefully and waits until it has drained; the
    /// fixtures stay, for assertions.
    pub async fn stop(&mut self) -> std::io::Result<()> {
        self.shutdown.trigger();
        match self.task.take() {
            Some(task) => task.await.expect("the worker task joins"),
            None => Ok(()),
        }
    }

    /// The audit entries about `user_id`, oldest first.
    pub async fn audit_entries(&self, user_id: Uuid) -> Vec<AuditEntry> {
        AuditLog::new(self.pool.clone())
            .for_user(user_id)
            .await
            .expect("audit_log readable")
    }

    /// Audit rows in total.
    pub async fn audit_count(&self) -> i64 {
        let mut connection = self.pool.get().await.expect("a connection");
        audit_log::table
            .count()
            .get_result(&mut connection)
            .await
            .expect("count")
    }

    /// `processed_events` rows of `concern` for `event_id` (0 or 1).
    pub async fn processed_count(&self, concern: Concern, event_id: Uuid) -> i64 {
        let mut connection = self.pool.get().await.expect("a connection");
        processed_events::table
            .filter(processed_events::consumer.eq(concern.as_str()))
            .filter(processed_events::event_id.eq(event_id))
            .count()
            .get_result(&mut connection)
            .await
            .expect("count")
    }
}

impl Drop for TestWorker {
    fn drop(&mut self) {
        self.shutdown.trigger();
    }
}
