//! The production log line: one JSON object per event, its fields at the top
//! level, the fields of the span it happened in under `span`, and the trace
//! id of that span as `trace_id`.
//!
//! ```json
//! {"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","timestamp":"…","level":"INFO",
//!  "status":201,"latency_ms":3.1,"message":"request completed",
//!  "target":"capstone_platform::middleware::access_log",
//!  "span":{"http.method":"POST","http.route":"/api/v1/auth/register","request_id":"0193…",…}}
//! ```
//!
//! `trace_id` is what joins a line to the other services' lines for the
//! same request, to the problem body a client quotes, and to the trace in
//! Jaeger. It is read from the OpenTelemetry context the trace layer makes
//! current while a span is entered (a thread-local read, no lookup), so it is
//! there whenever the trace layer is, exporting or not: see `init_telemetry`.
//! Lines outside any span (startup, shutdown) have none.

use std::fmt;

use tracing::{Event, Subscriber};
use tracing_subscriber::{
    Layer,
    fmt::{
        FmtContext, FormatEvent, FormatFields, MakeWriter,
        format::{self, JsonFields, Writer},
    },
    registry::LookupSpan,
};

use super::propagation::current_trace_id;

// ANCHOR: json_layer
/// The JSON log layer every service writes through (`init_telemetry`), and
/// the one tests and benches capture lines from.
pub fn json_layer<S, W>(writer: W) -> impl Layer<S> + Send + Sync + 'static
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let event_format = format::Format::default()
        .json()
        .flatten_event(true)
        .with_current_span(true)
        .with_span_list(false);
    tracing_subscriber::fmt::layer()
        .fmt_fields(JsonFields::new())
        .event_format(WithTraceId(event_format))
        .with_writer(writer)
}
// ANCHOR_END: json_layer

/// Wraps a JSON event format: writes `"trace_id"` as the object's first
/// member, then lets the wrapped format write the rest of the object.
#[derive(Debug)]
pub struct WithTraceId<F>(F);

impl<S, N, F> FormatEvent<S, N> for WithTraceId<F>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'w> FormatFields<'w> + 'static,
    F: FormatEvent<S, N>,
{
    fn format_event(
        &self,
        context: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let Some(trace_id) = current_trace_id() else {
            return self.0.format_event(context, writer, event);
        };
        write!(writer, "{{\"trace_id\":\"{trace_id}\",")?;
        let mut rest = AfterOpeningBrace {
            writer: &mut writer,
            opened: false,
        };
        self.0.format_event(context, Writer::new(&mut rest), event)
    }
}

/// Passes everything on except the first `{`, already written with the
/// trace id. (If the wrapped format ever wrote something else first, the
/// line would still be written: a malformed line beats a lost one.)
struct AfterOpeningBrace<'a, 'w> {
    writer: &'a mut Writer<'w>,
    opened: bool,
}

impl fmt::Write for AfterOpeningBrace<'_, '_> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        if self.opened || text.is_empty() {
            return self.writer.write_str(text);
        }
        self.opened = true;
        self.writer
            .write_str(text.strip_prefix('{').unwrap_or(text))
    }
}

#[cfg(test)]
mod tests {
    use opentelemetry::trace::TracerProvider as _;
    use opentelemetry_sdk::trace::SdkTracerProvider;
    use tracing_subscriber::{Registry, layer::SubscriberExt as _};

    use super::*;
    use crate::testing::{CapturedLogs, set_thread_default};

    #[test]
    fn lines_inside_a_span_carry_its_trace_id_and_others_none() {
        let logs = CapturedLogs::default();
        // No exporter: trace ids exist all the same.
        let provider = SdkTracerProvider::builder().build();
        let subscriber = Registry::default()
            .with(json_layer(logs.clone()))
            .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("test")));
        let _default = set_thread_default(subscriber);

        tracing::info!("outside");
        let span = tracing::info_span!("request", request_id = "r-1");
        let expected = span.in_scope(|| {
            tracing::info!(answer = 42, "inside");
            current_trace_id().expect("a trace id").to_string()
        });

        let parsed = logs.json_lines();
        assert_eq!(parsed.len(), 2);
        assert!(parsed[0].get("trace_id").is_none(), "{}", parsed[0]);
        assert_eq!(parsed[1]["trace_id"], expected.as_str());
        assert_eq!(expected.len(), 32);
        assert_eq!(parsed[1]["answer"], 42);
        assert_eq!(parsed[1]["message"], "inside");
        assert_eq!(parsed[1]["span"]["request_id"], "r-1");
    }
}
