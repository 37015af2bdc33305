//! HTTP routes of the users service, versioned under `/api/v1`.
//!
//! One module per resource; each exposes `configure` for actix-web. Handlers
//! are thin: extract validated input, call one use case of
//! [`crate::accounts::Accounts`], shape the output. Routes never reach the
//! repositories (tests/layering.rs fails the build if one does).

pub mod auth;
pub mod fields;
pub(crate) mod problem_responses;
pub mod users;
pub mod well_known;

use actix_web::web;

/// Mounts every route of the service's API.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.configure(well_known::configure).service(
        web::scope("/api/v1")
            .configure(auth::configure)
            .configure(users::configure),
    );
}
