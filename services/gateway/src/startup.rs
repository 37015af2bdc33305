//! Builds the gateway from its settings: bound but not yet serving, so
//! callers (main, `capstone up`, the tests) learn the port first.

use std::{net::TcpListener, sync::Arc, time::Duration};

use actix_web::{App, HttpServer, dev::Server, web};
use capstone_platform::{
    ConfigError, Shutdown,
    health::{self, Readiness},
    metrics::{MetricsExporter, RequestMetrics, exporter},
    middleware::{self, standard_middleware},
    redis::{LazyRedis, RedisCheck},
    server,
};

use crate::{
    api_docs,
    balancer::{UpstreamsCheck, health_check::spawn_health_checks},
    gateway::{Gateway, upstream_client},
    metrics, proxy,
    settings::Settings,
};

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("cannot listen on {address}: {source}")]
    Bind {
        address: String,
        #[source]
        source: std::io::Error,
    },
}

/// A built, bound, not yet running gateway.
pub struct Application {
    port: u16,
    server: Server,
    gateway: Arc<Gateway>,
    background: Shutdown,
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application")
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

impl Application {
    // ANCHOR: build
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        settings.validate()?;
        let http = &settings.gateway.http;
        let (listener, port) = server::bind(http).map_err(|source| StartupError::Bind {
            address: http.address(),
            source,
        })?;

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
        let metrics_exporter = metrics::exporter(&redis, &gateway.upstreams);
        let server = http_server(
            listener,
            &settings,
            Arc::clone(&gateway),
            readiness,
            metrics_exporter,
        )?;
        Ok(Self {
            port,
            server,
            gateway,
            background,
        })
    }
    // ANCHOR_END: build

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The shared state: tests read instance states from it.
    pub fn gateway(&self) -> Arc<Gateway> {
        Arc::clone(&self.gateway)
    }

    /// Serves until `shutdown` trips, drains, then stops background tasks.
    pub async fn run_until_stopped(self, shutdown: Shutdown) -> std::io::Result<()> {
        let result = server::run_until_stopped(self.server, shutdown).await;
        self.background.trigger();
        result
    }
}

// ANCHOR: http_server
fn http_server(
    listener: TcpListener,
    settings: &Settings,
    gateway: Arc<Gateway>,
    readiness: Readiness,
    metrics_exporter: MetricsExporter,
) -> Result<Server, StartupError> {
    let http = settings.gateway.http.clone();
    let gateway = web::Data::from(gateway);
    let readiness = web::Data::new(readiness);
    let metrics_exporter = web::Data::new(metrics_exporter);
    let connect_timeout = Duration::from_millis(settings.gateway.connect_timeout_ms);
    let docs = settings.gateway.clone();
    let cors_allowed_origins = http.cors_allowed_origins.clone();
    let server = HttpServer::new(move || {
        // One client (and connection pool) per worker thread: its
        // connections then live on the thread that uses them.
        let client = web::Data::new(upstream_client(connect_timeout));
        standard_middleware(App::new(), middleware::cors(&cors_allowed_origins))
            .app_data(gateway.clone())
            .app_data(readiness.clone())
            .app_data(client)
            .app_data(metrics_exporter.clone())
            .configure(health::configure)
            .configure(exporter::configure)
            .configure(api_docs::configure(&docs))
            // Everything else is proxied (or 404 if no route matches).
            .default_service(web::to(proxy::proxy))
            // Outermost: counts the status the client got, after every middleware.
            .wrap(RequestMetrics::new(metrics::SERVICE))
    });
    server::start(server, listener, &http).map_err(|source| StartupError::Bind {
        address: format!("{}:{}", http.host, http.port),
        source,
    })
}
// ANCHOR_END: http_server
