use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use capstone_contracts::{AccessClaims, Role};
use uuid::Uuid;

use super::*;

fn incoming(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut headers = HeaderMap::new();
    for (name, value) in pairs {
        headers.append(
            HeaderName::from_bytes(name.as_bytes()).expect("name"),
            HeaderValue::from_str(value).expect("value"),
        );
    }
    headers
}

fn origin(peer: &str, trusted: bool) -> Origin {
    Origin {
        peer: Some(peer.parse().expect("ip")),
        peer_is_trusted: trusted,
        proto: "http".into(),
        host: Some("api.example.com".into()),
        request_id: "req-1".into(),
    }
}

fn values(headers: &reqwest::header::HeaderMap, name: &str) -> Vec<String> {
    headers
        .get_all(name)
        .iter()
        .map(|value| value.to_str().expect("ascii").to_owned())
        .collect()
}

#[test]
fn hop_by_hop_headers_and_those_connection_names_are_dropped() {
    let headers = incoming(&[
        ("connection", "keep-alive, x-debug-hop"),
        ("keep-alive", "timeout=5"),
        ("te", "trailers"),
        ("upgrade", "websocket"),
        ("x-debug-hop", "1"),
        ("accept", "application/json"),
    ]);
    let out = upstream_request_headers(&headers, &origin("203.0.113.9", false), None);
    for name in ["connection", "keep-alive", "te", "upgrade", "x-debug-hop"] {
        assert!(!out.contains_key(name), "{name} passed through");
    }
    assert_eq!(values(&out, "accept"), ["application/json"]);
}

#[test]
fn identity_headers_from_clients_never_reach_upstreams() {
    let headers = incoming(&[
        ("x-capstone-user-id", "00000000-0000-0000-0000-000000000000"),
        ("x-capstone-user-role", "admin"),
        ("x-capstone-anything", "x"),
    ]);
    let out = upstream_request_headers(&headers, &origin("203.0.113.9", false), None);
    assert!(
        out.keys()
            .all(|name| !name.as_str().starts_with("x-capstone-"))
    );
}

#[test]
fn the_verified_identity_replaces_any_claimed_one() {
    let user = Uuid::now_v7();
    let claims = AccessClaims {
        iss: "capstone-users".into(),
        aud: "capstone".into(),
        sub: user,
        role: Role::User,
        ver: 0,
        iat: 0,
        nbf: 0,
        exp: 0,
        jti: Uuid::now_v7(),
        sid: None,
    };
    let headers = incoming(&[("x-capstone-user-role", "admin")]);
    let out = upstream_request_headers(&headers, &origin("203.0.113.9", false), Some(&claims));
    assert_eq!(values(&out, USER_ID_HEADER), [user.to_string()]);
    assert_eq!(values(&out, USER_ROLE_HEADER), ["user"]);
}

#[test]
fn an_untrusted_peers_forwarding_headers_are_replaced() {
    let headers = incoming(&[
        ("x-forwarded-for", "1.2.3.4"),
        ("x-forwarded-proto", "https"),
        ("forwarded", "for=1.2.3.4"),
    ]);
    let out = upstream_request_headers(&headers, &origin("203.0.113.9", false), None);
    assert_eq!(values(&out, "x-forwarded-for"), ["203.0.113.9"]);
    assert_eq!(values(&out, "x-forwarded-proto"), ["http"]);
    assert_eq!(values(&out, "x-forwarded-host"), ["api.example.com"]);
    assert_eq!(
        values(&out, "forwarded"),
        ["for=203.0.113.9;proto=http;host=\"api.example.com\""]
    );
}

#[test]
fn a_trusted_proxys_forwarding_headers_are_extended() {
    let headers = incoming(&[
        ("x-forwarded-for", "198.51.100.1"),
        ("x-forwarded-proto", "https"),
    ]);
    let out = upstream_request_headers(&headers, &origin("::1", true), None);
    assert_eq!(values(&out, "x-forwarded-for"), ["198.51.100.1", "::1"]);
    assert_eq!(values(&out, "x-forwarded-proto"), ["https"]);
    assert_eq!(
        values(&out, "forwarded"),
        ["for=\"[::1]\";proto=http;host=\"api.example.com\""]
    );
}

#[test]
fn the_request_id_is_ours_and_trace_context_passes_through() {
    let headers = incoming(&[
        ("x-request-id", "client-chosen"),
        (
            "traceparent",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        ),
        ("host", "api.example.com"),
    ]);
    let out = upstream_request_headers(&headers, &origin("203.0.113.9", false), None);
    assert_eq!(values(&out, "x-request-id"), ["req-1"]);
    assert_eq!(
        values(&out, "traceparent"),
        ["00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"]
    );
    assert!(!out.contains_key("host"));
}

#[test]
fn response_headers_pass_except_hop_by_hop_and_length() {
    let mut upstream = reqwest::header::HeaderMap::new();
    for (name, value) in [
        ("set-cookie", "a=1"),
        ("set-cookie", "b=2"),
        ("cache-control", "no-store"),
        ("transfer-encoding", "chunked"),
        ("content-length", "10"),
    ] {
        upstream.append(
            reqwest::header::HeaderName::from_static(name),
            reqwest::header::HeaderValue::from_static(value),
        );
    }
    let passed: Vec<(String, String)> = client_response_headers(&upstream)
        .map(|(name, value)| (name.to_string(), value.to_str().expect("ascii").to_owned()))
        .collect();
    assert_eq!(
        passed,
        [
            ("set-cookie".to_owned(), "a=1".to_owned()),
            ("set-cookie".to_owned(), "b=2".to_owned()),
            ("cache-control".to_owned(), "no-store".to_owned()),
        ]
    );
}

/// `Idempotency-Key` is end to end (the users service keeps the keys): the
/// gateway passes it on unchanged, and the replay marker back.
#[test]
fn idempotency_key_goes_upstream_and_the_replay_marker_comes_back() {
    let headers = incoming(&[("idempotency-key", "8e03978e-40d5-43e8-bc93-6894a57f9324")]);
    let out = upstream_request_headers(&headers, &origin("203.0.113.9", false), None);
    assert_eq!(
        values(&out, "idempotency-key"),
        ["8e03978e-40d5-43e8-bc93-6894a57f9324"]
    );

    let mut upstream = reqwest::header::HeaderMap::new();
    upstream.insert(
        reqwest::header::HeaderName::from_static("idempotent-replayed"),
        reqwest::header::HeaderValue::from_static("true"),
    );
    let passed: Vec<String> = client_response_headers(&upstream)
        .map(|(name, _)| name.to_string())
        .collect();
    assert_eq!(passed, ["idempotent-replayed"]);
}
