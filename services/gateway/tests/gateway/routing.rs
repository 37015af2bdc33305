//! Routing, streaming and what happens to headers on the way through.

use crate::helpers::{
    Stub, UsersCluster, assert_problem, base_settings, route, spawn_gateway, upstream,
};

/// A gateway with `/stub` (unchanged path) and `/legacy` → `/v2` on one stub.
async fn gateway_over(stub: &Stub) -> crate::helpers::TestGateway {
    let mut settings = base_settings();
    settings
        .gateway
        .upstreams
        .insert("stub".into(), upstream(std::slice::from_ref(&stub.address)));
    settings.gateway.routes.push(route("/stub", "stub"));
    let mut legacy = route("/legacy", "stub");
    legacy.rewrite_to = Some("/v2".into());
    settings.gateway.routes.push(legacy);
    settings.gateway.http.body_limit_bytes = 64 * 1024;
    settings.gateway.max_response_body_bytes = 256 * 1024;
    spawn_gateway(settings).await
}

async fn echo(response: reqwest::Response) -> serde_json::Value {
    assert_eq!(response.status(), 200);
    response.json().await.expect("echo body")
}

#[tokio::test]
async fn an_unknown_route_is_a_404_problem() {
    let stub = Stub::start("a").await;
    let gateway = gateway_over(&stub).await;
    let response = gateway.get("/nowhere").await;
    assert_problem(response, 404, Some("about:blank")).await;
    assert_eq!(
        gateway.get("/stubby").await.status(),
        404,
        "prefixes match whole segments"
    );
    assert_eq!(stub.hits(), 0);
}

#[tokio::test]
async fn paths_and_queries_reach_the_upstream_rewritten_where_configured() {
    let stub = Stub::start("a").await;
    let gateway = gateway_over(&stub).await;
    let body = echo(gateway.get("/stub/things/7?sort=name&limit=2").await).await;
    assert_eq!(body["path"], "/stub/things/7");
    assert_eq!(body["query"], "sort=name&limit=2");
    let body = echo(gateway.get("/legacy/things/7").await).await;
    assert_eq!(body["path"], "/v2/things/7");
}

#[tokio::test]
async fn forwarding_headers_are_set_and_hop_by_hop_ones_dropped() {
    let stub = Stub::start("a").await;
    let gateway = gateway_over(&stub).await;
    let response = gateway
        .client
        .get(gateway.url("/stub/echo"))
        .header("x-forwarded-for", "1.2.3.4")
        .header("connection", "x-secret-hop")
        .header("x-secret-hop", "1")
        .header(
            "traceparent",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        )
        .header("x-request-id", "trace-me-123")
        .send()
        .await
        .expect("sent");
    assert_eq!(response.headers()["x-request-id"], "trace-me-123");
    let body = echo(response).await;
    let headers = &body["headers"];
    // Loopback is not a trusted proxy of the gateway: the forged hop is gone.
    assert_eq!(headers["x-forwarded-for"], serde_json::json!(["127.0.0.1"]));
    assert_eq!(headers["x-forwarded-proto"], serde_json::json!(["http"]));
    let host = gateway.address.trim_start_matches("http://");
    assert_eq!(headers["x-forwarded-host"], serde_json::json!([host]));
    assert_eq!(
        headers["forwarded"],
        serde_json::json!([format!("for=127.0.0.1;proto=http;host=\"{host}\"")])
    );
    assert!(headers.get("x-secret-hop").is_none(), "{headers}");
    assert_eq!(headers["x-request-id"], serde_json::json!(["trace-me-123"]));
    assert_eq!(
        headers["traceparent"],
        serde_json::json!(["00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"])
    );
}

#[tokio::test]
async fn a_request_id_is_generated_and_forwarded_when_the_client_sends_none() {
    let stub = Stub::start("a").await;
    let gateway = gateway_over(&stub).await;
    let response = gateway.get("/stub/echo").await;
    let id = response.headers()["x-request-id"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let body = echo(response).await;
    assert_eq!(body["headers"]["x-request-id"], serde_json::json!([id]));
}

#[tokio::test]
async fn bodies_stream_through_both_ways() {
    let stub = Stub::start("a").await;
    let gateway = gateway_over(&stub).await;
    let upload = vec![b'a'; 60 * 1024];
    let response = gateway
        .client
        .post(gateway.url("/stub/upload"))
        .body(upload)
        .send()
        .await
        .expect("sent");
    assert_eq!(echo(response).await["body_bytes"], 60 * 1024);

    let response = gateway.get("/stub/big?bytes=200000").await;
    assert_eq!(response.status(), 200);
    let downloaded = response.bytes().await.expect("body");
    assert_eq!(downloaded.len(), 200_000);
}

#[tokio::test]
async fn an_oversized_request_is_refused_at_the_edge() {
    let stub = Stub::start("a").await;
    let gateway = gateway_over(&stub).await;
    let response = gateway
        .client
        .post(gateway.url("/stub/upload"))
        .body(vec![b'a'; 65 * 1024])
        .send()
        .await
        .expect("sent");
    assert_problem(response, 413, None).await;
    assert_eq!(stub.hits(), 0, "refused before reaching the upstream");

    // Without Content-Length (chunked), the limit applies while streaming.
    let chunks =
        futures_util::stream::iter((0..20).map(|_| Ok::<_, std::io::Error>(vec![b'a'; 8 * 1024])));
    let response = gateway
        .client
        .post(gateway.url("/stub/upload"))
        .body(reqwest::Body::wrap_stream(chunks))
        .send()
        .await
        .expect("sent");
    assert_problem(response, 413, None).await;
}

#[tokio::test]
async fn an_oversized_response_is_not_passed_on() {
    let stub = Stub::start("a").await;
    let gateway = gateway_over(&stub).await;
    // Streamed without Content-Length: cut off mid-body.
    let outcome = gateway.get("/stub/big?bytes=1000000").await.bytes().await;
    assert!(outcome.is_err() || outcome.is_ok_and(|body| body.len() < 1_000_000));
}

#[tokio::test]
async fn upstream_statuses_headers_and_error_bodies_pass_through() {
    let users = UsersCluster::start(1).await;
    let mut settings = base_settings();
    settings
        .gateway
        .upstreams
        .insert("users".into(), upstream(&users.addresses));
    settings.gateway.routes.push(route("/api/v1/auth", "users"));
    let gateway = spawn_gateway(settings).await;
    // The users service's own 422 (its field errors) arrives unchanged.
    let response = gateway
        .post_json(
            "/api/v1/auth/register",
            &serde_json::json!({"email": "nope"}),
        )
        .await;
    let body = assert_problem(response, 422, Some("urn:capstone:problem:validation")).await;
    assert!(
        body["errors"]
            .as_array()
            .is_some_and(|errors| !errors.is_empty()),
        "{body}"
    );
}

#[tokio::test]
async fn a_malformed_request_is_rejected_at_the_edge() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let stub = Stub::start("a").await;
    let gateway = gateway_over(&stub).await;
    let address = gateway.address.trim_start_matches("http://").to_owned();
    for garbage in [
        "GET /stub/x HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n",
        "NOT A REQUEST\r\n\r\n",
    ] {
        let mut connection = tokio::net::TcpStream::connect(&address)
            .await
            .expect("connect");
        connection
            .write_all(garbage.as_bytes())
            .await
            .expect("write");
        let mut answer = Vec::new();
        let _ = tokio::time::timeout(
            std::time::Duration::from_secs(5),
            connection.read_to_end(&mut answer),
        )
        .await;
        let answer = String::from_utf8_lossy(&answer);
        assert!(
            answer.starts_with("HTTP/1.1 400"),
            "{garbage:?} got {answer:?}"
        );
    }
    assert_eq!(stub.hits(), 0, "nothing malformed was forwarded");
}
