//! Renders every error response as `application/problem+json`, in one place.
//!
//! Handlers and extractors return errors that carry a [`Problem`]; actix turns
//! them into responses with the problem in the response extensions. Here, on
//! the way out, the problem gets the two things only the request knows (its
//! path and request id) and is written as the body. Error responses that did
//! not come from a `Problem` (actix's own 404/405, a stray `ResponseError`) are
//! converted too, so a client never sees two error formats.

use actix_web::{
    Error, HttpMessage,
    body::{EitherBody, MessageBody},
    dev::{ServiceRequest, ServiceResponse},
    http::header::{self, HeaderValue},
    middleware::Next,
};

use super::RequestId;
use crate::{
    problem::{PROBLEM_JSON, Problem},
    telemetry::propagation::current_trace_id,
};

/// Marks a response relayed from another server (the gateway's proxied
/// responses): its error bodies are that server's to write, left untouched.
#[derive(Debug, Clone, Copy)]
pub struct PassThrough;

// ANCHOR: render_problems
pub async fn render_problems(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody, String>>, Error> {
    let response = next.call(req).await?;
    let Some(problem) = finished_problem(&response) else {
        return Ok(response.map_into_left_body());
    };

    let (request, response) = response.into_parts();
    // `set_body` keeps status, headers (Allow, Retry-After…) and extensions.
    let mut response = response.set_body(problem.to_json());
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    response.extensions_mut().insert(problem);
    Ok(ServiceResponse::new(request, response).map_into_right_body())
}

/// The problem [`render_problems`] writes as `response`'s body, with the
/// request's path, request id and trace id; `None` when it leaves the
/// response alone (a success, a relayed response, a deliberate JSON error
/// body). Public for middleware that must know the final bytes before this
/// one runs (the users service stores responses for idempotency keys).
pub fn finished_problem<B>(response: &ServiceResponse<B>) -> Option<Problem> {
    let status = response.status();
    let relayed = response.response().extensions().contains::<PassThrough>();
    if relayed || !(status.is_client_error() || status.is_server_error()) {
        return None;
    }

    let attached = response.response().extensions().get::<Problem>().cloned();
    let mut problem = match attached {
        Some(problem) => problem,
        // A deliberate JSON error body (the 503 readiness report) stays as it is.
        None if has_json_body(response) => return None,
        None => problem_for_foreign_error(response),
    };
    problem.instance = Some(response.request().path().to_owned());
    problem.request_id = response
        .request()
        .extensions()
        .get::<RequestId>()
        .map(ToString::to_string);
    problem.trace_id = current_trace_id().map(|trace_id| trace_id.to_string());
    Some(problem)
}
// ANCHOR_END: render_problems

fn has_json_body<B>(response: &ServiceResponse<B>) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.contains("json"))
}

/// A problem for an error response that was not built from one. Client errors
/// keep the error's own message (it describes the request); server errors do
/// not (it may describe internals).
fn problem_for_foreign_error<B>(response: &ServiceResponse<B>) -> Problem {
    let status = response.status();
    let problem = Problem::from_status(status);
    match response.response().error() {
        Some(error) if status.is_client_error() => problem.with_detail(error.to_string()),
        Some(error) => Problem {
            internal_cause: Some(error.to_string()),
            ..problem
        },
        None => problem,
    }
}
