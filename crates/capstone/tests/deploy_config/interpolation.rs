//! Compose's `${VARIABLE:-default}` interpolation with every variable unset:
//! what `docker compose up` sees on a machine with no `.env`, which
//! .env.example promises works. Values are checked after it, as compose
//! uses them: `"127.0.0.1:${GATEWAY_PORT:-8080}:8080"` publishes container
//! port 8080.

/// `text` as compose reads it when no variable is set: `${NAME:-default}`
/// and `${NAME-default}` become the default (itself interpolated),
/// `${NAME}`, `$NAME` and `${NAME:+alternative}` become empty, `$$` is a
/// literal `$`. `${NAME:?message}` is an error: it has no default to check.
pub(crate) fn with_defaults(text: &str) -> Result<String, String> {
    let mut interpolated = String::new();
    let mut rest = text;
    while let Some(dollar) = rest.find('$') {
        interpolated.push_str(&rest[..dollar]);
        let after = &rest[dollar + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            interpolated.push('$');
            rest = tail;
        } else if let Some(braced) = after.strip_prefix('{') {
            let end = closing_brace(braced).ok_or_else(|| format!("unclosed `${{` in {text:?}"))?;
            interpolated.push_str(&expand(&braced[..end])?);
            rest = &braced[end + 1..];
        } else {
            let name = name_length(after);
            if name == 0 {
                return Err(format!("a lone `$` in {text:?} (compose wants `$$`)"));
            }
            rest = &after[name..];
        }
    }
    interpolated.push_str(rest);
    Ok(interpolated)
}

/// `NAME` plus its modifier, the inside of `${...}`.
fn expand(expression: &str) -> Result<String, String> {
    let (name, modifier) = expression.split_at(name_length(expression));
    if name.is_empty() {
        return Err(format!("`${{{expression}}}` names no variable"));
    }
    if modifier.is_empty() || modifier.starts_with(":+") || modifier.starts_with('+') {
        Ok(String::new())
    } else if let Some(default) = modifier
        .strip_prefix(":-")
        .or_else(|| modifier.strip_prefix('-'))
    {
        with_defaults(default)
    } else if modifier.starts_with(":?") || modifier.starts_with('?') {
        Err(format!("`${{{expression}}}` requires {name} to be set"))
    } else {
        Err(format!("`${{{expression}}}`: unknown modifier"))
    }
}

fn name_length(text: &str) -> usize {
    text.find(|character: char| !(character.is_ascii_alphanumeric() || character == '_'))
        .unwrap_or(text.len())
}

/// Where the `}` that closes an already opened `${` is, nested ones skipped.
fn closing_brace(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (at, character) in text.char_indices() {
        match character {
            '{' => depth += 1,
            '}' if depth == 0 => return Some(at),
            '}' => depth -= 1,
            _ => {}
        }
    }
    None
}

#[test]
fn interpolation_takes_the_default_of_every_unset_variable() {
    let cases = [
        (
            "127.0.0.1:${GATEWAY_PORT:-8080}:8080",
            "127.0.0.1:8080:8080",
        ),
        (
            "postgres://postgres:${POSTGRES_PASSWORD:-dev}@postgres:5432/capstone",
            "postgres://postgres:dev@postgres:5432/capstone",
        ),
        ("${LEVEL-info}", "info"),
        ("${OTEL_EXPORTER_OTLP_ENDPOINT:-}", ""),
        ("${UNSET}/path", "/path"),
        ("$UNSET/path", "/path"),
        ("${SET_ONLY:+alternative}", ""),
        ("cost $$5", "cost $5"),
        ("${OUTER:-${INNER:-deep}}", "deep"),
        ("no variables", "no variables"),
    ];
    for (text, expected) in cases {
        assert_eq!(with_defaults(text).as_deref(), Ok(expected), "{text}");
    }
}

#[test]
fn interpolation_rejects_what_has_no_default_to_check() {
    for text in [
        "${PASSWORD:?set it}",
        "${PASSWORD?}",
        "${UNCLOSED",
        "${}",
        "$ 5",
    ] {
        assert!(
            with_defaults(text).is_err(),
            "{text} should not interpolate"
        );
    }
}
