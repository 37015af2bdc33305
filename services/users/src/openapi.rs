//! The OpenAPI 3.1 document, generated from the handlers' `#[utoipa::path]`
//! attributes and the request/response types' `ToSchema` derives, so the
//! document cannot drift from the code. Served at `/api-docs/openapi.json`,
//! with Swagger UI at `/docs` (assets compiled into the binary: works offline).

use capstone_platform::{FieldError, Problem, health};
use utoipa::{
    Modify, OpenApi,
    openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
};
use utoipa_swagger_ui::SwaggerUi;

use crate::routes::{auth, users, well_known};

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
        auth::register,
        auth::login,
        auth::refresh,
        auth::logout,
        auth::email_links::verify_email,
        auth::email_links::forgot_password,
        auth::email_links::reset_password,
        auth::email_change::confirm_email_change,
        auth::email_change::undo_email_change,
        users::me::get_me,
        users::me::change_password,
        users::me::request_verification_email,
        users::email_change::request_email_change,
        users::create_user,
        users::list_users,
        users::get_user,
        users::update_user,
        users::delete_user,
        health::live,
        health::ready,
        well_known::jwks,
    ),
    modifiers(&BearerAuth),
    components(schemas(Problem, FieldError)),
    tags(
        (name = "auth", description = "Registration, login and token refresh"),
        (name = "users", description = "User accounts"),
        (name = "health", description = "Liveness and readiness probes"),
    )
)]
pub struct ApiDoc;

/// Declares the `bearer` scheme that protected operations reference, so
/// Swagger UI shows an "Authorize" button that takes a token from `/login`.
#[derive(Debug)]
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "An access token from POST /api/v1/auth/login (valid 15 minutes).",
                    ))
                    .build(),
            ),
        );
    }
}

/// The Swagger UI service, serving the document it describes.
pub fn swagger_ui() -> SwaggerUi {
    SwaggerUi::new("/docs/{_:.*}").url(OPENAPI_JSON_PATH, ApiDoc::openapi())
}
