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
use opentelemetry::{
    global,
    propagation::Extractor,
    trace::{TraceContextExt as _, TraceId},
};
use tracing::Span;
use tracing_opentelemetry::OpenTelemetrySpanExt as _;

// ANCHOR: inject
/// The trace context of `span`, as the two W3C headers (an unsampled span
/// passes its trace id on with the sampled flag off). Empty without an
/// OpenTelemetry layer (some tests): then there is nothing of ours to join,
/// and the caller keeps whatever came in.
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

// ANCHOR: current_trace_id
/// The trace id of the span being executed, when the trace layer is
/// installed (it always is in the services): for log lines and problem
/// bodies. A thread-local read: cheap enough for every log line.
pub fn current_trace_id() -> Option<TraceId> {
    opentelemetry::Context::map_current(|context| {
        let span = context.span();
        let span_context = span.span_context();
        span_context.is_valid().then(|| span_context.trace_id())
    })
}
// ANCHOR_END: current_trace_id

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
