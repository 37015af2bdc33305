//! Runs an actix-web server until the process-wide [`Shutdown`] trips.
//!
//! actix-web can listen for signals itself, but then each server would handle
//! them on its own; services build their servers with `.disable_signals()`
//! and hand them here, so one signal stops every server (and, later, the
//! background tasks) in the same way.

use std::{net::TcpListener, time::Duration};

use actix_http::Request;
use actix_service::IntoServiceFactory;
use actix_web::{
    Error, HttpResponse, HttpServer,
    body::MessageBody,
    dev::{AppConfig, Response, Server, Service, ServiceFactory},
    http::header,
};

use crate::{Shutdown, drain::Draining, settings::HttpSettings};

// ANCHOR: bind_error
/// The listener could not be opened: the port is taken, privileged, or the
/// host is not this machine's. Its remedy names the setting that moves it.
#[derive(Debug, thiserror::Error)]
#[error("cannot listen on {address}: {source}")]
pub struct BindError {
    pub address: String,
    /// The key of the port setting, e.g. `gateway.http.port`.
    pub port_setting: &'static str,
    #[source]
    pub source: std::io::Error,
}
// ANCHOR_END: bind_error

/// Binds `http.host:http.port`; returns the listener and its real port
/// (the one the OS picked when the port is 0, as in tests).
pub fn bind(http: &HttpSettings) -> std::io::Result<(TcpListener, u16)> {
    let listener = TcpListener::bind(http.address())?;
    let port = listener.local_addr()?.port();
    Ok((listener, port))
}

/// [`bind`], failing with a [`BindError`] that names `port_setting`.
pub fn listen(
    http: &HttpSettings,
    port_setting: &'static str,
) -> Result<(TcpListener, u16), BindError> {
    bind(http).map_err(|source| BindError {
        address: http.address(),
        port_setting,
        source,
    })
}

// ANCHOR: start
/// Starts `server` on `listener` the way every service runs: signals left to
/// the process-wide [`Shutdown`], `http.workers` worker threads (0: one per
/// core), and `http.shutdown_timeout_secs` for requests in flight to finish.
/// (The bounds are actix-web's own for `HttpServer::listen`.)
pub fn start<F, I, S, B>(
    server: HttpServer<F, I, S, B>,
    listener: TcpListener,
    http: &HttpSettings,
) -> std::io::Result<Server>
where
    F: Fn() -> I + Send + Clone + 'static,
    I: IntoServiceFactory<S, Request>,
    S: ServiceFactory<Request, Config = AppConfig> + 'static,
    S::Error: Into<Error> + 'static,
    S::InitError: std::fmt::Debug,
    S::Response: Into<Response<B>> + 'static,
    <S::Service as Service<Request>>::Future: 'static,
    S::Service: 'static,
    B: MessageBody + 'static,
{
    let mut server = server
        .disable_signals()
        .shutdown_timeout(http.shutdown_timeout_secs);
    if http.workers > 0 {
        server = server.workers(http.workers);
    }
    Ok(server.listen(listener)?.run())
}
// ANCHOR_END: start

/// A started server, not yet awaited: what [`serve`] returns. actix-web's
/// `Server` has no `Debug`; this one does, so every service's
/// `Application` that holds one can derive its own.
pub struct StartedServer(Server);

impl std::fmt::Debug for StartedServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StartedServer").finish_non_exhaustive()
    }
}

impl StartedServer {
    /// See [`run_until_stopped`].
    pub async fn run_until_stopped(self, shutdown: Shutdown) -> std::io::Result<()> {
        run_until_stopped(self.0, shutdown).await
    }

    /// See [`run_until_drained`].
    pub async fn run_until_drained(
        self,
        shutdown: Shutdown,
        draining: Draining,
        grace: Duration,
    ) -> std::io::Result<()> {
        run_until_drained(self.0, shutdown, draining, grace).await
    }
}

/// [`start`], failing with a [`BindError`] that names `port_setting`.
pub fn serve<F, I, S, B>(
    server: HttpServer<F, I, S, B>,
    listener: TcpListener,
    http: &HttpSettings,
    port_setting: &'static str,
) -> Result<StartedServer, BindError>
where
    F: Fn() -> I + Send + Clone + 'static,
    I: IntoServiceFactory<S, Request>,
    S: ServiceFactory<Request, Config = AppConfig> + 'static,
    S::Error: Into<Error> + 'static,
    S::InitError: std::fmt::Debug,
    S::Response: Into<Response<B>> + 'static,
    <S::Service as Service<Request>>::Future: 'static,
    S::Service: 'static,
    B: MessageBody + 'static,
{
    start(server, listener, http)
        .map(StartedServer)
        .map_err(|source| BindError {
            address: http.address(),
            port_setting,
            source,
        })
}

/// `/docs` → `/docs/`: Swagger UI's relative asset paths need the slash.
pub async fn docs_redirect() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header((header::LOCATION, "/docs/"))
        .finish()
}

// ANCHOR: run_until_stopped
/// Serves until `shutdown` trips, then stops accepting connections and lets
/// in-flight requests finish (bounded by the server's `shutdown_timeout`).
/// For a service no balancer routes to by readiness; the others drain first
/// with [`run_until_drained`].
pub async fn run_until_stopped(server: Server, shutdown: Shutdown) -> std::io::Result<()> {
    run_until_drained(server, shutdown, Draining::new(), Duration::ZERO).await
}
// ANCHOR_END: run_until_stopped

// ANCHOR: run_until_drained
/// Serves until `shutdown` trips; then begins `draining` (readiness 503,
/// connections closed after each response), keeps serving for `grace` so
/// that balancers stop sending, and only then stops accepting and lets the
/// requests in flight finish. See [`crate::drain`] for why in this order.
pub async fn run_until_drained(
    server: Server,
    shutdown: Shutdown,
    draining: Draining,
    grace: Duration,
) -> std::io::Result<()> {
    let handle = server.handle();
    // The server future processes the stop command (and reports a failed
    // server), so it is polled at every step, never left behind.
    let mut server = std::pin::pin!(server);
    tokio::select! {
        result = &mut server => return result,
        () = shutdown.triggered() => {}
    }
    draining.begin();
    if !grace.is_zero() {
        tracing::info!(
            grace_ms = grace.as_millis(),
            "draining: readiness reports 503 while requests are still served"
        );
        tokio::select! {
            result = &mut server => return result,
            () = tokio::time::sleep(grace) => {}
        }
    }
    tracing::info!("closing the listener; finishing the requests in flight");
    let ((), result) = tokio::join!(handle.stop(true), server);
    result
}
// ANCHOR_END: run_until_drained
