//! RED metrics for every HTTP route: Rate and Errors (two counters) and
//! Duration (a histogram), labelled by service, method, route and status.
//!
//! The `route` label is the route *template* actix matched
//! (`/api/v1/users/{id}`), never the raw path: with raw paths every user id
//! would start a new series, and the registry (and Prometheus) would grow
//! without bound. Requests no route matched share the label `unmatched`, so
//! a scan of random URLs costs one series, not one per URL. The gateway's
//! proxied requests match no actix route (they go to the default service);
//! for them the label is the configured gateway route that matched (its
//! prefix, from [`AccessLogExtras`]): a bounded set, fixed by config.
//!
//! Services wrap their whole app in [`RequestMetrics`] (outside the platform
//! middleware), so the status counted is the one the client got, errors
//! rendered as problems included, and the time includes every middleware.

use std::{
    future::{Ready, ready},
    time::{Duration, Instant},
};

use actix_web::{
    Error,
    body::MessageBody,
    dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready},
    http::{Method, StatusCode},
};
use futures_util::future::LocalBoxFuture;
use metrics::{counter, histogram};

use super::{
    names::{HTTP_REQUEST_DURATION_SECONDS, HTTP_REQUEST_ERRORS_TOTAL, HTTP_REQUESTS_TOTAL},
    registry::Registry,
};
use crate::middleware::AccessLogExtras;

/// The `route` of requests that matched no route.
pub const UNMATCHED_ROUTE: &str = "unmatched";

/// The middleware: `App::new().wrap(RequestMetrics::new(&registry))`.
#[derive(Debug, Clone)]
pub struct RequestMetrics {
    registry: Registry,
}

impl RequestMetrics {
    /// Counts and times requests into the service's `registry`.
    pub fn new(registry: &Registry) -> Self {
        Self {
            registry: registry.clone(),
        }
    }
}

impl<S, B> Transform<S, ServiceRequest> for RequestMetrics
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Transform = RequestMetricsService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, inner: S) -> Self::Future {
        ready(Ok(RequestMetricsService {
            inner,
            registry: self.registry.clone(),
        }))
    }
}

/// [`RequestMetrics`] around one worker's app.
pub struct RequestMetricsService<S> {
    inner: S,
    registry: Registry,
}

impl<S> std::fmt::Debug for RequestMetricsService<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestMetricsService")
            .field("service", &self.registry.service())
            .finish_non_exhaustive()
    }
}

// ANCHOR: middleware
impl<S, B> Service<ServiceRequest> for RequestMetricsService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
    S::Future: 'static,
    B: 'static,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(inner);

    fn call(&self, request: ServiceRequest) -> Self::Future {
        let started = Instant::now();
        let registry = self.registry.clone();
        let method = method_label(request.method());
        // The template (`/api/v1/users/{id}`), not the path; None: no route.
        let template = request.match_pattern();
        let response = self.inner.call(request);
        Box::pin(async move {
            let result = response.await;
            let (status, route) = match &result {
                Ok(response) => (
                    response.status(),
                    template.or_else(|| gateway_route(response)),
                ),
                Err(error) => (error.as_response_error().status_code(), template),
            };
            let route = route.unwrap_or_else(|| UNMATCHED_ROUTE.to_owned());
            registry.record(|| record(method, route, status, started.elapsed()));
            result
        })
    }
}
// ANCHOR_END: middleware

/// The configured gateway route a proxied response went through, if any.
fn gateway_route<B>(response: &ServiceResponse<B>) -> Option<String> {
    response
        .response()
        .extensions()
        .get::<AccessLogExtras>()
        .and_then(|extras| extras.route.clone())
}

// ANCHOR: record
fn record(method: &'static str, route: String, status: StatusCode, elapsed: Duration) {
    let code = status.as_u16().to_string();
    let labels = [("method", method.to_owned()), ("route", route)];
    let with_status = |status: (&'static str, String)| {
        let mut labels = labels.to_vec();
        labels.push(status);
        labels
    };
    counter!(HTTP_REQUESTS_TOTAL, &with_status(("status", code.clone()))).increment(1);
    if status.is_client_error() || status.is_server_error() {
        counter!(HTTP_REQUEST_ERRORS_TOTAL, &with_status(("status", code))).increment(1);
    }
    // The class, not the code, on the histogram: each label set costs a
    // series per bucket, and latency rarely differs between a 401 and a 403.
    let class = ("status_class", status_class(status).to_owned());
    histogram!(HTTP_REQUEST_DURATION_SECONDS, &with_status(class)).record(elapsed.as_secs_f64());
}
// ANCHOR_END: record

/// Standard methods by name; anything else (`FOO`) as `_OTHER`, so a client
/// cannot invent label values.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        Method::TRACE => "TRACE",
        Method::CONNECT => "CONNECT",
        _ => "_OTHER",
    }
}

fn status_class(status: StatusCode) -> &'static str {
    match status.as_u16() / 100 {
        1 => "1xx",
        2 => "2xx",
        3 => "3xx",
        4 => "4xx",
        _ => "5xx",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unusual_methods_share_one_label() {
        assert_eq!(method_label(&Method::GET), "GET");
        let invented = Method::from_bytes(b"FOO").expect("a valid token");
        assert_eq!(method_label(&invented), "_OTHER");
    }

    #[test]
    fn status_classes() {
        assert_eq!(status_class(StatusCode::OK), "2xx");
        assert_eq!(status_class(StatusCode::NOT_FOUND), "4xx");
        assert_eq!(status_class(StatusCode::BAD_GATEWAY), "5xx");
    }
}
