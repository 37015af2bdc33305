//! One `/docs` at the edge for every upstream's API.

use crate::helpers::{UsersCluster, base_settings, spawn_gateway, upstream};

#[tokio::test]
async fn the_gateway_lists_and_serves_the_upstream_openapi_documents() {
    let users = UsersCluster::start(1).await;
    let mut settings = base_settings();
    let mut pool = upstream(&users.addresses);
    pool.openapi_path = Some("/api-docs/openapi.json".into());
    settings.gateway.upstreams.insert("users".into(), pool);
    let gateway = spawn_gateway(settings).await;

    let redirect = gateway.get("/docs").await;
    assert_eq!(redirect.status(), 308);
    let page = gateway.get("/docs/swagger-initializer.js").await;
    assert_eq!(page.status(), 200);
    let script = page.text().await.expect("text");
    assert!(script.contains("/api-docs/users/openapi.json"), "{script}");

    let document = gateway.get("/api-docs/users/openapi.json").await;
    assert_eq!(document.status(), 200);
    let document: serde_json::Value = document.json().await.expect("json");
    assert!(
        document["openapi"]
            .as_str()
            .is_some_and(|version| version.starts_with("3."))
    );
    assert!(document["paths"].get("/api/v1/users/me").is_some());

    let missing = gateway.get("/api-docs/nobody/openapi.json").await;
    assert_eq!(missing.status(), 404);
}
