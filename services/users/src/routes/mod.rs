//! HTTP routes of the users service, versioned under `/api/v1`.
//!
//! One module per resource; each exposes `configure` for actix-web. Handlers
//! are thin: extract validated input, call the repository, shape the output.

pub mod users;

use actix_web::web;

/// Mounts every versioned API route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::scope("/api/v1").configure(users::configure));
}
