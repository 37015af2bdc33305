//! One shutdown signal for the whole process.
//!
//! SIGINT (Ctrl-C) or SIGTERM (what `docker stop` and Kubernetes send) trips a
//! [`Shutdown`]; every long-running piece (the HTTP servers, the outbox relay,
//! the worker's consumers) holds a clone and drains when it trips. The caller
//! then waits for all of them before flushing telemetry.

use tokio_util::sync::CancellationToken;

/// A cloneable "please stop" flag that can be awaited.
#[derive(Debug, Clone, Default)]
pub struct Shutdown {
    token: CancellationToken,
}

impl Shutdown {
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks everything holding a clone to stop.
    pub fn trigger(&self) {
        self.token.cancel();
    }

    pub fn is_triggered(&self) -> bool {
        self.token.is_cancelled()
    }

    /// Completes once [`trigger`](Self::trigger) has been called.
    pub async fn triggered(&self) {
        self.token.cancelled().await;
    }

    /// Trips this shutdown on SIGINT or SIGTERM. Spawn once, in `main`.
    pub fn trigger_on_signals(&self) -> tokio::task::JoinHandle<()> {
        let shutdown = self.clone();
        tokio::spawn(async move {
            let signal = wait_for_signal().await;
            tracing::info!(signal, "shutdown requested: draining in-flight work");
            shutdown.trigger();
        })
    }
}

async fn wait_for_signal() -> &'static str {
    let interrupt = async {
        // Only fails if no signal handler can be installed; then never fire.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut stream) => {
                stream.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();

    tokio::select! {
        () = interrupt => "SIGINT",
        () = terminate => "SIGTERM",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_clone_sees_the_trigger() {
        let shutdown = Shutdown::new();
        let clone = shutdown.clone();
        assert!(!clone.is_triggered());
        shutdown.trigger();
        clone.triggered().await;
        assert!(clone.is_triggered());
    }
}
