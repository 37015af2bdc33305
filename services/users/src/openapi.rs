//! The OpenAPI 3.1 document, generated from the handlers' `#[utoipa::path]`
//! attributes and the request/response types' `ToSchema` derives, so the
//! document cannot drift from the code. Served at `/api-docs/openapi.json`,
//! with Swagger UI at `/docs` (assets compiled into the binary: works offline).

use capstone_platform::{FieldError, Problem, health};
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

use crate::routes::users;

pub const OPENAPI_JSON_PATH: &str = "/api-docs/openapi.json";

#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "Capstone users service",
        description = "Accounts of the Capstone reference backend. Errors are RFC 9457 \
                       `application/problem+json` bodies with a `request_id`.",
        license(name = "MIT"),
    ),
    paths(
        users::create_user,
        users::list_users,
        users::get_user,
        users::update_user,
        users::delete_user,
        health::live,
        health::ready,
    ),
    components(schemas(Problem, FieldError)),
    tags(
        (name = "users", description = "User accounts"),
        (name = "health", description = "Liveness and readiness probes"),
    )
)]
pub struct ApiDoc;

/// The Swagger UI service, serving the document it describes.
pub fn swagger_ui() -> SwaggerUi {
    SwaggerUi::new("/docs/{_:.*}").url(OPENAPI_JSON_PATH, ApiDoc::openapi())
}
