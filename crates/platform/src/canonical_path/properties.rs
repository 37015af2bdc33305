//! Properties that must hold for every input, checked on generated paths
//! built from the pieces attacks are made of (dots in every spelling,
//! escapes of slashes and escapes, overlong UTF-8, slash runs).

use proptest::prelude::*;

use super::*;

/// The pieces generated paths are made of.
const PIECES: &[&str] = &[
    "/",
    "//",
    ".",
    "..",
    "%2e",
    "%2E",
    ".%2e",
    "%2e.",
    "%252e",
    "%25",
    "%2f",
    "%2F",
    "%5c",
    "\\",
    "a",
    "Z",
    "9",
    "~",
    "-",
    "_",
    "%41",
    "%7e",
    "%3a",
    ":",
    "@",
    "!",
    "=",
    "%",
    "%c3%a9",
    "%C0%AE",
    "%e0%80%ae",
    "%00",
    "%20",
    " ",
    "metrics",
    "health",
    "api",
    "v1",
];

fn raw_path() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(PIECES), 0..12)
        .prop_map(|pieces| format!("/{}", pieces.concat()))
}

/// Every byte decoded, the way the most eager parser downstream would.
fn fully_decoded(segment: &str) -> Vec<u8> {
    let bytes = segment.as_bytes();
    let mut out = Vec::new();
    let mut index = 0;
    while index < bytes.len() {
        let escaped = (bytes[index] == b'%' && index + 2 < bytes.len())
            .then(|| u8::from_str_radix(&segment[index + 1..index + 3], 16).ok())
            .flatten();
        if let Some(byte) = escaped {
            out.push(byte);
            index += 3;
            continue;
        }
        out.push(bytes[index]);
        index += 1;
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4_000))]

    #[test]
    fn canonicalising_is_idempotent(raw in raw_path()) {
        if let Ok(canonical) = CanonicalPath::parse(&raw) {
            prop_assert_eq!(CanonicalPath::parse(canonical.as_str()), Ok(canonical.clone()));
        }
    }

    #[test]
    fn a_canonical_path_never_holds_a_dot_segment_even_decoded(raw in raw_path()) {
        if let Ok(canonical) = CanonicalPath::parse(&raw) {
            for segment in canonical.as_str().split('/') {
                let decoded = fully_decoded(segment);
                prop_assert!(decoded != b"." && decoded != b"..", "{} in {}", segment, canonical);
                prop_assert!(!decoded.contains(&b'\\') && !decoded.contains(&0), "{}", canonical);
            }
        }
    }

    #[test]
    fn a_url_parser_reads_a_canonical_path_exactly_as_written(raw in raw_path()) {
        if let Ok(canonical) = CanonicalPath::parse(&raw) {
            let url = url::Url::parse(&format!("http://upstream{canonical}"))
                .expect("a canonical path makes a valid URL");
            prop_assert_eq!(url.path(), canonical.as_str());
        }
    }

    #[test]
    fn nothing_after_a_prefix_can_climb_out_of_it(
        prefix in prop::sample::select(&["/api/v1/auth", "/.well-known", "/api"][..]),
        suffix in raw_path(),
    ) {
        if let Ok(canonical) = CanonicalPath::parse(&format!("{prefix}{suffix}")) {
            let path = canonical.as_str();
            prop_assert!(
                path == prefix || path.starts_with(&format!("{prefix}/")),
                "{} left {}", path, prefix
            );
        }
    }
}
