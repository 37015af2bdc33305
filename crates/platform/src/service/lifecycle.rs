//! A service's life: built from its settings (bound, not yet serving), then
//! run until the shutdown signal, then drained. [`run`] is the whole of a
//! service binary's `main`.

use std::{error::Error, future::Future, path::PathBuf, process::ExitCode};

use super::{Remedy, ServiceSettings, explain};
use crate::{
    Shutdown,
    telemetry::{init_telemetry, traces::ServiceIdentity},
};

// ANCHOR: service
/// What `main`, `capstone up` and the tests do with every service.
pub trait Service: Sized {
    /// `service.name` in logs and traces: `capstone-gateway`…
    const NAME: &'static str;
    type Settings: ServiceSettings;
    /// Why it could not start, with what to do about it.
    type Error: Error + Remedy;

    /// Does all the fallible work (connect, migrate, bind) and returns a
    /// service bound but not yet serving, so the caller learns the port
    /// (port 0: the one the OS chose) before anything runs.
    fn build(settings: Self::Settings) -> impl Future<Output = Result<Self, Self::Error>>;

    /// The port the service answers on (its API, or its health endpoints).
    fn port(&self) -> u16;

    /// Serves until `shutdown` trips, then drains and returns.
    fn run_until_stopped(self, shutdown: Shutdown) -> impl Future<Output = std::io::Result<()>>;
}
// ANCHOR_END: service

// ANCHOR: run
/// A service binary's `main`: settings (`CAPSTONE_CONFIG` names the file),
/// telemetry, build, serve until SIGINT/SIGTERM. A failure to start prints
/// the error and its remedy, and exits 1.
pub async fn run<S: Service>() -> ExitCode {
    match start_and_serve::<S>().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            // A paragraph a person can act on, not a Debug dump.
            eprintln!("\n{failure}\n");
            ExitCode::FAILURE
        }
    }
}

async fn start_and_serve<S: Service>() -> Result<(), String> {
    let cannot_start = |advice: String| format!("{} cannot start: {advice}", S::NAME);
    let file = std::env::var_os("CAPSTONE_CONFIG").map(PathBuf::from);
    let settings = S::Settings::load(file.as_deref()).map_err(|e| cannot_start(explain(&e)))?;
    let identity = ServiceIdentity {
        name: S::NAME,
        environment: settings.environment(),
    };
    let _telemetry =
        init_telemetry(settings.telemetry(), identity).map_err(|e| cannot_start(explain(&e)))?;
    let shutdown = Shutdown::new();
    shutdown.trigger_on_signals();
    // Boxed: a service's startup future is large (clippy::large_futures).
    let service = Box::pin(S::build(settings))
        .await
        .map_err(|e| cannot_start(explain(&e)))?;
    tracing::info!(service = S::NAME, port = service.port(), "listening");
    Box::pin(service.run_until_stopped(shutdown))
        .await
        .map_err(|error| format!("{} stopped with an error: {error}", S::NAME))
}
// ANCHOR_END: run
