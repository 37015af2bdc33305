//! Active health checks: every instance's readiness endpoint, polled.
//!
//! Passive health (the breaker) only learns from requests that fail; an
//! instance nobody has sent anything to yet, or one that is up but not
//! ready (its database is down), is caught here instead, before a user's
//! request is the one that finds out.

use std::{sync::Arc, time::Duration};

use capstone_platform::Shutdown;

use super::{Instance, Upstream, Upstreams};

/// Starts one checking task per upstream; they stop with `shutdown`.
pub fn spawn_health_checks(upstreams: &Upstreams, client: reqwest::Client, shutdown: &Shutdown) {
    for upstream in upstreams.iter() {
        tokio::spawn(check_forever(
            Arc::clone(upstream),
            client.clone(),
            shutdown.clone(),
        ));
    }
}

// ANCHOR: check_forever
async fn check_forever(upstream: Arc<Upstream>, client: reqwest::Client, shutdown: Shutdown) {
    let interval = Duration::from_millis(upstream.health_check.interval_ms);
    loop {
        let checks = upstream
            .instances
            .iter()
            .map(|instance| check_once(&upstream, instance, &client));
        futures_util::future::join_all(checks).await;
        tokio::select! {
            () = tokio::time::sleep(interval) => {}
            () = shutdown.triggered() => return,
        }
    }
}

/// One probe: ready means a 2xx within the timeout, nothing else.
async fn check_once(upstream: &Upstream, instance: &Instance, client: &reqwest::Client) {
    let settings = &upstream.health_check;
    let outcome = client
        .get(instance.url(&settings.path))
        .timeout(Duration::from_millis(settings.timeout_ms))
        .send()
        .await;
    let (healthy, reason) = match outcome {
        Ok(response) if response.status().is_success() => (true, String::new()),
        Ok(response) => (false, format!("status {}", response.status())),
        Err(error) => (false, error.to_string()),
    };
    if instance.set_healthy(healthy) {
        if healthy {
            tracing::info!(instance = %instance.name, "health check passes again: instance back in rotation");
        } else {
            tracing::warn!(instance = %instance.name, reason, "health check failed: instance out of rotation");
        }
    }
}
// ANCHOR_END: check_forever
