//! Examples of each rule, including the spellings from the advisory that
//! made this module exist.

use super::*;

fn canonical(raw: &str) -> Result<String, PathRefusal> {
    CanonicalPath::parse(raw).map(|path| path.as_str().to_owned())
}

#[test]
fn ordinary_paths_are_unchanged() {
    for path in [
        "/",
        "/api/v1/users",
        "/api/v1/users/",
        "/api/v1/users/0193c2a4-7b1e-7c3d-9e2f-1a2b3c4d5e6f",
        "/.well-known/jwks.json",
        "/a/b:c@d/!$&'()*+,;=/~_-.",
        "/name%20with%20spaces",
        "/caf%C3%A9",
    ] {
        assert_eq!(canonical(path).as_deref(), Ok(path), "{path}");
    }
}

#[test]
fn escaped_unreserved_characters_are_decoded_and_other_escapes_upper_cased() {
    assert_eq!(canonical("/%61%70%69/%7e").as_deref(), Ok("/api/~"));
    assert_eq!(canonical("/a%3ab").as_deref(), Ok("/a%3Ab"));
    assert_eq!(canonical("/caf%c3%a9").as_deref(), Ok("/caf%C3%A9"));
    assert_eq!(
        canonical("/%21").as_deref(),
        Ok("/%21"),
        "reserved stays escaped"
    );
}

#[test]
fn slash_runs_collapse_and_a_trailing_slash_stays() {
    assert_eq!(
        canonical("//api///v1//users").as_deref(),
        Ok("/api/v1/users")
    );
    assert_eq!(
        canonical("/api/v1/users//").as_deref(),
        Ok("/api/v1/users/")
    );
    assert_eq!(canonical("//").as_deref(), Ok("/"));
}

#[test]
fn dot_segments_are_refused_in_every_spelling() {
    for path in [
        "/api/v1/auth/../../../metrics",
        "/api/v1/auth/%2e%2e/%2e%2e/%2e%2e/metrics",
        "/api/v1/auth/%2E%2E/metrics",
        "/api/v1/auth/.%2e/metrics",
        "/api/v1/auth/%2e./metrics",
        "/.well-known/../health/ready",
        "/./metrics",
        "/api/%2e/users",
        "/api/v1/auth/..",
        "/api/v1/auth/.",
        "/api//..//metrics",
    ] {
        assert_eq!(canonical(path), Err(PathRefusal::DotSegment), "{path}");
    }
}

#[test]
fn dots_inside_a_name_are_just_characters() {
    for path in ["/a/.../b", "/a/..b", "/a/b..", "/jwks.json.", "/.hidden"] {
        assert_eq!(canonical(path).as_deref(), Ok(path), "{path}");
    }
}

#[test]
fn backslashes_encoded_slashes_and_controls_are_refused() {
    let cases = [
        ("/api/v1/auth/..\\..\\..\\metrics", PathRefusal::Backslash),
        ("/api/v1/auth/%5c..%5cmetrics", PathRefusal::Backslash),
        ("/api/v1/auth/%2f..%2fmetrics", PathRefusal::EncodedSlash),
        ("/api/v1/auth/%2F", PathRefusal::EncodedSlash),
        ("/api/v1/users%00", PathRefusal::ControlCharacter),
        (
            "/api/v1/users%0d%0aX-Injected:%201",
            PathRefusal::ControlCharacter,
        ),
        ("/api/v1/users\t", PathRefusal::ControlCharacter),
        ("/a%c2%85", PathRefusal::ControlCharacter),
    ];
    for (path, refusal) in cases {
        assert_eq!(canonical(path), Err(refusal), "{path}");
    }
}

#[test]
fn double_encoding_and_broken_escapes_are_refused() {
    let cases = [
        (
            "/api/v1/auth/%252e%252e/metrics",
            PathRefusal::DoubleEncoding,
        ),
        ("/a%25%32%65", PathRefusal::DoubleEncoding),
        ("/a%2", PathRefusal::MalformedEscape),
        ("/a%zz", PathRefusal::MalformedEscape),
        ("/a%", PathRefusal::MalformedEscape),
        ("/api/%c0%ae%c0%ae/metrics", PathRefusal::InvalidUtf8),
        ("/api/%e0%80%ae", PathRefusal::InvalidUtf8),
        ("/a%c3", PathRefusal::InvalidUtf8),
        ("/a%ff", PathRefusal::InvalidUtf8),
    ];
    for (path, refusal) in cases {
        assert_eq!(canonical(path), Err(refusal), "{path}");
    }
    assert_eq!(
        canonical("/100%25").as_deref(),
        Ok("/100%25"),
        "a lone %25 is data"
    );
}

#[test]
fn characters_that_must_be_escaped_are_refused() {
    for path in [
        "/a b", "/a\"b", "/a<b>", "/a{b}", "/a|b", "/a^b", "/a`b", "/é", "/a#b", "/a?b",
    ] {
        assert_eq!(
            canonical(path),
            Err(PathRefusal::DisallowedCharacter),
            "{path}"
        );
    }
    assert_eq!(canonical("api"), Err(PathRefusal::NotAbsolute));
    assert_eq!(canonical(""), Err(PathRefusal::NotAbsolute));
    assert_eq!(canonical("*"), Err(PathRefusal::NotAbsolute));
}
