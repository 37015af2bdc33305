//! One spelling per request path, decided once, before anything routes on it.
//!
//! Routers, proxies and URL parsers disagree about paths. The gateway once
//! matched `/api/v1/auth/%2e%2e/%2e%2e/metrics` against its public
//! `/api/v1/auth` route, then handed the same text to a URL parser that
//! decoded `%2e%2e` into `..`, resolved it, and sent `/metrics` upstream: the
//! check ran on one path and the request went to another. The cure is to
//! make the path canonical first and then route on, and forward, exactly
//! that text. [`CanonicalPath::parse`] is the only way to get one:
//!
//! | input | result |
//! |---|---|
//! | `%41`, `%7e` (an escaped unreserved character, RFC 3986 §2.3) | decoded: `A`, `~` |
//! | `%3a`, `%C3%A9` (any other escape) | kept, hex digits upper-cased: `%3A`, `%C3%A9` |
//! | `//` runs | collapsed to one `/` |
//! | `.` or `..` as a segment, in any spelling (`%2e`, `.%2E`, …) | refused |
//! | `\` or `%5C`, `%2F` (an escaped slash) | refused |
//! | control characters, raw or escaped (NUL is `%00`) | refused |
//! | `%25` followed by two hex digits (an escape, escaped again) | refused |
//! | escapes that are not UTF-8 (`%C0%AE`, an overlong `.`) | refused |
//! | a malformed escape (`%`, `%4`, `%zz`) or a character RFC 3986 does not allow in a path (space, `"`, `<`, `{`, non-ASCII…) | refused |
//!
//! Refusing dot-segments instead of resolving them is deliberate: browsers
//! and HTTP libraries resolve them before sending, so only a hand-made
//! request carries one, and a 400 tells its author exactly what happened.
//! The result is a fixed point: parsing a canonical path again gives the
//! same text, and so does a WHATWG URL parser (the `url` crate, which
//! `reqwest` uses). The property tests in `canonical_path/properties.rs` hold
//! both to that. Chapter: docs/src/security.md ("One path, one meaning").

use std::fmt;

#[cfg(test)]
mod properties;
#[cfg(test)]
mod tests;

/// A request path that no later parser will read differently.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CanonicalPath(String);

/// Why a path was refused. Each is a 400: the request is malformed, or
/// written to be read two ways.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PathRefusal {
    #[error("the path must start with `/`")]
    NotAbsolute,
    #[error("`.` and `..` segments are not allowed, in any spelling")]
    DotSegment,
    #[error("backslashes are not allowed, raw or escaped (`%5C`)")]
    Backslash,
    #[error("an escaped slash (`%2F`) is not allowed")]
    EncodedSlash,
    #[error("control characters (such as NUL, `%00`) are not allowed")]
    ControlCharacter,
    #[error("an escaped escape (`%25` then two hex digits) is not allowed")]
    DoubleEncoding,
    #[error("`%` must be followed by two hex digits")]
    MalformedEscape,
    #[error("escaped bytes must form UTF-8 (no overlong or partial sequences)")]
    InvalidUtf8,
    #[error("the path holds a character that must be escaped (RFC 3986)")]
    DisallowedCharacter,
}

impl PathRefusal {
    /// A stable, machine-readable name for the problem body and metrics.
    pub fn code(self) -> &'static str {
        match self {
            Self::NotAbsolute => "not-absolute",
            Self::DotSegment => "dot-segment",
            Self::Backslash => "backslash",
            Self::EncodedSlash => "encoded-slash",
            Self::ControlCharacter => "control-character",
            Self::DoubleEncoding => "double-encoding",
            Self::MalformedEscape => "malformed-escape",
            Self::InvalidUtf8 => "invalid-utf8",
            Self::DisallowedCharacter => "disallowed-character",
        }
    }
}

// ANCHOR: parse
impl CanonicalPath {
    /// The canonical form of `raw` (a request-target's path, without the
    /// query), or why there is none.
    pub fn parse(raw: &str) -> Result<Self, PathRefusal> {
        let rest = raw.strip_prefix('/').ok_or(PathRefusal::NotAbsolute)?;
        let mut canonical = String::with_capacity(raw.len());
        let mut segments = rest.split('/').peekable();
        while let Some(segment) = segments.next() {
            let is_last = segments.peek().is_none();
            // `//` runs collapse; a trailing slash is kept, since `/users/`
            // and `/users` may be different resources.
            if segment.is_empty() && !is_last {
                continue;
            }
            canonical.push('/');
            let start = canonical.len();
            canonical_segment(segment, &mut canonical)?;
            if matches!(&canonical[start..], "." | "..") {
                return Err(PathRefusal::DotSegment);
            }
        }
        if canonical.is_empty() {
            canonical.push('/');
        }
        if has_double_encoding(&canonical) {
            return Err(PathRefusal::DoubleEncoding);
        }
        Ok(Self(canonical))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}
// ANCHOR_END: parse

impl fmt::Display for CanonicalPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Appends the canonical form of one segment (no `/` in it) to `out`.
fn canonical_segment(segment: &str, out: &mut String) -> Result<(), PathRefusal> {
    let bytes = segment.as_bytes();
    let mut index = 0;
    while index < bytes.len() {
        let byte = bytes[index];
        if byte != b'%' {
            out.push(allowed_raw(byte)?);
            index += 1;
            continue;
        }
        // A run of escapes: decode them together, so that the bytes of one
        // multi-byte character are checked as UTF-8 as a whole.
        let mut decoded = Vec::new();
        while bytes.get(index) == Some(&b'%') {
            decoded.push(escaped_byte(bytes, index)?);
            index += 3;
        }
        let text = std::str::from_utf8(&decoded).map_err(|_| PathRefusal::InvalidUtf8)?;
        for character in text.chars() {
            push_decoded(character, out)?;
        }
    }
    Ok(())
}

/// The byte that `%XY` at `index` stands for.
fn escaped_byte(bytes: &[u8], index: usize) -> Result<u8, PathRefusal> {
    let digit = |offset: usize| {
        bytes
            .get(index + offset)
            .and_then(|byte| char::from(*byte).to_digit(16))
            .ok_or(PathRefusal::MalformedEscape)
    };
    // Both digits are below 16, so the value fits in a byte.
    Ok(u8::try_from(digit(1)? * 16 + digit(2)?).unwrap_or(u8::MAX))
}

/// A decoded character, written the one way a canonical path spells it.
fn push_decoded(character: char, out: &mut String) -> Result<(), PathRefusal> {
    match character {
        '/' => Err(PathRefusal::EncodedSlash),
        '\\' => Err(PathRefusal::Backslash),
        character if character.is_control() => Err(PathRefusal::ControlCharacter),
        character if is_unreserved(character) => {
            out.push(character);
            Ok(())
        }
        character => {
            let mut buffer = [0; 4];
            for byte in character.encode_utf8(&mut buffer).bytes() {
                out.push_str(&format!("%{byte:02X}"));
            }
            Ok(())
        }
    }
}

/// A byte that may stand unescaped in a path segment (RFC 3986 `pchar`
/// without `pct-encoded`), as the character it is.
fn allowed_raw(byte: u8) -> Result<char, PathRefusal> {
    let character = char::from(byte);
    match byte {
        b'\\' => Err(PathRefusal::Backslash),
        _ if byte.is_ascii_control() => Err(PathRefusal::ControlCharacter),
        _ if is_unreserved(character) || is_sub_delim(character) || matches!(byte, b':' | b'@') => {
            Ok(character)
        }
        _ => Err(PathRefusal::DisallowedCharacter),
    }
}

/// RFC 3986 §2.3: letters, digits, `-`, `.`, `_`, `~`.
fn is_unreserved(character: char) -> bool {
    character.is_ascii_alphanumeric() || matches!(character, '-' | '.' | '_' | '~')
}

/// RFC 3986 §2.2 sub-delims: allowed raw in a path segment.
fn is_sub_delim(character: char) -> bool {
    matches!(
        character,
        '!' | '$' | '&' | '\'' | '(' | ')' | '*' | '+' | ',' | ';' | '='
    )
}

/// `%25` followed by two hex digits: a second decoder would turn it into an
/// escape (`%252e` → `%2e` → `.`), so nobody sends it honestly. Checked on
/// the canonical text, where every escape is already in its final form.
fn has_double_encoding(canonical: &str) -> bool {
    canonical.match_indices("%25").any(|(at, _)| {
        let next = &canonical.as_bytes()[at + 3..];
        next.len() >= 2 && next[0].is_ascii_hexdigit() && next[1].is_ascii_hexdigit()
    })
}
