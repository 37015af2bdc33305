//! The middleware stack as a whole, under the production log and trace
//! layers: one trace id per request, the same in the problem body a client
//! sees and in every log line the request wrote.

use actix_web::{App, HttpResponse, http::StatusCode, test, web};
use serde_json::Value;
use tracing_subscriber::{Registry, layer::SubscriberExt as _};

use super::{cors, standard_middleware};
use crate::{
    Problem,
    settings::Environment,
    telemetry::{json_logs::json_layer, traces},
    testing::{CapturedLogs, set_thread_default},
};

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";

/// Fails with a problem after logging from a span of its own, as handlers
/// that call a repository or a cache do.
async fn conflict() -> Result<HttpResponse, Problem> {
    tracing::info_span!("lookup").in_scope(|| tracing::info!("about to refuse"));
    Err(Problem::new("conflict", "Conflict", StatusCode::CONFLICT))
}

/// Every JSON line written while `scenario` runs, under the subscriber the
/// services install (JSON lines, and the trace layer with no exporter).
async fn with_production_logs<F: Future<Output = Value>>(
    scenario: impl FnOnce() -> F,
) -> (Value, Vec<Value>) {
    let logs = CapturedLogs::default();
    let provider = traces::without_export(traces::ServiceIdentity {
        name: "capstone-test",
        environment: Environment::Development,
    });
    let subscriber = Registry::default()
        .with(traces::layer(&provider))
        .with(json_layer(logs.clone()));
    let _default = set_thread_default(subscriber);
    let body = scenario().await;
    (body, logs.json_lines())
}

async fn call(traceparent: Option<&str>) -> Value {
    let app = test::init_service(
        standard_middleware(App::new(), cors(&[])).route("/conflict", web::post().to(conflict)),
    )
    .await;
    let mut request = test::TestRequest::post().uri("/conflict");
    if let Some(traceparent) = traceparent {
        request = request.insert_header(("traceparent", traceparent));
    }
    let response = test::call_service(&app, request.to_request()).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    test::read_body_json(response).await
}

fn line<'a>(lines: &'a [Value], message: &str) -> &'a Value {
    lines
        .iter()
        .find(|line| line["message"] == message)
        .unwrap_or_else(|| panic!("no line `{message}` in {lines:#?}"))
}

#[actix_web::test]
async fn a_problem_and_the_requests_log_lines_carry_the_incoming_trace_id() {
    let traceparent = format!("00-{TRACE_ID}-00f067aa0ba902b7-01");

    let (problem, lines) = with_production_logs(|| call(Some(&traceparent))).await;

    assert_eq!(problem["trace_id"], TRACE_ID, "{problem}");
    // The handler's line (in a child span) and the access-log line alike.
    assert_eq!(line(&lines, "about to refuse")["trace_id"], TRACE_ID);
    let access = line(&lines, "request completed");
    assert_eq!(access["trace_id"], TRACE_ID);
    assert_eq!(access["span"]["request_id"], problem["request_id"]);
}

#[actix_web::test]
async fn a_request_without_traceparent_gets_a_new_trace_id_everywhere() {
    let (problem, lines) = with_production_logs(|| call(None)).await;

    let trace_id = problem["trace_id"].as_str().expect("a trace id");
    assert_eq!(trace_id.len(), 32);
    assert!(trace_id.bytes().all(|byte| byte.is_ascii_hexdigit()));
    assert_eq!(line(&lines, "about to refuse")["trace_id"], trace_id);
    assert_eq!(line(&lines, "request completed")["trace_id"], trace_id);
}
