//! `POST /graphql`: the HTTP side. Extract what the REST handlers extract
//! (the caller, the event origin, the client address), hand the body to
//! [`Endpoint::execute`], send back JSON.
//!
//! A token is required at the door (the `authenticate` middleware, 401
//! problem+json without one): every field needs a caller. Only POST: a
//! query in a GET URL ends up in logs and caches, and nothing here is
//! cacheable per URL anyway. The body is capped at
//! [`limits::MAX_BODY_BYTES`](super::limits::MAX_BODY_BYTES) and must be
//! JSON (413 and 415 as problem+json, like every REST body).

use actix_web::{HttpResponse, middleware::from_fn, web};
use capstone_platform::{client_address::ClientAddress, extract::ValidatedJson};
use serde::Deserialize;

use super::{Caller, Endpoint, limits::MAX_BODY_BYTES};
use crate::{
    auth::{AuthenticatedUser, authenticate},
    events::EventOrigin,
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/graphql")
            .app_data(web::PayloadConfig::new(MAX_BODY_BYTES))
            .wrap(from_fn(authenticate))
            .route(web::post().to(execute)),
    );
}

/// The body: `{"query": "…", "variables": {…}, "operationName": "…"}`.
#[derive(Debug, Deserialize)]
#[serde(transparent)]
struct GraphqlBody(async_graphql::Request);

// The GraphQL request is validated by the schema, not by field rules.
impl validator::Validate for GraphqlBody {
    fn validate(&self) -> Result<(), validator::ValidationErrors> {
        Ok(())
    }
}

// ANCHOR: execute
async fn execute(
    endpoint: web::Data<Endpoint>,
    user: AuthenticatedUser,
    origin: EventOrigin,
    client: ClientAddress,
    ValidatedJson(GraphqlBody(request)): ValidatedJson<GraphqlBody>,
) -> HttpResponse {
    let caller = Caller {
        user,
        origin,
        client: client.0,
    };
    let response = endpoint.execute(request, caller).await;
    HttpResponse::Ok().json(response)
}
// ANCHOR_END: execute
