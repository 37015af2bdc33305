//! The CLI as a user meets it: real binary, real output, real exit codes.

use std::{
    io::{BufRead as _, BufReader},
    process::{Command, Output, Stdio},
};

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

/// Database names no one uses (the users service's, and the worker's with
/// `_worker` appended), dropped when the test ends.
struct ScratchDatabase {
    url: String,
    name: String,
}

impl ScratchDatabase {
    fn new() -> Self {
        let name = format!(
            "capstone_cli_test_{}_{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .expect("clock")
                .as_nanos()
        );
        let server = std::env::var("DATABASE_URL")
            .unwrap_or_else(|_| "postgres://postgres:postgres@127.0.0.1:5432/capstone".to_owned());
        let base = server
            .rsplit_once('/')
            .map_or(server.as_str(), |(base, _)| base);
        Self {
            url: format!("{base}/{name}"),
            name,
        }
    }

    // fork:begin(worker)
    fn worker_url(&self) -> String {
        format!("{}_worker", self.url)
    }
    // fork:end(worker)

    fn capstone(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_capstone"))
            .args(args)
            .env("DATABASE_URL", &self.url)
            // fork:begin(worker)
            .env("CAPSTONE_WORKER__DATABASE__URL", self.worker_url())
            // fork:end(worker)
            .env_remove("CAPSTONE_CONFIG")
            .output()
            .expect("capstone runs")
    }
}

impl Drop for ScratchDatabase {
    fn drop(&mut self) {
        let settings = capstone_platform::settings::DatabaseSettings {
            url: self.url.clone().into(),
            ..Default::default()
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        for name in [self.name.clone(), format!("{}_worker", self.name)] {
            let dropped =
                runtime.block_on(capstone_platform::database::drop_database(&settings, &name));
            if dropped.is_err() {
                eprintln!("warning: {name} was not dropped");
            }
        }
    }
}

#[test]
fn doctor_then_migrate_then_doctor_takes_a_machine_from_missing_database_to_ready() {
    let database = ScratchDatabase::new();

    let before = database.capstone(&["doctor"]);
    let migrate = database.capstone(&["migrate"]);
    let again = database.capstone(&["migrate"]);
    let after = database.capstone(&["doctor"]);

    let stdout = |output: &Output| String::from_utf8_lossy(&output.stdout).into_owned();
    assert_eq!(before.status.code(), Some(1));
    assert!(
        stdout(&before).contains("does not exist yet"),
        "{}",
        stdout(&before)
    );
    assert!(stdout(&before).contains("cargo run -- migrate"));
    assert!(migrate.status.success(), "{:?}", migrate);
    assert!(
        stdout(&migrate).contains("created database"),
        "{}",
        stdout(&migrate)
    );
    assert!(stdout(&migrate).contains("applied users 20261124000001"));
    // fork:begin(worker)
    assert!(
        stdout(&migrate).contains("_worker: applied worker 20261124000001"),
        "the worker's database too: {}",
        stdout(&migrate)
    );
    assert!(
        stdout(&again).contains("worker schema is up to date"),
        "{}",
        stdout(&again)
    );
    // fork:end(worker)
    assert!(
        stdout(&again).contains("users schema is up to date"),
        "{}",
        stdout(&again)
    );
    assert!(after.status.success(), "{}", stdout(&after));
    assert!(stdout(&after).contains("Everything Capstone needs is reachable"));
}

#[test]
fn seed_creates_the_first_admin_once_and_is_idempotent() {
    let database = ScratchDatabase::new();
    let stdout = |output: &Output| String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(database.capstone(&["migrate"]).status.success());

    let created = database.capstone(&["seed", "--admin", "root@example.com"]);
    let again = database.capstone(&["seed", "--admin", "ROOT@example.com"]);

    assert!(created.status.success(), "{created:?}");
    assert!(stdout(&created).contains("Created admin root@example.com with password"));
    assert!(
        stdout(&again).contains("already an admin"),
        "{}",
        stdout(&again)
    );
    let invalid = database.capstone(&["seed", "--admin", "not-an-email"]);
    assert_eq!(invalid.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&invalid.stderr).contains("not a valid email"));
}

#[test]
fn a_production_migration_needs_the_database_urls_and_no_service_secret() {
    let database = ScratchDatabase::new();
    // Development creates the databases; production never does.
    assert!(database.capstone(&["migrate"]).status.success());

    // What a migration job holds: the environment and two database URLs.
    // No signing key, link secret or sealing key, which production would
    // demand of the services themselves.
    let job = Command::new(env!("CARGO_BIN_EXE_capstone"))
        .arg("migrate")
        .env("CAPSTONE_ENVIRONMENT", "production")
        .env("DATABASE_URL", &database.url)
        // fork:begin(worker)
        .env("CAPSTONE_WORKER__DATABASE__URL", database.worker_url())
        // fork:end(worker)
        .env_remove("CAPSTONE_CONFIG")
        .output()
        .expect("capstone runs");

    let stdout = String::from_utf8_lossy(&job.stdout);
    assert!(job.status.success(), "{job:?}");
    assert!(stdout.contains("users schema is up to date"), "{stdout}");
    // fork:begin(worker)
    assert!(stdout.contains("worker schema is up to date"), "{stdout}");
    // fork:end(worker)
}

#[test]
fn schema_prints_the_checked_in_graphql_sdl_and_the_openapi_document() {
    let run = |args: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_capstone"))
            .args(args)
            .output()
            .expect("capstone runs");
        assert!(output.status.success(), "{output:?}");
        String::from_utf8(output.stdout).expect("UTF-8")
    };
    // fork:begin(graphql)
    let checked_in = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../services/users/schema.graphql"
    ))
    .expect("the checked-in SDL");
    let sdl = run(&["schema"]);
    assert_eq!(sdl, checked_in);
    assert!(sdl.contains("type Query"), "{sdl}");
    // fork:end(graphql)

    let openapi: serde_json::Value =
        serde_json::from_str(&run(&["schema", "openapi"])).expect("JSON");
    assert_eq!(openapi["openapi"], "3.1.0");
    assert!(openapi["paths"]["/api/v1/users/me"].is_object());
}

#[test]
fn schema_into_a_reader_that_stops_early_exits_cleanly() {
    // `capstone schema | head -1`: the pipe closes while the schema is still
    // being written. A CLI must end quietly with 0 there, not panic.
    let mut child = Command::new(env!("CARGO_BIN_EXE_capstone"))
        .args(["schema", "openapi"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("capstone runs");
    let mut first_line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut first_line)
        .expect("a first line");
    // The reader is dropped here: the pipe is closed.
    let output = child.wait_with_output().expect("capstone ends");
    assert_eq!(first_line.trim(), "{");
    assert!(output.status.success(), "{output:?}");
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
