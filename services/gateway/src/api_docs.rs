//! API docs at the edge: one Swagger UI at the gateway's `/docs/` listing
//! every upstream's OpenAPI document, each fetched through the gateway
//! itself (`/api-docs/<upstream>/openapi.json`), so "Try it out" calls go
//! through the same routes, auth and limits as any client's.

use actix_web::{HttpResponse, web};
use capstone_platform::{Problem, server};
use utoipa_swagger_ui::{Config, SwaggerUi};

use crate::{
    proxy::{
        self,
        forward::{self, RequestBody, UpstreamRequest},
    },
    settings::GatewaySettings,
    state::Gateway,
};

/// `/docs` (Swagger UI) and `/api-docs/{upstream}/openapi.json`.
pub fn configure(settings: &GatewaySettings) -> impl FnOnce(&mut web::ServiceConfig) + use<> {
    let documents: Vec<String> = settings
        .upstreams
        .iter()
        .filter(|(_, upstream)| !upstream.openapi_path.is_empty())
        .map(|(name, _)| format!("/api-docs/{name}/openapi.json"))
        .collect();
    move |config: &mut web::ServiceConfig| {
        config.route(
            "/api-docs/{upstream}/openapi.json",
            web::get().to(openapi_document),
        );
        if documents.is_empty() {
            return;
        }
        config
            .route("/docs", web::get().to(server::docs_redirect))
            .service(SwaggerUi::new("/docs/{_:.*}").config(Config::new(documents)));
    }
}

// ANCHOR: openapi_document
/// An upstream's OpenAPI document, fetched from one of its instances.
async fn openapi_document(
    name: web::Path<String>,
    gateway: web::Data<Gateway>,
    client: web::Data<reqwest::Client>,
) -> HttpResponse {
    let found = gateway.upstreams.get(&name).and_then(|upstream| {
        let path = upstream.openapi_path.clone()?;
        Some((upstream, path))
    });
    let Some((upstream, path)) = found else {
        return Problem::from_status(actix_web::http::StatusCode::NOT_FOUND)
            .with_detail(format!("No upstream called `{name}` publishes API docs."))
            .to_response();
    };
    let request = UpstreamRequest {
        method: reqwest::Method::GET,
        path,
        query: None,
        headers: reqwest::header::HeaderMap::new(),
        body: RequestBody::Empty,
        timeout: std::time::Duration::from_secs(5),
    };
    match forward::forward(
        &client,
        upstream,
        None,
        request,
        gateway.retry,
        &gateway.metrics,
    )
    .await
    {
        Ok(answered) => proxy::relay(answered, gateway.response_body_limit),
        Err(error) => proxy::forward_failed(&upstream.name, &error),
    }
}
// ANCHOR_END: openapi_document
