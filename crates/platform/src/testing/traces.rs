//! Spans captured in memory, for tests that check a trace's shape: which
//! spans a request produced, across services, and how they are linked.
//!
//! [`capture`] installs the process-wide subscriber (once): the OpenTelemetry
//! layer exporting into memory, and, with `TEST_LOG` set, the usual test
//! log lines. Call it before anything else installs a subscriber (before
//! the first service starts). Tests in one binary share the store, so each
//! test finds its own spans by trace id: send a `traceparent` you made up,
//! and every span of that request carries its trace id.
//!
//! [`capture_on_this_thread`] is the scoped variant, for a test that runs
//! everything on its own thread (`#[tokio::test]`'s current-thread runtime)
//! inside a binary whose other tests install their own subscribers.

use std::sync::OnceLock;

use opentelemetry::trace::TraceId;
use opentelemetry_sdk::{
    Resource,
    trace::{InMemorySpanExporter, SdkTracerProvider, SpanData},
};
use tracing::subscriber::DefaultGuard;
use tracing_subscriber::{EnvFilter, Layer, Registry, layer::SubscriberExt};

use crate::telemetry::traces;

/// Every span ended in this process since [`capture`], in memory.
#[derive(Debug, Clone)]
pub struct CapturedSpans {
    exporter: InMemorySpanExporter,
}

static CAPTURED: OnceLock<(CapturedSpans, SdkTracerProvider)> = OnceLock::new();

/// Installs the capturing subscriber once per process and returns the store.
pub fn capture() -> CapturedSpans {
    CAPTURED
        .get_or_init(|| {
            let (spans, provider) = in_memory();
            let mut layers = vec![traces::layer(&provider)];
            if std::env::var_os("TEST_LOG").is_some() {
                layers.push(tracing_subscriber::fmt::layer().with_test_writer().boxed());
            }
            let filter =
                EnvFilter::new(std::env::var("RUST_LOG").unwrap_or_else(|_| "info".into()));
            let subscriber = Registry::default().with(layers).with(filter);
            if tracing::subscriber::set_global_default(subscriber).is_err() {
                panic!("traces::capture() must run before any other subscriber is installed");
            }
            (spans, provider)
        })
        .0
        .clone()
}

/// Spans ended on this thread while the returned guard lives, and nothing
/// else (no log lines).
pub fn capture_on_this_thread() -> (CapturedSpans, ThreadCapture) {
    let (spans, provider) = in_memory();
    let subscriber = Registry::default().with(traces::layer(&provider));
    let guard = super::set_thread_default(subscriber);
    (
        spans,
        ThreadCapture {
            _provider: provider,
            _guard: guard,
        },
    )
}

/// Keeps [`capture_on_this_thread`]'s subscriber installed until dropped.
#[derive(Debug)]
pub struct ThreadCapture {
    _provider: SdkTracerProvider,
    _guard: DefaultGuard,
}

fn in_memory() -> (CapturedSpans, SdkTracerProvider) {
    let exporter = InMemorySpanExporter::default();
    // Simple (not batched): a span is in the store when it ends.
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(exporter.clone())
        .with_resource(
            Resource::builder()
                .with_service_name("capstone-tests")
                .build(),
        )
        .build();
    (CapturedSpans { exporter }, provider)
}

impl CapturedSpans {
    /// The spans of `trace_id` ended so far.
    pub fn of_trace(&self, trace_id: TraceId) -> Vec<SpanData> {
        self.all()
            .into_iter()
            .filter(|span| span.span_context.trace_id() == trace_id)
            .collect()
    }

    /// Every span ended so far.
    pub fn all(&self) -> Vec<SpanData> {
        self.exporter.get_finished_spans().unwrap_or_default()
    }
}

/// The value of `span`'s attribute `key`, as text.
pub fn attribute(span: &SpanData, key: &str) -> Option<String> {
    span.attributes
        .iter()
        .find(|attribute| attribute.key.as_str() == key)
        .map(|attribute| attribute.value.as_str().into_owned())
}

/// A `traceparent` header value starting a sampled trace the test knows
/// the id of, and that id.
pub fn new_traceparent() -> (String, TraceId) {
    let trace = uuid::Uuid::new_v4().simple().to_string();
    let parent = &uuid::Uuid::new_v4().simple().to_string()[..16];
    let id = TraceId::from_hex(&trace).expect("32 hex digits");
    (format!("00-{trace}-{parent}-01"), id)
}
