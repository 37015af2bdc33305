//! Errors as GraphQL clients see them. The message is for a person; in
//! `extensions`, what a program branches on:
//!
//! - `code`: the REST problem type's slug (`urn:capstone:problem:email-taken`
//!   is `email-taken`), or for the generic ones the status named
//!   (`unauthenticated`, `forbidden`, `not-found`, `internal`); and for
//!   errors in the query itself, `invalid-query`, `query-too-deep`,
//!   `query-too-complex`, `query-too-wide`, `introspection-disabled`;
//! - `status`: what the same failure answers over REST;
//! - `fields`: for invalid input, one entry per field, as in problem+json
//!   (pointers name the GraphQL argument: `#/displayName`).
//!
//! Explained in docs/src/api-design.md ("REST and GraphQL on one domain").

use async_graphql::{ErrorExtensionValues, ErrorExtensions as _, ServerError, Value};
use capstone_platform::Problem;

use crate::error::ApiError;

// ANCHOR: to_graphql
/// The GraphQL error for a use case's error.
pub fn to_graphql(error: &ApiError) -> async_graphql::Error {
    let problem = error.to_problem();
    if problem.status >= 500 {
        // REST logs these where the response is written; a GraphQL answer
        // is a 200 with errors, so its server failures are logged here.
        tracing::error!(
            cause = problem.internal_cause.as_deref(),
            status = problem.status,
            "GraphQL field failed"
        );
    }
    let message = problem
        .detail
        .clone()
        .unwrap_or_else(|| problem.title.to_string());
    async_graphql::Error::new(message).extend_with(|_, extensions| {
        extensions.set("code", code_of(&problem));
        extensions.set("status", problem.status);
        if !problem.errors.is_empty() {
            extensions.set("fields", fields_of(&problem));
        }
    })
}
// ANCHOR_END: to_graphql

impl From<ApiError> for async_graphql::Error {
    fn from(error: ApiError) -> Self {
        to_graphql(&error)
    }
}

fn code_of(problem: &Problem) -> String {
    if let Some(slug) = problem.slug() {
        return slug.to_owned();
    }
    match problem.status {
        401 => "unauthenticated",
        403 => "forbidden",
        404 => "not-found",
        _ => "internal",
    }
    .to_owned()
}

/// Problem+json's field list, with each pointer in GraphQL's spelling.
fn fields_of(problem: &Problem) -> Value {
    let fields = problem.errors.iter().map(|field| {
        let mut entry = async_graphql::indexmap::IndexMap::new();
        entry.insert(
            async_graphql::Name::new("pointer"),
            Value::from(camel_case(&field.pointer)),
        );
        entry.insert(
            async_graphql::Name::new("code"),
            Value::from(field.code.clone()),
        );
        entry.insert(
            async_graphql::Name::new("detail"),
            Value::from(field.detail.clone()),
        );
        Value::Object(entry)
    });
    Value::List(fields.collect())
}

/// `#/new_password` → `#/newPassword`: the use cases name fields as the
/// REST bodies do; GraphQL's arguments are camelCase.
fn camel_case(pointer: &str) -> String {
    let mut spelled = String::with_capacity(pointer.len());
    let mut upper_next = false;
    for character in pointer.chars() {
        match character {
            '_' => upper_next = true,
            _ if upper_next => {
                spelled.extend(character.to_uppercase());
                upper_next = false;
            }
            _ => spelled.push(character),
        }
    }
    spelled
}

// ANCHOR: query_error_codes
/// Gives every error the library raised about the query itself (it does
/// not parse, does not validate, or is past a limit) a `code` too, so a
/// client never has to read messages. The two limit messages are the
/// library's own; a test pins them, so an upgrade that rewords them fails
/// there and not silently here.
pub fn code_query_errors(errors: &mut [ServerError]) {
    for error in errors {
        let extensions = error
            .extensions
            .get_or_insert_with(ErrorExtensionValues::default);
        if extensions.get("code").is_some() {
            continue;
        }
        // An error with a path came from a field, and every field's error
        // has a code already: one without is a bug (missing context data).
        let (code, status) = if !error.path.is_empty() {
            ("internal", 500)
        } else {
            match error.message.as_str() {
                "Query is nested too deep." => ("query-too-deep", 400),
                "Query is too complex." => ("query-too-complex", 400),
                _ => ("invalid-query", 400),
            }
        };
        extensions.set("code", code);
        extensions.set("status", status);
    }
}
// ANCHOR_END: query_error_codes

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_take_graphql_spelling() {
        assert_eq!(camel_case("#/new_password"), "#/newPassword");
        assert_eq!(camel_case("#/email"), "#/email");
    }

    #[test]
    fn a_use_case_error_carries_its_problem_slug_and_status() {
        let error = to_graphql(&ApiError::EmailTaken);
        let extensions = error.extensions.expect("extensions");
        assert_eq!(extensions.get("code"), Some(&Value::from("email-taken")));
        assert_eq!(extensions.get("status"), Some(&Value::from(409)));
    }

    #[test]
    fn generic_problems_are_named_by_their_status() {
        let error = to_graphql(&ApiError::Forbidden);
        let extensions = error.extensions.expect("extensions");
        assert_eq!(extensions.get("code"), Some(&Value::from("forbidden")));
    }
}
