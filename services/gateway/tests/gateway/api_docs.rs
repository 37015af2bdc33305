//! One `/docs` at the edge for every upstream's API.

use crate::helpers::{UsersCluster, base_settings, spawn_gateway, upstream};

#[tokio::test]
async fn the_gateway_lists_and_serves_the_upstream_openapi_documents() {
    let users = UsersCluster::start(1).await;
    let mut settings = base_settings();
    settings
        .gateway
        .upstreams
        .insert("users".into(), upstream(&users.addresses));
    let mut undocumented = upstream(&users.addresses);
    undocumented.openapi_path = String::new();
    settings
        .gateway
        .upstreams
        .insert("quiet".into(), undocumented);
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

    assert!(
        !script.contains("/api-docs/quiet/"),
        "an upstream without docs is not listed"
    );
    for missing in [
        "/api-docs/nobody/openapi.json",
        "/api-docs/quiet/openapi.json",
    ] {
        assert_eq!(gateway.get(missing).await.status(), 404, "{missing}");
    }
}
