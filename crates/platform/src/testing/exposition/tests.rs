//! The reader on small, hand-written scrapes.

use super::*;

const TWO_SERVICES: &str = "\
# HELP capstone_http_requests_total Requests.
# TYPE capstone_http_requests_total counter
capstone_http_requests_total{service=\"users\",route=\"/api/v1/users/{id}\"} 3
capstone_http_requests_total{service=\"gateway\",route=\"unmatched\"} 1

# HELP capstone_redis_connected Redis.
# TYPE capstone_redis_connected gauge
capstone_redis_connected{service=\"gateway\"} 1

# TYPE capstone_http_request_duration_seconds histogram
capstone_http_request_duration_seconds_bucket{service=\"users\",le=\"0.005\"} 1
capstone_http_request_duration_seconds_bucket{service=\"users\",le=\"+Inf\"} 3
capstone_http_request_duration_seconds_sum{service=\"users\"} 0.5
capstone_http_request_duration_seconds_count{service=\"users\"} 3
";

#[test]
fn a_sample_line_with_braces_and_escapes_in_label_values_parses() {
    let sample =
        SampleLine::parse(r#"up{route="/users/{id}",note="a \"b\"\\c,d=e",} 1.5e3 1700000000"#)
            .expect("valid");
    assert_eq!(sample.name, "up");
    assert_eq!(sample.label("route"), Some("/users/{id}"));
    assert_eq!(sample.label("note"), Some(r#"a "b"\c,d=e"#));
    assert_eq!(sample.value, 1500.0);
    assert!(
        SampleLine::parse("up +Inf")
            .expect("inf")
            .value
            .is_infinite()
    );
}

#[test]
fn malformed_sample_lines_are_errors() {
    for line in [
        "1up 1",
        "up",
        "up{} ",
        "up 1 2 3",
        "up{a=\"b} 1",
        "up{a=b} 1",
        "up{a=\"b\" c=\"d\"} 1",
        "up{a=\"\\x\"} 1",
        "up{a=\"1\",a=\"2\"} 1",
        "up inf",
        "up{a=\"b\"}1",
    ] {
        assert!(SampleLine::parse(line).is_err(), "accepted {line:?}");
    }
}

#[test]
fn a_valid_exposition_parses_into_families_with_help_and_type() {
    let parsed = Exposition::parse(TWO_SERVICES).expect("valid");
    let requests = parsed
        .family("capstone_http_requests_total")
        .expect("family");
    assert_eq!(requests.kind.as_deref(), Some("counter"));
    assert_eq!(requests.help.as_deref(), Some("Requests."));
    assert_eq!(parsed.sum("capstone_http_requests_total", &[]), 4.0);
    assert_eq!(
        parsed.sum(
            "capstone_http_requests_total",
            &[("service", "users"), ("route", "/api/v1/users/{id}")]
        ),
        3.0
    );
    assert_eq!(
        parsed.sum("capstone_http_request_duration_seconds_count", &[]),
        3.0
    );
}

#[test]
fn structural_mistakes_are_errors() {
    let cases = [
        ("no final newline", "up 1"),
        ("type after samples", "up 1\n# TYPE up gauge\n"),
        (
            "split family",
            "# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\na{x=\"1\"} 2\n",
        ),
        ("repeated series", "a 1\na 2\n"),
        ("negative counter", "# TYPE a_total counter\na_total -1\n"),
        ("unknown type", "# TYPE a meter\na 1\n"),
        (
            "count differs from +Inf",
            "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 3\n",
        ),
        (
            "falling buckets",
            "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n",
        ),
        (
            "no +Inf",
            "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n",
        ),
    ];
    for (what, text) in cases {
        assert!(Exposition::parse(text).is_err(), "accepted: {what}");
    }
}
