//! Builds the worker from its settings: database, migrations, mailer,
//! handlers, health endpoints; then runs the consumers and the HTTP server
//! together until shutdown.
//!
//! `Application::build` does the fallible work and returns a worker that is
//! bound but not yet consuming, so callers (main, `capstone up`, the tests)
//! learn the health port first. The broker is not needed to build: the
//! consumer loop connects (and reconnects) on its own, and `/health/ready`
//! says `rabbitmq: down` until it has.

use std::{sync::Arc, time::Duration};

use actix_web::{App, HttpServer, web};
use capstone_platform::{
    ConfigError, Shutdown,
    amqp::{BrokerCheck, BrokerState},
    database::{self, DatabaseError, PgPool, PostgresCheck},
    health::{self, Readiness},
    metrics::{MetricsExporter, RequestMetrics, exporter},
    middleware::{self, standard_middleware},
    sealing::Sealer,
    server::{self, BindError, StartedServer},
    service::{Remedy, Service, ServiceSettings},
};
use chrono::TimeDelta;

use crate::{
    consumer::Consumers,
    dependencies::DependencyProbes,
    email::{EmailError, Mailer},
    handlers::{AuditHandler, EmailHandler, Handler},
    metrics::{self, WorkerMetrics},
    migrations,
    pruner::Pruner,
    repo::{AuditLog, ProcessedEvents},
    settings::Settings,
    topology::Topology,
};

/// Why the worker could not start. Each variant names what to fix.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// A setting is invalid (the message names the key).
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The worker's database cannot be reached or created.
    #[error(transparent)]
    Database(#[from] DatabaseError),
    /// A migration failed.
    #[error(transparent)]
    Migrations(#[from] migrations::MigrationError),
    /// The email sink cannot be set up (e.g. its directory cannot be created).
    #[error("the mailer cannot be set up: {0}")]
    Email(#[from] EmailError),
    /// `build_with` got no handler, or two for the same concern.
    #[error("invalid handler set: {0}")]
    Handlers(String),
    /// The health port is taken or not allowed.
    #[error(transparent)]
    Bind(#[from] BindError),
}

impl Remedy for StartupError {
    fn remedy(&self) -> Option<String> {
        match self {
            Self::Config(error) => error.remedy(),
            Self::Database(error) => error.remedy().map(|advice| {
                format!(
                    "The worker keeps processed event ids and the audit trail in its own \
                     database (worker.database.url). {advice}"
                )
            }),
            Self::Migrations(error) => error.remedy(),
            Self::Email(_) => Some(
                "Check [worker.email]: with sink = \"file\", its directory must be writable; \
                 with sink = \"smtp\", its host and port."
                    .into(),
            ),
            Self::Handlers(_) => None, // A test's handler set, not configuration.
            Self::Bind(error) => error.remedy(),
        }
    }
}

/// The handlers a worker runs; `build_with` lets tests adjust them.
pub type Handlers = Vec<Arc<dyn Handler>>;

/// A built worker: health server bound, consumers ready to start.
#[derive(Debug)]
pub struct Application {
    port: u16,
    server: StartedServer,
    consumers: Consumers,
    pruner: Pruner,
}

// The inherent methods (which tests call without importing the trait) do the
// work; `Self::build` and `self.run_until_stopped` resolve to them.
impl Service for Application {
    const NAME: &'static str = "capstone-worker";
    type Settings = Settings;
    type Error = StartupError;

    async fn build(settings: Settings) -> Result<Self, StartupError> {
        Self::build(settings).await
    }

    fn port(&self) -> u16 {
        self.port
    }

    async fn run_until_stopped(self, shutdown: Shutdown) -> std::io::Result<()> {
        self.run_until_stopped(shutdown).await
    }
}

impl Application {
    /// The production worker: the email and audit handlers.
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        Self::build_with(settings, |handlers| handlers).await
    }

    // ANCHOR: build_with
    /// Like [`build`](Self::build), passing the default handlers through
    /// `adjust` first: tests wrap one (to fail or slow it on purpose) or
    /// replace the set. At most one handler per concern.
    pub async fn build_with(
        settings: Settings,
        adjust: impl FnOnce(Handlers) -> Handlers,
    ) -> Result<Self, StartupError> {
        settings.validate()?;
        let worker = &settings.worker;
        if settings.environment.is_development()
            && database::create_database_if_missing(&worker.database).await?
        {
            tracing::warn!(database = %worker.database.display_target(),
                "created the database (development only)");
        }
        // The pool first: its connect is bounded by timeouts, so an absent
        // Postgres fails here, quickly, before migrations wait on it.
        let pool = database::connect_pool(&worker.database).await?;
        if worker.migrate_on_startup {
            let applied = migrations::run_pending(&worker.database).await?;
            if !applied.is_empty() {
                tracing::info!(?applied, "applied migrations");
            }
        }
        let pruner = Pruner {
            processed: ProcessedEvents::new(pool.clone()),
            // In range: `validate` bounds it (TimeDelta::seconds panics beyond).
            retention: TimeDelta::seconds(
                i64::try_from(worker.processed_retention_secs).unwrap_or(i64::MAX),
            ),
            interval: Duration::from_secs(worker.prune_interval_secs),
        };
        let mailer = build_mailer(&settings)?;
        let handlers = adjust(default_handlers(&mailer, &pool));
        check_handlers(&handlers)?;
        let probes = DependencyProbes {
            postgres: PostgresCheck::new(pool.clone()),
            mailer,
        };

        let state = BrokerState::default();
        // This instance's registry: whatever else runs in the process,
        // its `/metrics` shows this worker only.
        let worker_metrics = WorkerMetrics::new();
        let metrics_exporter = metrics::exporter(&worker_metrics, &pool, &state);
        let readiness = Readiness::new(Duration::from_millis(worker.readiness_timeout_ms))
            .with_check(PostgresCheck::new(pool))
            // Required: without the broker the worker has nothing to do.
            .with_check(BrokerCheck::new(state.clone(), true));
        let (port, server) = health_server(&settings, readiness, metrics_exporter)?;
        let consumers = Consumers {
            amqp: settings.amqp.clone(),
            topology: Topology::new(&settings.amqp, &worker.retry_delays_ms),
            handlers,
            prefetch: worker.prefetch,
            concurrency: worker.concurrency,
            state,
            probes,
            metrics: worker_metrics,
        };
        Ok(Self {
            port,
            server,
            consumers,
            pruner,
        })
    }
    // ANCHOR_END: build_with

    /// The port `/health/*` is served on (the real one when configured as 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Consumes and serves health until `shutdown` trips; then stops taking
    /// messages, lets in-flight ones finish (bounded by
    /// [`DRAIN_TIMEOUT`](crate::consumer::DRAIN_TIMEOUT)), closes the
    /// connection and stops the server.
    pub async fn run_until_stopped(self, shutdown: Shutdown) -> std::io::Result<()> {
        let consumers = self.consumers.run(shutdown.clone());
        let pruner = self.pruner.run(shutdown.clone());
        let server = self.server.run_until_stopped(shutdown);
        let ((), (), served) = tokio::join!(consumers, pruner, server);
        served
    }
}

/// The mailer the settings describe (file or SMTP sink).
fn build_mailer(settings: &Settings) -> Result<Arc<Mailer>, StartupError> {
    let sealer = Sealer::from_settings(&settings.link_sealing, settings.environment)
        .map_err(|error| EmailError::Permanent(error.to_string()))?;
    Ok(Arc::new(Mailer::new(
        &settings.worker.email,
        Arc::new(sealer),
    )?))
}

/// The email and audit handlers, over `mailer` and `pool`.
fn default_handlers(mailer: &Arc<Mailer>, pool: &PgPool) -> Handlers {
    let processed = ProcessedEvents::new(pool.clone());
    vec![
        Arc::new(EmailHandler::new(Arc::clone(mailer), processed)),
        Arc::new(AuditHandler::new(AuditLog::new(pool.clone()))),
    ]
}

/// Two handlers on one queue would each get half the messages: refuse.
fn check_handlers(handlers: &Handlers) -> Result<(), StartupError> {
    if handlers.is_empty() {
        return Err(StartupError::Handlers("no handlers".into()));
    }
    for (index, handler) in handlers.iter().enumerate() {
        let concern = handler.concern();
        if handlers[..index]
            .iter()
            .any(|other| other.concern() == concern)
        {
            return Err(StartupError::Handlers(format!(
                "two handlers for `{concern}`"
            )));
        }
    }
    Ok(())
}

/// The key a [`BindError`]'s remedy tells the operator to change.
const PORT_SETTING: &str = "worker.http.port";

/// `/health/live`, `/health/ready` and `/metrics`, nothing else.
fn health_server(
    settings: &Settings,
    readiness: Readiness,
    metrics_exporter: MetricsExporter,
) -> Result<(u16, StartedServer), StartupError> {
    let http = settings.worker.http.clone();
    let (listener, port) = server::listen(&http, PORT_SETTING)?;
    let readiness = web::Data::new(readiness);
    let request_metrics = RequestMetrics::new(metrics_exporter.registry());
    let metrics_exporter = web::Data::new(metrics_exporter);
    let server = HttpServer::new(move || {
        standard_middleware(App::new(), middleware::cors(&[]))
            .app_data(readiness.clone())
            .app_data(metrics_exporter.clone())
            .configure(health::configure)
            .configure(exporter::configure)
            // Outermost: counts the status the client got, after every middleware.
            .wrap(request_metrics.clone())
    });
    let server = server::serve(server, listener, &http, PORT_SETTING)?;
    Ok((port, server))
}
