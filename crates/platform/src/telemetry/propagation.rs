//! W3C Trace Context across process boundaries: HTTP headers, and the
//! `traceparent`/`tracestate` pair an event carries (in its outbox row, its
//! envelope and its AMQP headers).
//!
//! ```text
//! gateway span ──traceparent header──► users span ──outbox row──► relay
//! publish span ──AMQP headers──► worker message span
//! ```
//!
//! Each hop injects the context of the span it is in and the next extracts
//! it as the parent of its own, so one trace holds the whole journey.

use std::collections::HashMap;

use capstone_contracts::events::TraceContext;
use opentelemetry::{global, propagation::Extractor, trace::TraceContextExt as _};
use tracing::Span;
use tracing_opentelemetry::OpenTelemetrySpanExt as _;

// ANCHOR: inject
/// The trace context of `span`, as the two W3C headers. Empty when `span`
/// is not exported (no OpenTelemetry layer, or not sampled): then there is
/// nothing of ours to join, and the caller keeps whatever came in.
pub fn context_of(span: &Span) -> TraceContext {
    let context = span.context();
    if !context.span().span_context().is_valid() {
        return TraceContext::default();
    }
    let mut headers = HashMap::new();
    global::get_text_map_propagator(|propagator| {
        propagator.inject_context(&context, &mut headers);
    });
    TraceContext {
        traceparent: headers.remove("traceparent"),
        tracestate: headers
            .remove("tracestate")
            .filter(|state| !state.is_empty()),
    }
}
// ANCHOR_END: inject

// ANCHOR: extract
/// Makes `trace` (received from upstream) the parent of `span`. A missing
/// or malformed `traceparent` leaves `span` the root of a new trace.
pub fn continue_trace(span: &Span, trace: &TraceContext) {
    if trace.traceparent.is_none() {
        return;
    }
    let parent = global::get_text_map_propagator(|propagator| propagator.extract(&Carrier(trace)));
    // Fails only when the OpenTelemetry layer is absent: nothing to join.
    let _ = span.set_parent(parent);
}
// ANCHOR_END: extract

/// The trace id of `span` as 32 hex digits, when it is exported: for log
/// lines and problem bodies.
pub fn trace_id_of(span: &Span) -> Option<String> {
    let context = span.context();
    let span_context = context.span().span_context().clone();
    span_context
        .is_valid()
        .then(|| span_context.trace_id().to_string())
}

struct Carrier<'a>(&'a TraceContext);

impl Extractor for Carrier<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        match key {
            "traceparent" => self.0.traceparent.as_deref(),
            "tracestate" => self.0.tracestate.as_deref(),
            _ => None,
        }
    }

    fn keys(&self) -> Vec<&str> {
        vec!["traceparent", "tracestate"]
    }
}
