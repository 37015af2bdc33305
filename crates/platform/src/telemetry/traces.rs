//! Traces: every `tracing` span also becomes an OpenTelemetry span, exported
//! over OTLP (HTTP/protobuf) to a collector.
//!
//! Exported only when `OTEL_EXPORTER_OTLP_ENDPOINT` is set (the variable
//! every OpenTelemetry SDK reads); the exporter appends `/v1/traces` to that
//! endpoint: `http://otel-collector:4318` in compose. Without it the layer is
//! installed all the same, over a provider that records nothing
//! ([`without_export`]): spans still get W3C trace ids, so log lines,
//! problem bodies and the `traceparent` passed downstream carry one id per
//! request in every service. The cost of that choice is measured by the
//! gateway's `tracing_overhead` bench (docs/src/monitoring.md).

use opentelemetry::{KeyValue, trace::TracerProvider as _};
use opentelemetry_otlp::SpanExporter;
use opentelemetry_sdk::{
    Resource,
    propagation::TraceContextPropagator,
    trace::{Sampler, SdkTracerProvider, SpanExporter as ExportSpans},
};
use tracing_subscriber::{Layer, Registry};

use super::TelemetryError;
use crate::settings::Environment;

/// The standard variable that switches exporting on.
pub const OTLP_ENDPOINT_VARIABLE: &str = "OTEL_EXPORTER_OTLP_ENDPOINT";

/// Who is exporting: becomes the OpenTelemetry resource of every span.
#[derive(Debug, Clone, Copy)]
pub struct ServiceIdentity {
    /// `service.name`: `capstone-gateway`, `capstone-users`…
    pub name: &'static str,
    /// `deployment.environment.name`.
    pub environment: Environment,
}

// ANCHOR: provider
/// A tracer provider sending to `exporter` in batches, sampling
/// `sample_ratio` of new traces (and following the caller's decision for
/// traces that arrive with a `traceparent`).
pub fn provider<E: ExportSpans + 'static>(
    exporter: E,
    service: ServiceIdentity,
    sample_ratio: f64,
) -> SdkTracerProvider {
    SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        // Parent-based: a request that arrives sampled stays sampled in
        // every service, so a trace is whole or absent, never half.
        .with_sampler(Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(
            sample_ratio,
        ))))
        .with_resource(resource(service))
        .build()
}
// ANCHOR_END: provider

/// Who the spans come from: the service, its version and environment.
fn resource(service: ServiceIdentity) -> Resource {
    let environment = if service.environment.is_development() {
        "development"
    } else {
        "production"
    };
    Resource::builder()
        .with_service_name(service.name)
        .with_attributes([
            KeyValue::new("service.version", env!("CARGO_PKG_VERSION")),
            KeyValue::new("deployment.environment.name", environment),
        ])
        .build()
}

// ANCHOR: without_export
/// A provider that exports nothing: trace ids without traces. New traces
/// are not sampled (their spans are never recorded, the cheapest path); a
/// request that arrives sampled stays sampled, so a downstream service that
/// does export still receives a whole trace.
pub fn without_export(service: ServiceIdentity) -> SdkTracerProvider {
    SdkTracerProvider::builder()
        .with_sampler(Sampler::ParentBased(Box::new(Sampler::AlwaysOff)))
        .with_resource(resource(service))
        .build()
}
// ANCHOR_END: without_export

/// The `tracing` layer that turns spans into OpenTelemetry spans of
/// `provider`, and the W3C propagator every inject and extract uses.
pub fn layer(provider: &SdkTracerProvider) -> Box<dyn Layer<Registry> + Send + Sync> {
    opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
    let tracer = provider.tracer("capstone");
    Box::new(tracing_opentelemetry::layer().with_tracer(tracer))
}

/// The OTLP provider when `OTEL_EXPORTER_OTLP_ENDPOINT` is set, else one
/// that exports nothing.
pub(super) fn from_environment(
    service: ServiceIdentity,
    sample_ratio: f64,
) -> Result<SdkTracerProvider, TelemetryError> {
    let configured =
        std::env::var(OTLP_ENDPOINT_VARIABLE).is_ok_and(|value| !value.trim().is_empty());
    if !configured {
        return Ok(without_export(service));
    }
    // The builder reads the endpoint (and OTEL_EXPORTER_OTLP_HEADERS,
    // _TIMEOUT…) from the environment itself, appending `/v1/traces`.
    let exporter = SpanExporter::builder()
        .with_http()
        .build()
        .map_err(|error| TelemetryError::Exporter(error.to_string()))?;
    Ok(provider(exporter, service, sample_ratio))
}
