//! `Idempotency-Key` in the OpenAPI document: the header, and the answers
//! it adds, on each operation the `idempotent` middleware wraps.
//!
//! Declared here rather than in each handler's `#[utoipa::path]`: utoipa
//! makes an optional header's schema nullable (which would invite `null`
//! as a key), and the answers come from the middleware, not the handler,
//! so one list states them once for every operation that takes the key.

use utoipa::{
    ToResponse,
    openapi::{
        ObjectBuilder, RefOr, Required, Schema, Type,
        header::HeaderBuilder,
        path::{Operation, ParameterBuilder, ParameterIn},
    },
};

use crate::{
    idempotency::key::{KEY_PATTERN, MAX_KEY_LENGTH},
    routes::problem_responses::{MalformedJson, PayloadTooLarge},
};

// ANCHOR: operations
/// The operations that take the header: each POST that creates something
/// or sends an email. Their resources are wrapped in `routes::auth` and
/// `routes::users`; `tests/api/idempotency.rs` checks that each one honours
/// the key.
pub const OPERATIONS: [&str; 5] = [
    "/api/v1/auth/register",
    "/api/v1/auth/forgot-password",
    "/api/v1/users",
    "/api/v1/users/me/email",
    "/api/v1/users/me/verification-email",
];
// ANCHOR_END: operations

/// Adds the header and its answers to each POST in [`OPERATIONS`].
#[derive(Debug)]
pub(super) struct IdempotencyKeyHeader;

impl utoipa::Modify for IdempotencyKeyHeader {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            if !OPERATIONS.contains(&path.as_str()) {
                continue;
            }
            if let Some(operation) = item.post.as_mut() {
                document(operation);
            }
        }
    }
}

fn document(operation: &mut Operation) {
    let key = ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .max_length(Some(MAX_KEY_LENGTH))
        .pattern(Some(KEY_PATTERN))
        .build();
    let parameter = ParameterBuilder::new()
        .name("Idempotency-Key")
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(
            "Makes the request safe to retry: sent again with the same key (and the same \
             body), it is not run again; the first response is replayed, with \
             `Idempotent-Replayed: true`. Keys are kept 24 hours, per caller and endpoint. \
             A random UUID is a good key.",
        ))
        .schema(Some(Schema::Object(key)))
        .build();
    operation
        .parameters
        .get_or_insert_with(Vec::new)
        .push(parameter.into());

    let responses = &mut operation.responses.responses;
    for (status, response) in responses.iter_mut() {
        if let (true, RefOr::T(response)) = (status.starts_with('2'), response) {
            let only_true = ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(["true"]))
                .build();
            let replayed = HeaderBuilder::new()
                .schema(Some(Schema::Object(only_true)))
                .description(Some(
                    "`true` on a replay: the first response to this Idempotency-Key, not run again",
                ))
                .build();
            response
                .headers
                .insert("Idempotent-Replayed".to_owned(), replayed.into());
        }
    }
    let too_large = PayloadTooLarge::response().1;
    let problem = MalformedJson::response().1;
    let answers = [
        (
            "400",
            "A malformed Idempotency-Key (`invalid-idempotency-key`)",
            &problem,
        ),
        (
            "409",
            "The first request with this Idempotency-Key is still running (`idempotency-key-in-flight`, with `Retry-After`)",
            &problem,
        ),
        // The body is read before the handler runs, to fingerprint it.
        ("413", "Body too large", &too_large),
        (
            "422",
            "This Idempotency-Key came with another request (`idempotency-key-reused`)",
            &problem,
        ),
        (
            "503",
            "An Idempotency-Key was sent, and the key store (Redis) is unreachable (with `Retry-After`)",
            &problem,
        ),
    ];
    for (status, description, template) in answers {
        match responses.get_mut(status) {
            // An operation with a body documents its 413 already.
            Some(RefOr::T(existing)) if status != "413" => {
                existing.description = format!("{}; or: {description}", existing.description);
            }
            Some(_) => {}
            None => {
                let mut response = template.clone();
                if let RefOr::T(response) = &mut response {
                    response.description = description.to_owned();
                }
                responses.insert(status.to_owned(), response);
            }
        }
    }
}
