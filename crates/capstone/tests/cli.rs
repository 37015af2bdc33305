//! The CLI as a user meets it: real binary, real output, real exit codes.

use std::process::{Command, Output};

/// Runs `capstone ARGS` with Postgres pointed at a port where nothing listens.
fn capstone_without_postgres(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_capstone"))
        .args(args)
        .env(
            "DATABASE_URL",
            "postgres://postgres:postgres@127.0.0.1:1/capstone",
        )
        .env_remove("CAPSTONE_CONFIG")
        .env("CAPSTONE_TELEMETRY__LOG_FORMAT", "json")
        .output()
        .expect("capstone runs")
}

#[test]
fn up_without_postgres_explains_the_fix_in_one_paragraph_and_exits_1() {
    let output = capstone_without_postgres(&["up"]);

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("PostgreSQL is not usable"), "{stderr}");
    assert!(stderr.contains("scripts/dev-services.sh"), "{stderr}");
    assert!(stderr.contains("docker compose up -d postgres"), "{stderr}");
    assert!(!stderr.contains("panicked"), "no panic trace: {stderr}");
}

#[test]
fn doctor_reports_each_dependency_and_fails_when_one_is_missing() {
    let output = capstone_without_postgres(&["doctor"]);

    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("FAIL PostgreSQL"), "{stdout}");
    assert!(
        stdout.contains("127.0.0.1:1"),
        "names where it looked: {stdout}"
    );
    assert!(stdout.contains("Redis"), "{stdout}");
    assert!(stdout.contains("RabbitMQ"), "{stdout}");
    assert!(
        !stdout.contains(":postgres@"),
        "no credentials printed: {stdout}"
    );
}

#[test]
fn a_bad_setting_names_the_variable_and_the_expected_type() {
    let output = Command::new(env!("CARGO_BIN_EXE_capstone"))
        .arg("doctor")
        .env("CAPSTONE_DATABASE__MAX_CONNECTIONS", "lots")
        .output()
        .expect("capstone runs");

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("database.max_connections"), "{stderr}");
    assert!(
        stderr.contains("CAPSTONE_DATABASE__MAX_CONNECTIONS"),
        "{stderr}"
    );
}
