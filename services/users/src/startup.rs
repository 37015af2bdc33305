//! Builds the users service from its settings: database, migrations, HTTP.
//!
//! `Application::build` does all the fallible work (connect, migrate, bind)
//! and returns a server that is bound but not yet serving, so callers (main,
//! `capstone up`, the tests) learn the real port before anything runs. Port 0
//! asks the OS for a free port: the tests use that to run in parallel.

mod error;
mod parts;

pub use error::StartupError;

use std::{net::TcpListener, sync::Arc, time::Duration};

use chrono::TimeDelta;

use actix_web::{
    App, HttpRequest, HttpServer, error::PathError, http::StatusCode, middleware::from_fn, web,
};
use capstone_platform::{
    Problem, Shutdown,
    amqp::{BrokerCheck, BrokerState},
    client_address::TrustedProxies,
    database::{self, PostgresCheck},
    drain::{Draining, close_connections_while_draining},
    health::{self, Readiness},
    metrics::{MetricsExporter, RequestMetrics, exporter},
    middleware::{self, standard_middleware},
    redis::{LazyRedis, RedisCheck},
    server::{self, StartedServer},
    service::Service,
};

use self::parts::{access_token_issuer, link_tokens, read_replicas};
use crate::{
    accounts::{Accounts, UniformResponse},
    auth::{LoginThrottle, PasswordHasher},
    cache::{CacheMetrics, UserCache},
    events::Relay,
    // fork:begin(graphql)
    graphql,
    // fork:end(graphql)
    idempotency::IdempotencyStore,
    metrics::{self, UsersMetrics},
    migrations,
    openapi,
    read_replicas::ReadRouter,
    repo::{OutboxRepository, SessionLifetimes, SessionRepository, UserRepository},
    routes,
    settings::Settings,
};

/// Where the port is set, as the advice for a taken port names it.
const PORT_SETTING: &str = "users.http.port";

/// A built, bound, not yet running users service.
#[derive(Debug)]
pub struct Application {
    port: u16,
    server: StartedServer,
    /// Begun when shutdown trips: readiness turns 503 before the listener closes.
    draining: Draining,
    drain_grace: Duration,
    cache_metrics: Arc<CacheMetrics>,
    // fork:begin(graphql)
    /// The GraphQL endpoint it serves, for tests that run a query in their
    /// own thread (to watch its spans).
    graphql: graphql::Endpoint,
    // fork:end(graphql)
    /// The outbox relay, started with the server (None when disabled).
    relay: Option<Relay>,
}

// The inherent methods (which tests call without importing the trait) do the
// work; `Self::build` and `self.run_until_stopped` resolve to them.
impl Service for Application {
    const NAME: &'static str = "capstone-users";
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
    // ANCHOR: build
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        settings.validate()?;
        if settings.environment.is_development()
            && database::create_database_if_missing(&settings.database).await?
        {
            tracing::warn!(
                database = %settings.database.display_target(),
                "created the database (development only)"
            );
        }
        // The pool first: its connect is bounded by timeouts, so an absent or
        // silent Postgres fails here, quickly, before migrations wait on it.
        let pool = database::connect_pool(&settings.database).await?;
        if settings.users.migrate_on_startup {
            let applied = migrations::run_pending(&settings.database).await?;
            if !applied.is_empty() {
                tracing::info!(?applied, "applied migrations");
            }
        }

        let http = &settings.users.http;
        let (listener, port) = server::listen(http, PORT_SETTING)?;

        // Redis connects in the background: the service starts (degraded)
        // without it, and no request ever waits for it to come up.
        let redis = LazyRedis::connect_in_background(&settings.redis);
        let draining = Draining::new();
        let mut readiness =
            Readiness::new(Duration::from_millis(settings.users.readiness_timeout_ms))
                .with_check(draining.clone())
                .with_check(PostgresCheck::new(pool.clone()))
                .with_check(RedisCheck::new(redis.clone()));
        // This instance's registry: whatever else runs in the process,
        // its `/metrics` shows this service only.
        let users_metrics = UsersMetrics::new();
        let relay = settings.users.outbox.relay_enabled.then(|| Relay {
            outbox: OutboxRepository::new(pool.clone()),
            amqp: settings.amqp.clone(),
            database: settings.database.clone(),
            settings: settings.users.outbox.clone(),
            broker: BrokerState::default(),
            metrics: users_metrics.clone(),
        });
        if let Some(relay) = &relay {
            // Optional: without the broker, events wait in the outbox and
            // the API keeps working (degraded).
            readiness = readiness.with_check(BrokerCheck::new(relay.broker.clone(), false));
        }
        let outbox = OutboxRepository::new(pool.clone());
        let broker = relay.as_ref().map(|relay| &relay.broker);
        let metrics_exporter = metrics::exporter(&users_metrics, &pool, &redis, outbox, broker);
        let auth = &settings.users.auth;
        let lifetimes = SessionLifetimes {
            idle: TimeDelta::seconds(auth.refresh_token_idle_ttl_secs),
            absolute: TimeDelta::seconds(auth.refresh_token_absolute_ttl_secs),
        };
        let tokens = access_token_issuer(&settings)?;
        let replicas = read_replicas(&settings, &pool)?;
        if replicas.has_replicas() {
            readiness = readiness.with_check(replicas.check());
        }
        let accounts = Accounts {
            sessions: SessionRepository::new(pool.clone(), lifetimes),
            users: UserRepository::new(pool),
            verifier: tokens.verifier()?,
            tokens,
            links: link_tokens(&settings)?,
            passwords: PasswordHasher::new(&auth.argon2)?,
            cache: UserCache::new(
                redis.clone(),
                settings.users.cache.clone(),
                users_metrics.clone(),
            ),
            login_throttle: LoginThrottle::new(redis.clone(), auth.login_throttle.clone()),
            uniform_response: UniformResponse(Duration::from_millis(auth.uniform_response_ms)),
            reads: ReadRouter::new(replicas, redis.clone(), users_metrics.clone()),
        };
        let cache_metrics = accounts.cache().metrics();
        let accounts = web::Data::new(accounts);
        // fork:begin(graphql)
        let graphql = graphql::Endpoint::new(accounts.clone(), settings.graphql_introspection());
        // fork:end(graphql)
        let state = AppState {
            accounts,
            idempotency: IdempotencyStore::new(redis, settings.users.idempotency.clone()),
            // fork:begin(graphql)
            graphql: graphql.clone(),
            // fork:end(graphql)
            readiness,
            draining: draining.clone(),
            metrics_exporter,
        };
        let server = http_server(listener, &settings, state)?;
        Ok(Self {
            port,
            server,
            draining,
            drain_grace: Duration::from_millis(http.drain_grace_ms),
            cache_metrics,
            // fork:begin(graphql)
            graphql,
            // fork:end(graphql)
            relay,
        })
    }
    // ANCHOR_END: build

    /// The port the server is bound to (the real one when configured as 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The users cache's counters (hits per layer, database loads…).
    pub fn cache_metrics(&self) -> Arc<CacheMetrics> {
        Arc::clone(&self.cache_metrics)
    }

    // fork:begin(graphql)
    /// The GraphQL endpoint this instance serves.
    pub fn graphql(&self) -> graphql::Endpoint {
        self.graphql.clone()
    }
    // fork:end(graphql)

    /// Serves (and relays the outbox) until `shutdown` trips, then drains:
    /// unready at once, still serving for `users.http.drain_grace_ms`, then
    /// the listener closes and in-flight requests finish; the relay finishes
    /// its batch meanwhile (what it leaves waits in the outbox).
    pub async fn run_until_stopped(self, shutdown: Shutdown) -> std::io::Result<()> {
        let relay = async {
            if let Some(relay) = self.relay {
                relay.run(shutdown.clone()).await;
            }
        };
        let (served, ()) = tokio::join!(
            self.server
                .run_until_drained(shutdown.clone(), self.draining, self.drain_grace),
            relay
        );
        served
    }
}

// ANCHOR: app_state
/// What the app shares, built once at startup and cloned into each worker:
/// the service's one state value, and the platform's own (its handlers and
/// middleware, shared with the gateway, extract these types themselves).
struct AppState {
    /// Every use case, and what the `auth` extractors read.
    accounts: web::Data<Accounts>,
    // fork:begin(graphql)
    /// `/graphql`: the schema over the same use cases.
    graphql: graphql::Endpoint,
    // fork:end(graphql)
    /// `Idempotency-Key` records, read by the `idempotent` middleware.
    idempotency: IdempotencyStore,
    /// `/health/ready`'s checks (platform::health).
    readiness: Readiness,
    /// Read by the drain middleware and a readiness check (platform::drain).
    draining: Draining,
    /// `/metrics` (platform::metrics::exporter).
    metrics_exporter: MetricsExporter,
}
// ANCHOR_END: app_state

// ANCHOR: http_server
fn http_server(
    listener: TcpListener,
    settings: &Settings,
    state: AppState,
) -> Result<StartedServer, StartupError> {
    let http = settings.users.http.clone();
    let accounts = state.accounts;
    // fork:begin(graphql)
    let graphql = web::Data::new(state.graphql);
    // fork:end(graphql)
    let idempotency = web::Data::new(state.idempotency);
    let readiness = web::Data::new(state.readiness);
    let draining = web::Data::new(state.draining);
    let request_metrics = RequestMetrics::new(state.metrics_exporter.registry());
    let metrics_exporter = web::Data::new(state.metrics_exporter);
    // Read by the platform's `ClientAddress` extractor.
    let trusted_proxies = web::Data::new(TrustedProxies(http.trusted_proxies.clone()));
    let body_limit = http.body_limit_bytes;
    let cors_allowed_origins = http.cors_allowed_origins.clone();
    let server = HttpServer::new(move || {
        standard_middleware(App::new(), middleware::cors(&cors_allowed_origins))
            .app_data(accounts.clone())
            // fork:begin(graphql)
            .app_data(graphql.clone())
            // fork:end(graphql)
            .app_data(idempotency.clone())
            .app_data(readiness.clone())
            .app_data(draining.clone())
            .app_data(metrics_exporter.clone())
            .app_data(trusted_proxies.clone())
            .app_data(web::PayloadConfig::new(body_limit))
            .app_data(web::PathConfig::default().error_handler(path_problem))
            .configure(health::configure)
            .configure(exporter::configure)
            .configure(routes::configure)
            // fork:begin(graphql)
            .configure(graphql::configure)
            // fork:end(graphql)
            .route("/docs", web::get().to(server::docs_redirect))
            .service(openapi::swagger_ui())
            .wrap(from_fn(close_connections_while_draining))
            // Outermost: counts the status the client got, after every middleware.
            .wrap(request_metrics.clone())
    });
    Ok(server::serve(server, listener, &http, PORT_SETTING)?)
}
// ANCHOR_END: http_server

/// A path segment that does not parse (a user id that is not a UUID) names
/// no resource: 404, with a detail that says why. The parser's own message is
/// logged at debug level, not sent: it describes our types, not the request.
fn path_problem(error: PathError, request: &HttpRequest) -> actix_web::Error {
    tracing::debug!(%error, path = request.path(), "unparseable path segment");
    Problem::from_status(StatusCode::NOT_FOUND)
        .with_detail("No such resource: ids in this API are UUIDs.")
        .into()
}
