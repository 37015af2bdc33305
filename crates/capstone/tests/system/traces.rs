//! One trace across every process: a request through the gateway that
//! causes an event yields the gateway's spans, the users service's, the
//! relay's publish and the worker's handling, each the child of the one
//! before.

use std::time::Duration;

use capstone_platform::testing::traces::{attribute, capture, new_traceparent};
use opentelemetry::trace::{SpanId, SpanKind};
use opentelemetry_sdk::trace::SpanData;
use serde_json::json;

use crate::helpers::{System, eventually};

// ANCHOR: one_trace
#[tokio::test]
async fn a_registration_is_one_trace_from_the_gateway_to_the_worker() {
    let spans = capture();
    let system = System::start().await;
    let (gateway, _stop_gateway) = system.gateway().await;
    // A trace id this test knows: every span of the request carries it.
    let (traceparent, trace_id) = new_traceparent();

    let registered = reqwest::Client::new()
        .post(format!("{gateway}/api/v1/auth/register"))
        .header("traceparent", &traceparent)
        .json(&json!({"email": "ada@example.com", "password": "correct horse battery", "display_name": "Ada"}))
        .send()
        .await
        .expect("register");
    assert_eq!(registered.status(), 202);

    // Both of the worker's consumers (email, audit) handle the event.
    let spans = &spans;
    let trace = eventually(
        "the worker's spans",
        Duration::from_secs(15),
        || async move {
            let trace = spans.of_trace(trace_id);
            (trace
                .iter()
                .filter(|span| span.span_kind == SpanKind::Consumer)
                .count()
                == 2)
                .then_some(trace)
        },
    )
    .await;

    let servers: Vec<&SpanData> = of_kind(&trace, &SpanKind::Server);
    let gateway_server = servers
        .iter()
        .find(|span| {
            span.instrumentation_scope.name() == "capstone" && is_root_of_ours(span, &traceparent)
        })
        .expect("the gateway's server span, child of the caller's");
    // The gateway's call upstream: the one HTTP client span (the other
    // client spans are SQL statements and Redis commands).
    let http_clients: Vec<&SpanData> = of_kind(&trace, &SpanKind::Client)
        .into_iter()
        .filter(|span| attribute(span, "http.request.method").is_some())
        .collect();
    assert_eq!(
        http_clients.len(),
        1,
        "one HTTP client span: {http_clients:#?}"
    );
    let client = http_clients[0];
    assert_eq!(client.parent_span_id, gateway_server.span_context.span_id());
    let users_server = servers
        .iter()
        .find(|span| span.parent_span_id == client.span_context.span_id())
        .expect("the users service's server span, child of the gateway's call");
    assert_eq!(
        users_server.name, "POST /api/v1/auth/register",
        "named by the route template"
    );
    let insert = of_kind(&trace, &SpanKind::Client)
        .into_iter()
        .find(|span| span.name == "INSERT users")
        .expect("the new user's INSERT, a client span");
    assert_eq!(
        insert.parent_span_id,
        users_server.span_context.span_id(),
        "a query is a child of the request that ran it"
    );
    assert_eq!(
        attribute(insert, "db.system.name").as_deref(),
        Some("postgresql")
    );
    let publish = only(&trace, &SpanKind::Producer);
    assert_eq!(
        publish.parent_span_id,
        users_server.span_context.span_id(),
        "the relay publishes as a child of the request that wrote the event"
    );
    for consume in of_kind(&trace, &SpanKind::Consumer) {
        assert_eq!(consume.parent_span_id, publish.span_context.span_id());
    }
}
// ANCHOR_END: one_trace

fn of_kind<'a>(trace: &'a [SpanData], kind: &SpanKind) -> Vec<&'a SpanData> {
    trace
        .iter()
        .filter(|span| &span.span_kind == kind)
        .collect()
}

fn only<'a>(trace: &'a [SpanData], kind: &SpanKind) -> &'a SpanData {
    let spans = of_kind(trace, kind);
    assert_eq!(spans.len(), 1, "one {kind:?} span: {spans:#?}");
    spans[0]
}

/// Whether `span`'s parent is the span id in the test's `traceparent`.
fn is_root_of_ours(span: &SpanData, traceparent: &str) -> bool {
    let parent = traceparent.split('-').nth(2).expect("a parent id");
    span.parent_span_id == SpanId::from_hex(parent).expect("16 hex digits")
}
