//! Just enough PromQL reading for the checks promtool would make: which
//! metric names an expression uses, and whether its brackets and quotes
//! close. Not a parser: strings and comments are skipped, every other run
//! of name characters is a token.

use std::{collections::BTreeSet, str::Chars};

/// The metric names `expr` uses: `capstone_*` names with any histogram
/// suffix removed, and recording-rule names (`level:metric:operations`,
/// whole, so their middle part is not mistaken for an exported name).
pub(crate) fn metric_names(expr: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for token in tokens(expr) {
        if token.starts_with(|c: char| c.is_ascii_digit()) {
            continue; // a number or a duration such as 5m
        }
        if token.contains(':') {
            names.insert(token);
        } else if token.starts_with("capstone_") {
            let base = ["_bucket", "_sum", "_count"]
                .iter()
                .find_map(|suffix| token.strip_suffix(suffix))
                .unwrap_or(&token);
            names.insert(base.to_owned());
        }
    }
    names
}

/// The names in `expr` that are neither exported nor recorded.
pub(crate) fn unknown_names(
    expr: &str,
    exported: &BTreeSet<&str>,
    recorded: &BTreeSet<String>,
) -> Vec<String> {
    metric_names(expr)
        .into_iter()
        .filter(|name| !exported.contains(name.as_str()) && !recorded.contains(name))
        .collect()
}

/// Runs of `[A-Za-z0-9_:]` outside string literals and `#` comments.
fn tokens(expr: &str) -> Vec<String> {
    let (mut tokens, mut current) = (Vec::new(), String::new());
    let mut chars = expr.chars();
    while let Some(c) = chars.next() {
        if c.is_ascii_alphanumeric() || c == '_' || c == ':' {
            current.push(c);
            continue;
        }
        tokens.push(std::mem::take(&mut current));
        match c {
            // An unclosed string ends the tokens; check_balanced reports it.
            '"' | '\'' | '`' => skip_string(&mut chars, c).unwrap_or_default(),
            '#' => skip_line(&mut chars),
            _ => {}
        }
    }
    tokens.push(current);
    tokens.retain(|token| !token.is_empty());
    tokens
}

/// Consumes a string opened by `quote`, up to its closing quote.
fn skip_string(chars: &mut Chars<'_>, quote: char) -> Result<(), String> {
    while let Some(c) = chars.next() {
        match c {
            '\\' if quote != '`' => {
                chars.next();
            }
            c if c == quote => return Ok(()),
            _ => {}
        }
    }
    Err(format!("unclosed {quote} string"))
}

fn skip_line(chars: &mut Chars<'_>) {
    for c in chars.by_ref() {
        if c == '\n' {
            break;
        }
    }
}

/// Every `(`, `{` and `[` closed in order, every string closed.
pub(crate) fn check_balanced(expr: &str) -> Result<(), String> {
    let mut open = Vec::new();
    let mut chars = expr.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' | '\'' | '`' => skip_string(&mut chars, c)?,
            '#' => skip_line(&mut chars),
            '(' | '{' | '[' => open.push(c),
            ')' | '}' | ']' => {
                let opener = match c {
                    ')' => '(',
                    '}' => '{',
                    _ => '[',
                };
                if open.pop() != Some(opener) {
                    return Err(format!("`{c}` closes nothing it opened"));
                }
            }
            _ => {}
        }
    }
    match open.last() {
        Some(c) => Err(format!("`{c}` never closed")),
        None => Ok(()),
    }
}

/// A Prometheus duration: `[0-9]+` and a unit, units in the order y, w, d,
/// h, m, s, ms, each at most once (`1h30m`, `0m`; not `90`, not `1m1h`).
pub(crate) fn is_duration(text: &str) -> bool {
    const UNITS: [&str; 7] = ["y", "w", "d", "h", "m", "s", "ms"];
    let (mut rest, mut next_unit) = (text, 0);
    while !rest.is_empty() {
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let after = &rest[digits..];
        let letters = after.len()
            - after
                .trim_start_matches(|c: char| c.is_ascii_alphabetic())
                .len();
        match UNITS[next_unit..]
            .iter()
            .position(|unit| *unit == &after[..letters])
        {
            Some(index) if digits > 0 => next_unit += index + 1,
            _ => return false,
        }
        rest = &after[letters..];
    }
    !text.is_empty()
}

#[test]
fn names_are_found_without_suffixes_labels_strings_or_durations() {
    let expr = r#"histogram_quantile(0.99, sum by (le) (rate(capstone_a_seconds_bucket{route="capstone_not_a_name"}[5m])))
        / level:capstone_b:rate5m # capstone_in_a_comment"#;

    let names: Vec<_> = metric_names(expr).into_iter().collect();

    assert_eq!(names, ["capstone_a_seconds", "level:capstone_b:rate5m"]);
}

#[test]
fn unbalanced_brackets_and_unclosed_strings_are_caught() {
    assert!(check_balanced(r#"sum(rate(x{a="(}"}[5m]))"#).is_ok());
    for broken in [r#"sum(rate(x[5m])"#, r#"x{a="b}"#, "(]", "x)"] {
        assert!(check_balanced(broken).is_err(), "{broken}");
    }
}

#[test]
fn durations_follow_the_prometheus_grammar() {
    for valid in ["0m", "15s", "1h30m", "100ms", "1d"] {
        assert!(is_duration(valid), "{valid}");
    }
    for invalid in ["", "90", "m", "1m1h", "5 m", "1.5h"] {
        assert!(!is_duration(invalid), "{invalid}");
    }
}
