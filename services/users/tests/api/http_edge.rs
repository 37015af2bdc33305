//! Behaviour every route shares: request ids, unknown routes and methods.

use capstone_platform::testing::{PATIENCE, eventually};

use crate::helpers::{assert_problem, header, spawn_app};

#[tokio::test]
async fn a_request_id_is_generated_and_echoed_when_the_client_sends_none() {
    let app = spawn_app().await;

    let response = app.get("/health/live").await;

    let id = header(&response, "x-request-id").expect("an id");
    let parsed = uuid::Uuid::parse_str(&id).expect("a UUID");
    assert_eq!(parsed.get_version_num(), 7);
}

#[tokio::test]
async fn the_clients_request_id_is_echoed_and_used_in_problems() {
    let app = spawn_app().await;

    let response = app
        .client
        .get(app.url("/api/v1/users/not-a-uuid"))
        .bearer_auth(&app.admin_token)
        .header("x-request-id", "trace-me-123")
        .send()
        .await
        .expect("sent");

    let problem = assert_problem(response, 404).await;
    assert_eq!(problem.request_id.as_deref(), Some("trace-me-123"));
}

#[tokio::test]
async fn an_unsafe_request_id_is_replaced_not_echoed() {
    let app = spawn_app().await;
    let too_long = "x".repeat(200);

    let response = app
        .client
        .get(app.url("/health/live"))
        .header("x-request-id", &too_long)
        .send()
        .await
        .expect("sent");

    let echoed = header(&response, "x-request-id").expect("an id");
    assert_ne!(echoed, too_long);
    assert!(uuid::Uuid::parse_str(&echoed).is_ok());
}

#[tokio::test]
async fn an_unknown_route_is_a_404_problem() {
    let app = spawn_app().await;

    let response = app.get("/api/v2/users").await;

    let problem = assert_problem(response, 404).await;
    assert_eq!(problem.title, "Not Found");
    assert_eq!(problem.instance.as_deref(), Some("/api/v2/users"));
}

#[tokio::test]
async fn a_wrong_method_is_a_405_problem_with_allow() {
    let app = spawn_app().await;
    let cases = [
        ("PUT", "/api/v1/users", "GET, POST"),
        ("TRACE", "/api/v1/auth/login", "POST"),
        ("DELETE", "/api/v1/users/me", "GET"),
        ("PATCH", "/api/v1/users/me", "GET"),
        ("PUT", "/health/ready", "GET"),
        ("POST", "/.well-known/jwks.json", "GET"),
    ];

    for (method, path, allowed) in cases {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let response = app
            .client
            .request(method.clone(), app.url(path))
            .bearer_auth(&app.admin_token)
            .send()
            .await
            .expect("sent");

        let allow = header(&response, "allow").expect("an Allow header");
        assert_problem(response, 405).await;
        let mut allow: Vec<&str> = allow.split(", ").collect();
        allow.sort_unstable();
        assert_eq!(allow.join(", "), allowed, "{method} {path}");
    }
}

#[tokio::test]
async fn the_server_drains_and_stops_when_shutdown_is_triggered() {
    let app = spawn_app().await;
    let address = app.address.clone();
    let client = app.client.clone();
    assert_eq!(app.get("/health/live").await.status(), 200);

    let stopped = tokio::time::timeout(std::time::Duration::from_secs(15), app.stop()).await;

    assert!(matches!(stopped, Ok(Ok(()))), "stops cleanly: {stopped:?}");
    let after = client.get(format!("{address}/health/live")).send().await;
    assert!(after.is_err(), "no longer accepts connections");
}

// ANCHOR: request_in_flight
#[tokio::test]
async fn a_request_in_flight_when_shutdown_starts_still_completes() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app().await;
    let (client, ready) = (app.client.clone(), app.url("/health/ready"));
    assert_eq!(
        shutdown_check(&client, &ready).await.1,
        "up",
        "not draining yet"
    );
    let body = r#"{"email": "ada@example.com", "display_name": "Ada"}"#;
    let address = app.address.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address)
        .await
        .expect("connect");
    // Headers and half the body now; the rest after shutdown has begun.
    let head = format!(
        "POST /api/v1/users HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
         Authorization: Bearer {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
        app.admin_token,
        body.len(),
        &body[..10]
    );
    stream.write_all(head.as_bytes()).await.expect("write");
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;

    let stopping = tokio::spawn(app.stop());
    // The request cannot finish without the rest of its body: seeing the
    // service drain now proves shutdown began while it was in flight.
    eventually("readiness to report the shutdown", PATIENCE, || async {
        match shutdown_check(&client, &ready).await {
            (503, status) if status == "down" => Ok(()),
            other => Err(other),
        }
    })
    .await;
    stream
        .write_all(&body.as_bytes()[10..])
        .await
        .expect("write rest");
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .await
        .expect("read response");

    assert!(response.starts_with("HTTP/1.1 201"), "{response}");
    let stopped = stopping.await.expect("joins");
    assert!(stopped.is_ok(), "{stopped:?}");
}
// ANCHOR_END: request_in_flight

/// Readiness's status code and the status of its `shutdown` check.
async fn shutdown_check(client: &reqwest::Client, ready: &str) -> (u16, String) {
    let response = client.get(ready).send().await.expect("readiness answers");
    let status = response.status().as_u16();
    let report: serde_json::Value = response.json().await.expect("json");
    let check = report["checks"]["shutdown"]["status"]
        .as_str()
        .unwrap_or_default();
    (status, check.to_owned())
}

#[tokio::test]
async fn every_response_carries_the_security_headers_errors_included() {
    let app = spawn_app().await;

    for path in [
        "/health/live",
        "/docs/",
        "/api/v1/users/not-a-uuid",
        "/nowhere",
    ] {
        let response = app.get(path).await;

        for (name, expected) in [
            ("x-content-type-options", "nosniff"),
            ("x-frame-options", "DENY"),
            ("referrer-policy", "no-referrer"),
        ] {
            assert_eq!(
                header(&response, name).as_deref(),
                Some(expected),
                "{path} {name}"
            );
        }
        let hsts = header(&response, "strict-transport-security").unwrap_or_default();
        assert!(hsts.starts_with("max-age="), "{path}: {hsts}");
        let policy = header(&response, "content-security-policy").unwrap_or_default();
        assert!(policy.contains("script-src 'self'"), "{path}: {policy}");
        assert!(
            policy.contains("frame-ancestors 'none'"),
            "{path}: {policy}"
        );
    }
}

async fn spawn_app_allowing(origin: &str) -> crate::helpers::TestApp {
    let origin = origin.to_owned();
    crate::helpers::spawn_app_with(move |settings| {
        settings.users.http.cors_allowed_origins = vec![origin];
    })
    .await
}

#[tokio::test]
async fn a_preflight_from_an_allowed_origin_is_answered_with_cors_headers() {
    let app = spawn_app_allowing("https://app.example.com").await;

    let response = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/api/v1/users"))
        .header("origin", "https://app.example.com")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send()
        .await
        .expect("sent");

    assert!(response.status().is_success(), "{}", response.status());
    assert_eq!(
        header(&response, "access-control-allow-origin").as_deref(),
        Some("https://app.example.com")
    );
    let methods = header(&response, "access-control-allow-methods").unwrap_or_default();
    assert!(methods.contains("POST"), "{methods}");
}

#[tokio::test]
async fn another_origin_gets_no_cors_headers_but_same_origin_requests_still_work() {
    let app = spawn_app_allowing("https://app.example.com").await;

    let response = app
        .client
        .get(app.url("/health/live"))
        .header("origin", "https://evil.example")
        .send()
        .await
        .expect("sent");

    assert_eq!(
        response.status(),
        200,
        "served: the browser does the hiding"
    );
    assert_eq!(header(&response, "access-control-allow-origin"), None);
}

#[test]
fn a_cors_origin_with_a_path_is_a_config_error() {
    let mut settings = capstone_users::Settings::default();
    settings.users.http.cors_allowed_origins = vec!["https://app.example.com/path".into()];

    let error = settings.validate().expect_err("invalid origin");

    assert!(
        error
            .to_string()
            .contains("users.http.cors_allowed_origins")
    );
}

#[tokio::test]
async fn a_refused_preflight_is_a_problem_like_any_other_error() {
    let app = spawn_app_allowing("https://app.example.com").await;

    let response = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/api/v1/users"))
        .header("origin", "https://app.example.com")
        .header("access-control-request-method", "PUT")
        .send()
        .await
        .expect("sent");

    let problem = assert_problem(response, 400).await;
    assert_eq!(problem.instance.as_deref(), Some("/api/v1/users"));
}
