//! The OpenAPI document matches the routes, and Swagger UI works offline.

use serde_json::Value;

use crate::helpers::{header, spawn_app};

async fn openapi_document(app: &crate::helpers::TestApp) -> Value {
    let response = app.get("/api-docs/openapi.json").await;
    assert_eq!(response.status(), 200);
    response.json().await.expect("json")
}

#[tokio::test]
async fn the_document_is_openapi_3_1_and_lists_every_route() {
    let app = spawn_app().await;

    let document = openapi_document(&app).await;

    assert!(
        document["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1")),
        "{}",
        document["openapi"]
    );
    let mut operations: Vec<String> = Vec::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("operations").keys() {
            operations.push(format!("{} {path}", method.to_uppercase()));
        }
    }
    operations.sort();
    assert_eq!(
        operations,
        vec![
            "DELETE /api/v1/users/{id}",
            "GET /.well-known/jwks.json",
            "GET /api/v1/users",
            "GET /api/v1/users/me",
            "GET /api/v1/users/{id}",
            "GET /health/live",
            "GET /health/ready",
            "PATCH /api/v1/users/me/password",
            "PATCH /api/v1/users/{id}",
            "POST /api/v1/auth/confirm-email-change",
            "POST /api/v1/auth/forgot-password",
            "POST /api/v1/auth/login",
            "POST /api/v1/auth/logout",
            "POST /api/v1/auth/refresh",
            "POST /api/v1/auth/register",
            "POST /api/v1/auth/reset-password",
            "POST /api/v1/auth/undo-email-change",
            "POST /api/v1/auth/verify-email",
            "POST /api/v1/users",
            "POST /api/v1/users/me/email",
            "POST /api/v1/users/me/verification-email",
        ]
    );
}

#[tokio::test]
async fn every_error_response_is_documented_as_a_problem() {
    let app = spawn_app().await;

    let document = openapi_document(&app).await;

    for (path, item) in document["paths"].as_object().expect("paths") {
        if path.starts_with("/health") {
            continue; // readiness returns its report on 503, by design
        }
        for (method, operation) in item.as_object().expect("operations") {
            for (status, response) in operation["responses"].as_object().expect("responses") {
                if status.starts_with('4') || status.starts_with('5') {
                    let schema = &response["content"]["application/problem+json"]["schema"];
                    assert_eq!(
                        schema["$ref"], "#/components/schemas/Problem",
                        "{method} {path} {status}"
                    );
                }
            }
        }
    }
}

#[tokio::test]
async fn schemas_carry_examples() {
    let app = spawn_app().await;

    let document = openapi_document(&app).await;

    for schema in [
        "CreateUserRequest",
        "UpdateUserRequest",
        "UserResponse",
        "Problem",
    ] {
        let example = &document["components"]["schemas"][schema]["example"];
        assert!(example.is_object(), "{schema} has an example");
    }
}

#[tokio::test]
async fn swagger_ui_is_served_with_its_assets_and_no_network() {
    let app = spawn_app().await;

    let page = app.get("/docs/").await;
    let stylesheet = app.get("/docs/swagger-ui.css").await;

    assert_eq!(page.status(), 200);
    assert!(page.text().await.expect("html").contains("swagger"));
    assert_eq!(
        stylesheet.status(),
        200,
        "assets are vendored in the binary"
    );
}

#[tokio::test]
async fn docs_without_a_trailing_slash_redirects_to_swagger_ui() {
    let app = spawn_app().await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");

    let response = client.get(app.url("/docs")).send().await.expect("sent");

    assert_eq!(response.status(), 308);
    assert_eq!(header(&response, "location").as_deref(), Some("/docs/"));
}

#[tokio::test]
async fn protected_operations_declare_the_bearer_scheme_and_public_ones_do_not() {
    let app = spawn_app().await;

    let document = openapi_document(&app).await;

    let scheme = &document["components"]["securitySchemes"]["bearer"];
    assert_eq!(scheme["type"], "http");
    assert_eq!(scheme["scheme"], "bearer");
    let public = [
        "/api/v1/auth/register",
        "/api/v1/auth/login",
        "/api/v1/auth/refresh",
        "/api/v1/auth/logout",
        "/api/v1/auth/verify-email",
        "/api/v1/auth/forgot-password",
        "/api/v1/auth/reset-password",
        "/api/v1/auth/confirm-email-change",
        "/api/v1/auth/undo-email-change",
        "/health/live",
        "/health/ready",
        "/.well-known/jwks.json",
    ];
    for (path, item) in document["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("operations") {
            let secured = operation["security"]
                .as_array()
                .is_some_and(|requirements| {
                    requirements
                        .iter()
                        .any(|requirement| requirement.get("bearer").is_some())
                });
            let expected = !public.contains(&path.as_str());
            assert_eq!(secured, expected, "{method} {path}");
            if expected {
                assert!(
                    operation["responses"]["401"].is_object(),
                    "{method} {path} documents its 401"
                );
            }
        }
    }
}
