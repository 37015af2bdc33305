//! Runs an actix-web server until the process-wide [`Shutdown`] trips.
//!
//! actix-web can listen for signals itself, but then each server would handle
//! them on its own; services build their servers with `.disable_signals()`
//! and hand them here, so one signal stops every server (and, later, the
//! background tasks) in the same way.

use actix_web::dev::Server;

use crate::Shutdown;

// ANCHOR: run_until_stopped
/// Serves until `shutdown` trips, then stops accepting connections and lets
/// in-flight requests finish (bounded by the server's `shutdown_timeout`).
pub async fn run_until_stopped(server: Server, shutdown: Shutdown) -> std::io::Result<()> {
    let handle = server.handle();
    let mut server = std::pin::pin!(server);
    tokio::select! {
        result = &mut server => result,
        () = shutdown.triggered() => {
            // The server future processes the stop command, so it must keep
            // being polled while we wait for the stop to complete.
            let ((), result) = tokio::join!(handle.stop(true), server);
            result
        }
    }
}
// ANCHOR_END: run_until_stopped
