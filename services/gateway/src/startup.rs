//! Builds the gateway from its settings: bound but not yet serving, so
//! callers (main, `capstone up`, the tests) learn the port first. The app
//! each worker thread runs is [`AppState::app`], which the tracing-overhead
//! bench also drives in-process.

use std::{net::TcpListener, sync::Arc, time::Duration};

use actix_web::{
    App, Error, HttpServer,
    body::MessageBody,
    dev::{ServiceFactory, ServiceRequest, ServiceResponse},
    web,
};
use capstone_platform::{
    ConfigError, Shutdown,
    health::{self, Readiness},
    metrics::{MetricsExporter, RequestMetrics, exporter},
    middleware::{self, standard_middleware},
    redis::{LazyRedis, RedisCheck},
    server::{self, BindError, StartedServer},
    service::{Remedy, Service, ServiceSettings},
};

use crate::{
    api_docs,
    balancer::{UpstreamsCheck, health_check::spawn_health_checks},
    metrics, proxy,
    settings::{GatewaySettings, Settings},
    state::{Gateway, upstream_client},
};

/// Why the gateway could not start; its [`Remedy`] says what to do.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// A setting is invalid (the message names the key).
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The port is taken or not allowed.
    #[error(transparent)]
    Bind(#[from] BindError),
}

impl Remedy for StartupError {
    fn remedy(&self) -> Option<String> {
        match self {
            Self::Config(error) => error.remedy(),
            Self::Bind(error) => error.remedy(),
        }
    }
}

/// A built, bound, not yet running gateway.
#[derive(Debug)]
pub struct Application {
    port: u16,
    server: StartedServer,
    state: AppState,
    background: Shutdown,
}

// The inherent methods (which tests call without importing the trait) do the
// work; `Self::build` and `self.run_until_stopped` resolve to them.
impl Service for Application {
    const NAME: &'static str = "capstone-gateway";
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
        let http = &settings.gateway.http;
        let (listener, port) = server::listen(http, PORT_SETTING)?;

        let redis = LazyRedis::connect_in_background(&settings.redis);
        let gateway = Arc::new(Gateway::new(&settings.gateway, redis.clone()));
        // Background tasks (health checks, JWKS refresh) get their own stop
        // signal, tripped when the server has drained.
        let background = Shutdown::new();
        let client = upstream_client(Duration::from_millis(settings.gateway.connect_timeout_ms));
        spawn_health_checks(&gateway.upstreams, client.clone(), &background);
        if let Some(jwks) = &gateway.jwks {
            jwks.spawn_refresher(client, background.clone());
        }
        let readiness =
            Readiness::new(Duration::from_millis(settings.gateway.readiness_timeout_ms))
                .with_check(UpstreamsCheck::new(gateway.upstreams.clone()))
                .with_check(RedisCheck::new(redis.clone()));
        let metrics_exporter = metrics::exporter(&gateway.metrics, &redis, &gateway.upstreams);
        let state = AppState {
            gateway: web::Data::from(gateway),
            readiness: web::Data::new(readiness),
            metrics_exporter: web::Data::new(metrics_exporter),
            connect_timeout: Duration::from_millis(settings.gateway.connect_timeout_ms),
            docs: settings.gateway.clone(),
        };
        let server = http_server(listener, &settings, state.clone())?;
        Ok(Self {
            port,
            server,
            state,
            background,
        })
    }
    // ANCHOR_END: build

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The shared state: tests read instance states from it.
    pub fn gateway(&self) -> Arc<Gateway> {
        self.state.gateway.clone().into_inner()
    }

    /// What the app of every worker thread is built from.
    pub fn app_state(&self) -> AppState {
        self.state.clone()
    }

    /// Serves until `shutdown` trips, drains, then stops background tasks.
    pub async fn run_until_stopped(self, shutdown: Shutdown) -> std::io::Result<()> {
        let result = self.server.run_until_stopped(shutdown).await;
        self.background.trigger();
        result
    }
}

/// The key a [`BindError`]'s remedy tells the operator to change.
const PORT_SETTING: &str = "gateway.http.port";

// ANCHOR: http_server
/// What every worker thread's app shares (each clone is a few `Arc`s).
#[derive(Clone)]
pub struct AppState {
    gateway: web::Data<Gateway>,
    readiness: web::Data<Readiness>,
    metrics_exporter: web::Data<MetricsExporter>,
    connect_timeout: Duration,
    docs: GatewaySettings,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState").finish_non_exhaustive()
    }
}

impl AppState {
    /// The gateway's app, as one worker thread runs it.
    pub fn app(
        &self,
    ) -> App<
        impl ServiceFactory<
            ServiceRequest,
            Config = (),
            Response = ServiceResponse<impl MessageBody + use<>>,
            Error = Error,
            InitError = (),
        > + use<>,
    > {
        // One client (and connection pool) per worker thread: its
        // connections then live on the thread that uses them.
        let client = web::Data::new(upstream_client(self.connect_timeout));
        let cors = middleware::cors(&self.docs.http.cors_allowed_origins);
        standard_middleware(App::new(), cors)
            .app_data(self.gateway.clone())
            .app_data(self.readiness.clone())
            .app_data(client)
            .app_data(self.metrics_exporter.clone())
            .configure(health::configure)
            .configure(exporter::configure)
            .configure(api_docs::configure(&self.docs))
            // Everything else is proxied (or 404 if no route matches).
            .default_service(web::to(proxy::proxy))
            // Outermost: counts the status the client got, after every middleware.
            .wrap(RequestMetrics::new(self.gateway.metrics.registry()))
    }
}

fn http_server(
    listener: TcpListener,
    settings: &Settings,
    state: AppState,
) -> Result<StartedServer, StartupError> {
    let http = settings.gateway.http.clone();
    let server = HttpServer::new(move || state.app());
    Ok(server::serve(server, listener, &http, PORT_SETTING)?)
}
// ANCHOR_END: http_server
