//! Sending a request upstream: choose an instance, bound the wait, tell the
//! breaker how it went, and retry when that is safe and affordable.

use std::time::{Duration, Instant};

use actix_web::web::Bytes;
use capstone_platform::telemetry::propagation;
use reqwest::{Method, StatusCode, Url};
use tracing::Instrument;

use crate::{
    balancer::{NoInstanceAvailable, Picked, RoutingKey, Upstream},
    metrics::GatewayMetrics,
    resilience::Backoff,
};

/// What to send, independent of which instance receives it.
#[derive(Debug)]
pub struct UpstreamRequest {
    pub method: Method,
    /// The path the route decided on (canonical), sent byte for byte.
    pub path: String,
    /// The query string as the client sent it, without the `?`.
    pub query: Option<String>,
    pub headers: reqwest::header::HeaderMap,
    pub body: RequestBody,
    /// Longest wait for the response headers (the route's `timeout_ms`).
    pub timeout: Duration,
}

/// A request's body, as far as sending the request again is concerned.
#[derive(Debug)]
pub enum RequestBody {
    Empty,
    /// Read whole before forwarding (small, with a declared length), so the
    /// request can be sent again.
    Buffered(Bytes),
    /// Passed on as it arrives: once handed to an attempt, it is gone.
    Streamed(reqwest::Body),
}

impl RequestBody {
    fn can_be_sent_again(&self) -> bool {
        !matches!(self, Self::Streamed(_))
    }

    /// The body for one attempt (a streamed one only for the first).
    fn for_attempt(&mut self) -> Option<reqwest::Body> {
        match self {
            Self::Empty => None,
            // `Bytes` clones share the buffer: no copy per attempt.
            Self::Buffered(bytes) => Some(bytes.clone().into()),
            Self::Streamed(_) => match std::mem::replace(self, Self::Empty) {
                Self::Streamed(body) => Some(body),
                _ => None,
            },
        }
    }
}

/// The retry policy of the gateway (`[gateway.retry]`).
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub max_retries: u32,
    pub backoff: Backoff,
}

/// An upstream's answer and who gave it.
#[derive(Debug)]
pub struct Answered {
    pub response: reqwest::Response,
    pub picked: Picked,
}

#[derive(Debug, thiserror::Error)]
pub enum ForwardError {
    #[error(transparent)]
    NoInstance(#[from] NoInstanceAvailable),
    #[error("{instance} did not answer within {after:?}")]
    Timeout { instance: String, after: Duration },
    /// The URL would carry a different path from the one routed on: the
    /// request is not sent (see `upstream_url`).
    #[error("the upstream URL's path `{sent}` differs from the routed path `{routed}`")]
    PathChanged { routed: String, sent: String },
    #[error("{instance} could not be reached: {source}")]
    Transport {
        instance: String,
        #[source]
        source: reqwest::Error,
    },
}

// ANCHOR: forward
/// Sends `request` to an instance of `upstream`, retrying on another one
/// when the body can be sent again (none, or a small one read whole), the
/// failure was fast (a timeout is not retried: the route's timeout bounds
/// the client's whole wait, and a slow upstream needs less load, not more),
/// the upstream's retry budget allows it, and either the method is
/// idempotent or nothing was sent: a connection that could not be opened
/// (refused, say, by an instance that just stopped) delivered no request,
/// so even a PATCH or a POST is safe to send elsewhere. A POST whose
/// connection broke after it was sent is not retried: it may have been done.
/// `key` is what a `consistent_hash` pool routes by; a retry walks on to
/// the key's next instance.
pub async fn forward(
    client: &reqwest::Client,
    upstream: &Upstream,
    key: Option<RoutingKey>,
    mut request: UpstreamRequest,
    policy: RetryPolicy,
    metrics: &GatewayMetrics,
) -> Result<Answered, ForwardError> {
    let resendable = request.body.can_be_sent_again();
    // RFC 9110 §9.2.2: GET, HEAD, OPTIONS, TRACE, PUT, DELETE; not POST or PATCH.
    let idempotent = request.method.is_idempotent();
    upstream.retry_budget.record_request(Instant::now());
    let mut tried = Vec::new();
    let mut retry = 0;
    let mut previous: Option<Result<Answered, ForwardError>> = None;
    loop {
        let (index, picked) = match upstream.pick(&tried, key, Instant::now()) {
            Ok(picked) => picked,
            // Nowhere left to retry: the last real answer is the truest one.
            Err(unavailable) => return previous.unwrap_or(Err(unavailable.into())),
        };
        tried.push(index);
        let outcome = send_once(client, &picked, &mut request, resendable).await;
        if let Err(ForwardError::PathChanged { .. }) = outcome {
            // Nothing was sent: no instance's fault, and retrying cannot help.
            return outcome.map(|response| Answered { response, picked });
        }
        let failed = match &outcome {
            Ok(response) => is_instance_failure(response.status()),
            Err(_) => true,
        };
        let breaker = &picked.instance().breaker;
        if failed {
            breaker.record_failure(Instant::now());
        } else {
            breaker.record_success(Instant::now());
        }
        let timed_out = matches!(outcome, Err(ForwardError::Timeout { .. }));
        let may_retry = failed
            && resendable
            && (idempotent || nothing_was_sent(&outcome))
            && !timed_out
            && retry < policy.max_retries
            && upstream.retry_budget.try_withdraw(Instant::now());
        let instance = picked.instance().name.clone();
        let outcome = outcome.map(|response| Answered { response, picked });
        if !may_retry {
            return outcome;
        }
        tracing::info!(%instance, retry, "retrying on another instance");
        metrics.upstream_retry(&upstream.name);
        previous = Some(outcome);
        tokio::time::sleep(policy.backoff.random_delay(retry)).await;
        retry += 1;
    }
}
// ANCHOR_END: forward

async fn send_once(
    client: &reqwest::Client,
    picked: &Picked,
    request: &mut UpstreamRequest,
    may_be_sent_again: bool,
) -> Result<reqwest::Response, ForwardError> {
    let instance = picked.instance();
    let url = upstream_url(&instance.url(&request.path), request)?;
    // ANCHOR: client_span
    // One client span per attempt (HTTP semantic conventions), so a retry
    // shows in the trace as a second child of the gateway's server span.
    let span = tracing::info_span!(
        "upstream request",
        otel.name = %request.method,
        otel.kind = "client",
        otel.status_code = tracing::field::Empty,
        http.request.method = %request.method,
        server.address = %instance.name,
        url.full = %url,
        http.response.status_code = tracing::field::Empty,
    );
    // Only a request that may be retried needs its headers kept.
    let mut headers = if may_be_sent_again {
        request.headers.clone()
    } else {
        std::mem::take(&mut request.headers)
    };
    // The upstream's spans become children of this attempt's span. With
    // tracing off the client's own `traceparent` passes through unchanged.
    inject_trace_context(&mut headers, &span);
    // ANCHOR_END: client_span
    let mut builder = client.request(request.method.clone(), url).headers(headers);
    if let Some(body) = request.body.for_attempt() {
        builder = builder.body(body);
    }
    let sent = tokio::time::timeout(request.timeout, builder.send())
        .instrument(span.clone())
        .await;
    match sent {
        Ok(Ok(response)) => {
            span.record("http.response.status_code", response.status().as_u16());
            if response.status().is_server_error() {
                span.record("otel.status_code", "ERROR");
            }
            Ok(response)
        }
        Ok(Err(source)) => {
            span.record("otel.status_code", "ERROR");
            Err(ForwardError::Transport {
                instance: instance.name.clone(),
                source,
            })
        }
        Err(_) => {
            span.record("otel.status_code", "ERROR");
            Err(ForwardError::Timeout {
                instance: instance.name.clone(),
                after: request.timeout,
            })
        }
    }
}

// ANCHOR: upstream_url
/// The URL to send: the instance's base, the routed path, the query. The
/// invariant the router depends on is checked here, on the very `Url` the
/// client sends: its path is byte for byte the routed one. A URL parser that
/// decodes, resolves or re-escapes anything (WHATWG parsers turn `%2e%2e`
/// and `\` into path steps) would otherwise route the request again,
/// somewhere no check ran.
fn upstream_url(base_and_path: &str, request: &UpstreamRequest) -> Result<Url, ForwardError> {
    let changed = |sent: &str| ForwardError::PathChanged {
        routed: request.path.clone(),
        sent: sent.to_owned(),
    };
    let mut url = Url::parse(base_and_path).map_err(|_| changed(base_and_path))?;
    if url.path() != request.path {
        return Err(changed(url.path()));
    }
    url.set_query(request.query.as_deref());
    Ok(url)
}
// ANCHOR_END: upstream_url

/// Replaces `traceparent`/`tracestate` with `span`'s context, when traced.
fn inject_trace_context(headers: &mut reqwest::header::HeaderMap, span: &tracing::Span) {
    let trace = propagation::context_of(span);
    for (name, value) in [
        ("traceparent", trace.traceparent),
        ("tracestate", trace.tracestate),
    ] {
        if let Some(value) = value.and_then(|value| value.parse().ok()) {
            headers.insert(name, value);
        }
    }
}

/// The connection could not be opened (refused, unreachable, connect
/// timeout): the upstream received nothing. (A failure on a pooled
/// connection is not this: the request may have been written.)
fn nothing_was_sent(outcome: &Result<reqwest::Response, ForwardError>) -> bool {
    matches!(outcome, Err(ForwardError::Transport { source, .. }) if source.is_connect())
}

/// Answers that say "this instance cannot serve now", as opposed to an
/// answer about the request (4xx) or an application bug (500).
fn is_instance_failure(status: StatusCode) -> bool {
    matches!(
        status,
        StatusCode::BAD_GATEWAY | StatusCode::SERVICE_UNAVAILABLE | StatusCode::GATEWAY_TIMEOUT
    )
}
