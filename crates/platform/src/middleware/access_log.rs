//! One log line per request, written when the response is ready.
//!
//! It runs inside the request's root span (see [`super::CapstoneRootSpan`]),
//! so the line carries the request id, method and route without repeating
//! them here. Server errors are logged at `error` with their cause chain: the
//! only place the chain is logged, so each failure appears exactly once.
//!
//! A handler can add what only it knows (the gateway: which route matched and
//! which upstream instance answered) by putting [`AccessLogExtras`] in the
//! response's extensions.

use std::time::Instant;

use actix_web::{
    Error,
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    middleware::Next,
};

use crate::problem::Problem;

/// Extra fields for the request's access-log line, set by the handler.
#[derive(Debug, Clone, Default)]
pub struct AccessLogExtras {
    /// The configured route that matched (the gateway's route prefix).
    pub route: Option<String>,
    /// Who served it: the upstream pool and instance.
    pub upstream: Option<String>,
}

pub async fn access_log(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = Instant::now();
    let response = next.call(req).await?;
    let status = response.status().as_u16();
    let latency_ms = started.elapsed().as_secs_f64() * 1_000.0;
    let extras = response
        .response()
        .extensions()
        .get::<AccessLogExtras>()
        .cloned()
        .unwrap_or_default();
    let (route, upstream) = (extras.route, extras.upstream);

    if response.status().is_server_error() {
        let cause = response
            .response()
            .extensions()
            .get::<Problem>()
            .and_then(|problem| problem.internal_cause.clone())
            .unwrap_or_else(|| "no cause recorded".to_owned());
        tracing::error!(status, latency_ms, route, upstream, cause, "request failed");
    } else {
        tracing::info!(status, latency_ms, route, upstream, "request completed");
    }
    Ok(response)
}
