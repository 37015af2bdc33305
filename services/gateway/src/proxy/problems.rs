//! The gateway's own error answers, as problem+json. Each says what failed
//! at the edge, never why inside (that goes to the access log).

use std::time::Duration;

use actix_web::{
    HttpResponse,
    http::{
        StatusCode,
        header::{self, HeaderValue},
    },
};
use capstone_platform::Problem;

use super::forward::ForwardError;
use crate::edge_auth::EdgeAuthError;

/// A problem response with `Retry-After` rounded up to whole seconds.
pub(super) fn with_retry_after(problem: Problem, retry_in: Duration) -> HttpResponse {
    problem.to_response_retrying_after(retry_in)
}

pub(super) fn no_route() -> HttpResponse {
    Problem::from_status(StatusCode::NOT_FOUND)
        .with_detail("No route matches this path.")
        .to_response()
}

pub(super) fn body_too_large(limit: usize) -> HttpResponse {
    Problem::from_status(StatusCode::PAYLOAD_TOO_LARGE)
        .with_detail(format!("The request body is larger than {limit} bytes."))
        .to_response()
}

pub(super) fn unreadable_body(error: &super::body::UnreadableBody) -> HttpResponse {
    // Usually a client that went away: nobody reads this answer, the log does.
    tracing::info!(%error, "request body not read");
    Problem::from_status(StatusCode::BAD_REQUEST)
        .with_detail("The request body could not be read.")
        .to_response()
}

pub(super) fn auth_failed(error: &EdgeAuthError) -> HttpResponse {
    let challenge = match error {
        EdgeAuthError::KeysUnavailable(cause) => {
            return Problem::dependency_unavailable(
                "The service that verifies access tokens",
                cause,
            )
            .to_response();
        }
        EdgeAuthError::Missing => "Bearer realm=\"capstone\"",
        EdgeAuthError::Refused(_) => "Bearer error=\"invalid_token\"",
    };
    // The reason is for whoever debugs, not for the client.
    tracing::info!(reason = %error, "refused at the edge");
    let mut response = Problem::from_status(StatusCode::UNAUTHORIZED)
        .with_detail("Send a valid access token: `Authorization: Bearer <token>`.")
        .to_response();
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static(challenge),
    );
    response
}

/// The 429 body. Its `Retry-After` comes with the other rate-limit headers
/// (`Decision::headers`), which every limited answer carries: setting it
/// here too would set it twice.
pub(super) fn rate_limited() -> HttpResponse {
    Problem::new(
        "rate-limited",
        "Too many requests",
        StatusCode::TOO_MANY_REQUESTS,
    )
    .with_detail("This client has made too many requests; retry after the time in Retry-After.")
    .to_response()
}

/// A method this gateway cannot pass on (see `proxy::upstream_method`).
pub(super) fn method_not_implemented() -> HttpResponse {
    Problem::from_status(StatusCode::NOT_IMPLEMENTED)
        .with_detail("The gateway cannot forward requests with this method.")
        .to_response()
}

pub(super) fn response_too_large() -> HttpResponse {
    Problem::new(
        "upstream-response-too-large",
        "Upstream response too large",
        StatusCode::BAD_GATEWAY,
    )
    .with_detail("The service's answer is larger than the gateway passes on.")
    .to_response()
}

// ANCHOR: forward_error
/// 503 when no instance may be tried (the breakers are open: fail fast),
/// 504 when one was too slow, 502 when it could not be reached, 400 when the
/// URL would not carry the routed path (nothing was sent).
pub fn forward_failed(upstream: &str, error: &ForwardError) -> HttpResponse {
    match error {
        ForwardError::NoInstance(unavailable) => with_retry_after(
            Problem::new(
                "upstream-unavailable",
                "Service unavailable",
                StatusCode::SERVICE_UNAVAILABLE,
            )
            .with_detail(format!(
                "The {upstream} service is unavailable right now; retry shortly."
            ))
            .with_internal_cause(error),
            unavailable.retry_in,
        ),
        ForwardError::Timeout { after, .. } => Problem::new(
            "upstream-timeout",
            "Upstream timed out",
            StatusCode::GATEWAY_TIMEOUT,
        )
        .with_detail(format!(
            "The {upstream} service did not answer within {} ms.",
            after.as_millis()
        ))
        .with_internal_cause(error)
        .to_response(),
        ForwardError::PathChanged { .. } => {
            // Only a canonicaliser bug gets here: say so loudly, send nothing.
            tracing::error!(%error, "refused to send a path other than the routed one");
            Problem::new(
                "invalid-path",
                "Invalid request path",
                StatusCode::BAD_REQUEST,
            )
            .with_detail("The request path cannot be forwarded exactly as routed.")
            .to_response()
        }
        ForwardError::Transport { .. } => Problem::new(
            "upstream-unreachable",
            "Upstream unreachable",
            StatusCode::BAD_GATEWAY,
        )
        .with_detail(format!("The {upstream} service could not be reached."))
        .with_internal_cause(error)
        .to_response(),
    }
}
// ANCHOR_END: forward_error
