//! Error responses that many operations share, documented once for OpenAPI.
//! Each is a problem+json body; operations refer to them with
//! `(status = 503, response = inline(DatabaseUnavailable))`.
//!
//! These types only describe responses; nothing constructs them.
#![allow(dead_code)]

use capstone_platform::Problem;
use utoipa::ToResponse;

#[derive(ToResponse)]
#[response(
    description = "Malformed JSON",
    content_type = "application/problem+json"
)]
pub(crate) struct MalformedJson(Problem);

#[derive(ToResponse)]
#[response(
    description = "Missing or invalid access token (with `WWW-Authenticate: Bearer`)",
    content_type = "application/problem+json"
)]
pub(crate) struct Unauthenticated(Problem);

#[derive(ToResponse)]
#[response(
    description = "Body too large",
    content_type = "application/problem+json"
)]
pub(crate) struct PayloadTooLarge(Problem);

#[derive(ToResponse)]
#[response(
    description = "Body is not JSON (`Content-Type`)",
    content_type = "application/problem+json"
)]
pub(crate) struct NotJson(Problem);

#[derive(ToResponse)]
#[response(
    description = "Database unavailable (with `Retry-After`)",
    content_type = "application/problem+json"
)]
pub(crate) struct DatabaseUnavailable(Problem);

#[derive(ToResponse)]
#[response(
    description = "Not an admin",
    content_type = "application/problem+json"
)]
pub(crate) struct NotAdmin(Problem);

#[derive(ToResponse)]
#[response(
    description = "Another user's account, and not an admin",
    content_type = "application/problem+json"
)]
pub(crate) struct NotYoursNotAdmin(Problem);
