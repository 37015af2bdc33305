//! `validator`'s nested errors as a flat list of JSON-pointer field errors,
//! which is what a client can act on: "`#/items/2/email` is not an email".

use super::{FieldError, Problem};

impl From<&validator::ValidationErrors> for Problem {
    fn from(errors: &validator::ValidationErrors) -> Self {
        Problem::validation(field_errors(errors))
    }
}

/// Flattens validator's nested errors into JSON-pointer field errors, sorted
/// so that responses are deterministic.
pub fn field_errors(errors: &validator::ValidationErrors) -> Vec<FieldError> {
    let mut collected = Vec::new();
    collect_field_errors(errors, &mut Vec::new(), &mut collected);
    collected.sort_by(|left, right| left.pointer.cmp(&right.pointer));
    collected
}

fn collect_field_errors(
    errors: &validator::ValidationErrors,
    path: &mut Vec<String>,
    out: &mut Vec<FieldError>,
) {
    use validator::ValidationErrorsKind;
    for (field, kind) in errors.errors() {
        // validator reports struct-level (schema) errors under `__all__`.
        let is_root = field.as_ref() == "__all__";
        if !is_root {
            path.push(field.to_string());
        }
        match kind {
            ValidationErrorsKind::Field(list) => {
                let segments: Vec<&str> = path.iter().map(String::as_str).collect();
                for error in list {
                    let detail = error
                        .message
                        .as_ref()
                        .map(ToString::to_string)
                        .unwrap_or_else(|| format!("failed the `{}` check", error.code));
                    out.push(FieldError::new(&segments, error.code.to_string(), detail));
                }
            }
            ValidationErrorsKind::Struct(inner) => collect_field_errors(inner, path, out),
            ValidationErrorsKind::List(items) => {
                for (index, inner) in items {
                    path.push(index.to_string());
                    collect_field_errors(inner, path, out);
                    path.pop();
                }
            }
        }
        if !is_root {
            path.pop();
        }
    }
}
