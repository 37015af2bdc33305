//! Request methods on their way upstream: each is forwarded as the client
//! sent it, never replaced by another.

use crate::helpers::{Stub, settings_over, spawn_gateway};

#[tokio::test]
async fn an_extension_method_reaches_the_upstream_as_sent_not_as_get() {
    let stub = Stub::start("a").await;
    let gateway = spawn_gateway(settings_over(&stub, "/stub")).await;
    let purge = reqwest::Method::from_bytes(b"PURGE").expect("a valid method token");

    let response = gateway
        .client
        .request(purge, gateway.url("/stub/cache"))
        .send()
        .await
        .expect("sent");

    assert_eq!(response.status(), 200);
    let echoed: serde_json::Value = response.json().await.expect("echo body");
    assert_eq!(echoed["method"], "PURGE");
}

#[test]
fn every_method_actix_parses_converts_for_the_upstream_client() {
    for method in [
        "GET", "POST", "PATCH", "DELETE", "PROPFIND", "PURGE", "M-SEARCH",
    ] {
        let parsed = actix_web::http::Method::from_bytes(method.as_bytes()).expect("a token");
        let converted = capstone_gateway::proxy::upstream_method(&parsed);
        assert_eq!(
            converted.as_ref().map(reqwest::Method::as_str),
            Some(method)
        );
    }
}
