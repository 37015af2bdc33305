//! Extractors that turn raw input into validated values, or into a problem.
//!
//! [`ValidatedJson<T>`] does, in order: check the `Content-Type` (415), read the
//! body up to the configured limit (413), parse JSON (400 for broken syntax,
//! 422 for the wrong shape, including unknown fields when `T` denies them),
//! then run `validator` on the result (422 with every invalid field at once).
//! [`ValidatedQuery<T>`] does the same for the query string.
//!
//! A handler that takes `ValidatedJson<T>` therefore only ever sees input that
//! passed every check: the rules are visible in the DTO, not in the handler.
//! Explained in docs/src/api-design.md ("Validation").

// `Problem` is ~180 bytes; these functions return it only on the (cold)
// rejection path, where boxing would cost more clarity than it saves.
#![allow(clippy::result_large_err)]

use actix_web::{
    FromRequest, HttpMessage, HttpRequest, dev::Payload, error::PayloadError, http::StatusCode, web,
};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;
use validator::Validate;

use crate::problem::{FieldError, Problem};

/// A JSON body that parsed and validated.
#[derive(Debug)]
pub struct ValidatedJson<T>(pub T);

/// A query string that parsed and validated.
#[derive(Debug)]
pub struct ValidatedQuery<T>(pub T);

// ANCHOR: validated_json
impl<T: DeserializeOwned + Validate + 'static> FromRequest for ValidatedJson<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let content_type_problem = check_json_content_type(req);
        // `Bytes` honours `web::PayloadConfig`: the body limit set at startup.
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            if let Some(problem) = content_type_problem {
                return Err(problem.into());
            }
            let bytes = body.await.map_err(body_problem)?;
            let value: T = parse_json(&bytes)?;
            value.validate().map_err(|errors| Problem::from(&errors))?;
            Ok(ValidatedJson(value))
        })
    }
}
// ANCHOR_END: validated_json

impl<T: DeserializeOwned + Validate + 'static> FromRequest for ValidatedQuery<T> {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let result = parse_query::<T>(req.query_string())
            .and_then(|value| {
                value.validate().map_err(|errors| Problem::from(&errors))?;
                Ok(ValidatedQuery(value))
            })
            .map_err(actix_web::Error::from);
        std::future::ready(result)
    }
}

fn check_json_content_type(req: &HttpRequest) -> Option<Problem> {
    let is_json = match req.mime_type() {
        Ok(Some(mime)) => {
            mime.type_() == "application"
                && (mime.subtype() == "json" || mime.suffix().is_some_and(|s| s == "json"))
        }
        _ => false,
    };
    (!is_json).then(|| {
        Problem::from_status(StatusCode::UNSUPPORTED_MEDIA_TYPE)
            .with_detail("Send the body as JSON with `Content-Type: application/json`.")
    })
}

/// The problem for a body that could not be read: 413 past the limit, 400
/// otherwise. Public for middleware that reads a body before the handler
/// (the users service's idempotency keys), so both answer alike.
pub fn body_problem(error: actix_web::Error) -> Problem {
    match error.as_error::<PayloadError>() {
        Some(PayloadError::Overflow) => Problem::from_status(StatusCode::PAYLOAD_TOO_LARGE)
            .with_detail("The request body is larger than this endpoint accepts."),
        _ => Problem::from_status(StatusCode::BAD_REQUEST)
            .with_detail(format!("The request body could not be read: {error}")),
    }
}

/// Parses JSON, tracking the path to whatever failed so the problem can point
/// at the field (`serde_path_to_error`).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Problem> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        if inner.is_data() {
            shape_problem(&path, &inner.to_string())
        } else {
            Problem::from_status(StatusCode::BAD_REQUEST)
                .with_detail(format!("The body is not valid JSON: {inner}"))
        }
    })?;
    // Trailing garbage after the value is a syntax error, not something to ignore.
    deserializer.end().map_err(|error| {
        Problem::from_status(StatusCode::BAD_REQUEST)
            .with_detail(format!("The body is not valid JSON: {error}"))
    })?;
    Ok(value)
}

fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, Problem> {
    let deserializer =
        serde_urlencoded::Deserializer::new(url::form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(deserializer)
        .map_err(|error| shape_problem(&error.path().to_string(), &error.inner().to_string()))
}

/// A 422 for input that is well-formed but of the wrong shape: a missing or
/// unknown field, or a value of the wrong type.
fn shape_problem(path: &str, message: &str) -> Problem {
    // serde reports missing/unknown fields at the enclosing object; point at
    // the field itself, which is what a client needs to fix.
    let mut segments: Vec<&str> = path
        .split('.')
        .filter(|segment| !segment.is_empty() && *segment != "?")
        .collect();
    let (code, field) = if let Some(field) = backticked_after(message, "unknown field `") {
        ("unknown_field", Some(field))
    } else if let Some(field) = backticked_after(message, "missing field `") {
        ("required", Some(field))
    } else {
        ("invalid_type", None)
    };
    // serde_path_to_error already ends the path with an unknown field's name.
    if let Some(field) = field
        && segments.last() != Some(&field)
    {
        segments.push(field);
    }
    // Drop serde_json's "at line 1 column 9" suffix: the pointer says where.
    let detail = message.split(" at line ").next().unwrap_or(message);
    Problem::validation(vec![FieldError::new(&segments, code, detail)])
}

fn backticked_after<'a>(message: &'a str, prefix: &str) -> Option<&'a str> {
    let rest = message.strip_prefix(prefix)?;
    rest.split('`').next()
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)] // fields exist to be parsed
    struct Input {
        name: String,
        age: u8,
    }

    #[test]
    fn broken_json_is_a_400() {
        let problem = parse_json::<Input>(b"{\"name\": ").expect_err("broken");
        assert_eq!(problem.status, 400);
    }

    #[test]
    fn an_unknown_field_is_a_422_pointing_at_it() {
        let problem = parse_json::<Input>(br#"{"name":"a","age":1,"admin":true}"#)
            .expect_err("unknown field");
        assert_eq!(problem.status, 422);
        assert_eq!(problem.errors[0].pointer, "#/admin");
        assert_eq!(problem.errors[0].code, "unknown_field");
    }

    #[test]
    fn a_missing_field_is_a_422_pointing_at_it() {
        let problem = parse_json::<Input>(br#"{"name":"a"}"#).expect_err("missing");
        assert_eq!(problem.errors[0].pointer, "#/age");
        assert_eq!(problem.errors[0].code, "required");
    }

    #[test]
    fn a_wrong_type_points_at_the_field() {
        let problem = parse_json::<Input>(br#"{"name":"a","age":"old"}"#).expect_err("wrong type");
        assert_eq!(problem.errors[0].pointer, "#/age");
        assert_eq!(problem.errors[0].code, "invalid_type");
    }

    #[test]
    fn trailing_garbage_is_a_400() {
        let problem = parse_json::<Input>(br#"{"name":"a","age":1} extra"#).expect_err("trailing");
        assert_eq!(problem.status, 400);
    }
}
