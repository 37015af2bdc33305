//! The OpenAPI 3.1 document, generated from the handlers' `#[utoipa::path]`
//! attributes and the request/response types' `ToSchema` derives, so the
//! document cannot drift from the code. Served at `/api-docs/openapi.json`,
//! with Swagger UI at `/docs` (assets compiled into the binary: works offline).

mod idempotency_key;

pub use idempotency_key::OPERATIONS as IDEMPOTENT_OPERATIONS;

use capstone_platform::{FieldError, Problem, health};
use utoipa::{
    Modify, OpenApi, ToResponse,
    openapi::{
        ObjectBuilder, RefOr, Schema, Type,
        path::{Operation, PathItem},
        security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
    },
};
use utoipa_swagger_ui::SwaggerUi;

use idempotency_key::IdempotencyKeyHeader;

use crate::routes::{
    auth,
    problem_responses::{MalformedJson, NotJson, PayloadTooLarge},
    users, well_known,
};

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
    // In this order: the idempotency answers extend the shared ones.
    modifiers(&BearerAuth, &SharedResponses, &TransportHeader, &IdempotencyKeyHeader),
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

// ANCHOR: shared_responses
/// The answers every operation of a kind can give, whatever its handler
/// says, because they come from code every such operation goes through:
///
/// * with a JSON body (`ValidatedJson`): 400 malformed JSON, 413 too large,
///   415 not JSON;
/// * with a path parameter: 400 when the path is refused before routing
///   (`platform::canonical_path`: `/users/%00`, `/users/a\b`).
///
/// Added here, once, where a handler's own list lacks them: the document
/// must name every status the server sends (the contract tests check it),
/// and a rule kept in one place cannot be forgotten on the next route.
#[derive(Debug)]
struct SharedResponses;

impl Modify for SharedResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let bad_path = "The request path is refused before routing (a control \
                        character, a dot-segment, an escaped slash: see `invalid-path`)";
        for (path, item) in openapi.paths.paths.iter_mut() {
            let templated = path.contains('{');
            for operation in operations(item) {
                let responses = &mut operation.responses.responses;
                if operation.request_body.is_some() {
                    for (status, (_, response)) in [
                        ("400", MalformedJson::response()),
                        ("413", PayloadTooLarge::response()),
                        ("415", NotJson::response()),
                    ] {
                        responses.entry(status.to_owned()).or_insert(response);
                    }
                }
                if templated {
                    match responses.get_mut("400") {
                        Some(RefOr::T(existing)) => {
                            existing.description =
                                format!("{}; or: {bad_path}", existing.description);
                        }
                        _ => {
                            let (_, problem) = MalformedJson::response();
                            let mut problem = match problem {
                                RefOr::T(problem) => problem,
                                RefOr::Ref(_) => continue,
                            };
                            problem.description = bad_path.to_owned();
                            responses.insert("400".to_owned(), RefOr::T(problem));
                        }
                    }
                }
            }
        }
    }
}

/// `X-Refresh-Token-Transport` takes one value, `cookie`, or is left out
/// (`routes/auth/refresh_cookie.rs`). The handlers declare it as an optional
/// header; utoipa makes an optional header's schema nullable, which would
/// tell clients (and the contract tests) that `null` is a value to send.
/// Stated exactly here, once, for every operation that takes it.
#[derive(Debug)]
struct TransportHeader;

impl Modify for TransportHeader {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let header = auth::refresh_cookie::TRANSPORT_HEADER;
        for item in openapi.paths.paths.values_mut() {
            for operation in operations(item) {
                let parameters = operation.parameters.iter_mut().flatten();
                for parameter in parameters {
                    let RefOr::T(parameter) = parameter else {
                        continue;
                    };
                    if parameter.name.eq_ignore_ascii_case(header) {
                        let only_cookie = ObjectBuilder::new()
                            .schema_type(Type::String)
                            .enum_values(Some(["cookie"]))
                            .build();
                        parameter.schema = Some(RefOr::T(Schema::Object(only_cookie)));
                    }
                }
            }
        }
    }
}

fn operations(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.patch,
    ]
    .into_iter()
    .filter_map(Option::as_mut)
}
// ANCHOR_END: shared_responses

/// The Swagger UI service, serving the document it describes.
pub fn swagger_ui() -> SwaggerUi {
    SwaggerUi::new("/docs/{_:.*}").url(OPENAPI_JSON_PATH, ApiDoc::openapi())
}
