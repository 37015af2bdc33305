//! Logs and traces for a process.
//!
//! | module | does |
//! |---|---|
//! | this one | installs the subscriber: the log layer and the trace layer |
//! | [`json_logs`] | the JSON log line, with the trace id of the span it was written in |
//! | [`traces`] | the OpenTelemetry tracer provider: OTLP export, or ids only |
//! | [`propagation`] | `traceparent` in and out: HTTP headers, events; the current trace id |
//!
//! One subscriber per process, installed by `main` before anything else runs:
//! JSON lines when stdout is a pipe (containers, CI, log shippers), pretty
//! colourful lines when a human is watching a terminal. `RUST_LOG` overrides
//! the configured filter so you can turn up one module without editing config:
//! `RUST_LOG=info,capstone_users=debug cargo run`.
//!
//! Logs go through a non-blocking writer so a slow stdout never stalls a
//! request; the returned [`TelemetryGuard`] flushes what is buffered when it is
//! dropped, which is why `main` keeps it alive until after shutdown.

pub mod json_logs;
pub mod propagation;
pub mod traces;

use std::io::IsTerminal;

use opentelemetry_sdk::trace::SdkTracerProvider;

use serde::{Deserialize, Serialize};
use tracing_appender::non_blocking::{NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::{EnvFilter, Layer, Registry, layer::SubscriberExt};

/// How a process logs.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct TelemetrySettings {
    /// An `EnvFilter` directive such as `info` or `info,capstone_users=debug`.
    /// `RUST_LOG`, when set, wins over this.
    pub log_filter: String,
    /// `auto` (pretty on a terminal, JSON otherwise), `json` or `pretty`.
    pub log_format: LogFormat,
    /// Share of new traces exported, 0.0 to 1.0, when exporting is on
    /// (`OTEL_EXPORTER_OTLP_ENDPOINT`). Requests that arrive with a sampled
    /// `traceparent` are always followed.
    pub trace_sample_ratio: f64,
}

impl Default for TelemetrySettings {
    fn default() -> Self {
        Self {
            log_filter: "info".into(),
            log_format: LogFormat::Auto,
            trace_sample_ratio: 1.0,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Auto,
    Json,
    Pretty,
}

/// Keeps the log writer alive; dropping it flushes buffered lines.
/// Hold it in `main` until the very end.
#[must_use = "dropping the guard stops and flushes the log writer"]
#[derive(Debug)]
pub struct TelemetryGuard {
    _log_writer: WorkerGuard,
    traces: SdkTracerProvider,
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        // Exports the spans still batched, so the last requests before a
        // shutdown are not missing from their traces.
        let _ = self.traces.shutdown();
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TelemetryError {
    #[error("invalid log filter `{filter}`: {reason}")]
    Filter { filter: String, reason: String },
    #[error("a global tracing subscriber is already installed")]
    AlreadyInstalled,
    #[error("telemetry.trace_sample_ratio must be between 0 and 1 (got {0})")]
    SampleRatio(f64),
    #[error("the OTLP trace exporter cannot be built: {0}")]
    Exporter(String),
}

type BoxedLayer = Box<dyn Layer<Registry> + Send + Sync>;

// ANCHOR: init_telemetry
/// Installs the process-wide subscriber. Call once, first thing in `main`.
pub fn init_telemetry(
    settings: &TelemetrySettings,
    service: traces::ServiceIdentity,
) -> Result<TelemetryGuard, TelemetryError> {
    if !(0.0..=1.0).contains(&settings.trace_sample_ratio) {
        return Err(TelemetryError::SampleRatio(settings.trace_sample_ratio));
    }
    let directives = std::env::var("RUST_LOG").unwrap_or_else(|_| settings.log_filter.clone());
    let filter = EnvFilter::try_new(&directives).map_err(|error| TelemetryError::Filter {
        filter: directives.clone(),
        reason: error.to_string(),
    })?;

    // Lossless: under pressure a request waits for the log line rather than
    // the line silently disappearing (the default drops lines).
    let (writer, guard) = NonBlockingBuilder::default()
        .lossy(false)
        .finish(std::io::stdout());

    let pretty = match settings.log_format {
        LogFormat::Pretty => true,
        LogFormat::Json => false,
        LogFormat::Auto => std::io::stdout().is_terminal(),
    };
    let log_layer: BoxedLayer = if pretty {
        tracing_subscriber::fmt::layer().with_writer(writer).boxed()
    } else {
        json_logs::json_layer(writer).boxed()
    };

    // The log lines and the spans. The trace layer is there even when no
    // collector is configured (then it exports nothing): it gives every
    // request its trace id, which log lines, problem bodies and downstream
    // services all carry. Spans are `tracing` spans either way.
    let traces = traces::from_environment(service, settings.trace_sample_ratio)?;
    let layers: Vec<BoxedLayer> = vec![log_layer, traces::layer(&traces)];

    let subscriber = Registry::default().with(layers).with(filter);
    tracing::subscriber::set_global_default(subscriber)
        .map_err(|_| TelemetryError::AlreadyInstalled)?;
    Ok(TelemetryGuard {
        _log_writer: guard,
        traces,
    })
}
// ANCHOR_END: init_telemetry

/// For integration tests: logs only when `TEST_LOG` is set (any value), and
/// only once per process however many tests call it.
pub fn init_test_telemetry() {
    static INIT: std::sync::Once = std::sync::Once::new();
    INIT.call_once(|| {
        if std::env::var_os("TEST_LOG").is_none() {
            return;
        }
        let filter = std::env::var("RUST_LOG").unwrap_or_else(|_| "info".into());
        let subscriber = tracing_subscriber::fmt()
            .with_env_filter(EnvFilter::new(filter))
            .with_test_writer()
            .finish();
        // Another test harness may have installed one already; either is fine.
        let _ = tracing::subscriber::set_global_default(subscriber);
    });
}
