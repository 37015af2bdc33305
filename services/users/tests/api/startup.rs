//! Startup: migrations, the development database, and failing clearly and
//! quickly when Postgres is not there.

use capstone_platform::service::ServiceSettings as _;
use std::time::Duration;

use capstone_platform::{database, settings::Environment};
use capstone_users::{Application, Settings, StartupError};

use crate::helpers::{TestDatabase, configure_test_auth};

fn settings_for(database: &TestDatabase) -> Settings {
    let mut settings = Settings::load(None).expect("settings");
    settings.database = database.settings.clone();
    settings.users.http.port = 0;
    settings.users.http.workers = 1;
    configure_test_auth(&mut settings);
    settings
}

#[tokio::test]
async fn startup_applies_migrations_to_an_empty_database() {
    let database = TestDatabase::empty("users").await;

    let application = Application::build(settings_for(&database)).await;

    assert!(application.is_ok(), "{:?}", application.err());
    let applied = capstone_users::migrations::run_pending(&database.settings)
        .await
        .expect("runs");
    assert!(applied.is_empty(), "everything was applied at startup");
}

#[tokio::test]
async fn startup_creates_a_missing_database_in_development() {
    let database = TestDatabase::unique_missing("users");
    let mut settings = settings_for(&database);
    settings.environment = Environment::Development;

    let application = Application::build(settings).await;

    assert!(application.is_ok(), "{:?}", application.err());
    assert!(
        database::database_exists(&database.settings)
            .await
            .expect("query")
    );
}

#[tokio::test]
async fn startup_never_creates_a_database_in_production() {
    let database = TestDatabase::unique_missing("users");
    let mut settings = settings_for(&database);
    settings.environment = Environment::Production;

    let application = Application::build(settings).await;

    assert!(matches!(
        application,
        Err(StartupError::Migrations(_) | StartupError::Database(_))
    ));
    assert!(
        !database::database_exists(&database.settings)
            .await
            .expect("query")
    );
}

#[tokio::test]
async fn startup_fails_with_a_database_error_when_nothing_listens() {
    let database = TestDatabase::unique_missing("users");
    let mut settings = settings_for(&database);
    settings.database.url = "postgres://postgres@127.0.0.1:1/capstone".into();

    let application = Application::build(settings).await;

    let error = application.expect_err("must fail");
    assert!(matches!(error, StartupError::Database(_)), "{error:?}");
    let message = error.to_string();
    assert!(
        message.contains("127.0.0.1:1"),
        "names the target: {message}"
    );
}

#[tokio::test]
async fn startup_gives_up_on_a_server_that_never_answers_in_any_environment() {
    // Accepts TCP connections (the kernel does) but never speaks Postgres.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = silent.local_addr().expect("addr").port();
    let database = TestDatabase::unique_missing("users");
    let mut settings = settings_for(&database);
    settings.database.url = format!("postgres://postgres@127.0.0.1:{port}/capstone").into();
    settings.database.acquire_timeout_ms = 300;

    // The outer timeout only turns a hang into a failure; the bound under
    // test is the service's own acquire timeout.
    let outcome = tokio::time::timeout(Duration::from_secs(20), Application::build(settings)).await;

    let result = outcome.expect("startup must not hang");
    assert!(
        matches!(result, Err(StartupError::Database(_))),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_taken_port_is_a_bind_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let database = TestDatabase::from_template(capstone_users::migrations::MIGRATIONS).await;
    let mut settings = settings_for(&database);
    settings.users.http.port = taken.local_addr().expect("addr").port();

    let application = Application::build(settings).await;

    assert!(matches!(application, Err(StartupError::Bind(_))));
}

#[tokio::test]
async fn production_refuses_to_start_without_signing_keys() {
    let database = TestDatabase::from_template(capstone_users::migrations::MIGRATIONS).await;
    let mut settings = settings_for(&database);
    settings.environment = Environment::Production;
    settings.users.auth.signing_keys.clear();

    let application = Application::build(settings).await;

    let error = application.expect_err("generated keys are for development only");
    assert!(matches!(error, StartupError::Config(_)), "{error:?}");
    assert!(error.to_string().contains("users.auth.signing_keys"));
}
