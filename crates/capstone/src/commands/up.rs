//! `capstone up`: every service in one process, with the URLs to open.
//!
//! The users service starts first (the gateway's health checks and JWKS
//! fetch then find it at once), the gateway in front of it, and the worker
//! that consumes the users service's events. One Ctrl-C stops all three:
//! each drains its in-flight requests or messages.

use capstone_platform::{
    Shutdown,
    probe::Dependency,
    telemetry::{init_telemetry, traces::ServiceIdentity},
};
use capstone_users::StartupError;

use crate::fixes::how_to_start;

pub(crate) async fn run(
    users_settings: capstone_users::Settings,
    gateway_settings: capstone_gateway::Settings,
    worker_settings: capstone_worker::Settings,
) -> Result<(), String> {
    // One process, one OpenTelemetry resource: spans say which service they
    // belong to by their names and targets (`capstone_gateway::…`).
    let service = ServiceIdentity {
        name: "capstone",
        environment: users_settings.environment,
    };
    let _telemetry =
        init_telemetry(&users_settings.telemetry, service).map_err(|error| error.to_string())?;
    let shutdown = Shutdown::new();
    shutdown.trigger_on_signals();

    let users = capstone_users::Application::build(users_settings)
        .await
        .map_err(explain_startup_failure)?;
    let gateway_host = gateway_settings.gateway.http.host.clone();
    let gateway = capstone_gateway::Application::build(gateway_settings)
        .await
        .map_err(explain_gateway_failure)?;
    let email_directory = worker_settings.worker.email.directory.clone();
    let worker = capstone_worker::Application::build(worker_settings)
        .await
        .map_err(|error| format!("The worker cannot start: {error}"))?;
    print_urls(&gateway_host, gateway.port(), users.port(), worker.port());
    print_email_directory(&email_directory);

    let (users, gateway, worker) = tokio::join!(
        users.run_until_stopped(shutdown.clone()),
        gateway.run_until_stopped(shutdown.clone()),
        worker.run_until_stopped(shutdown),
    );
    users.map_err(|error| format!("The users service stopped with an error: {error}"))?;
    gateway.map_err(|error| format!("The gateway stopped with an error: {error}"))?;
    worker.map_err(|error| format!("The worker stopped with an error: {error}"))?;
    tracing::info!("all services stopped");
    Ok(())
}

#[allow(clippy::print_stdout)] // printing the URLs is this command's job
fn print_urls(host: &str, gateway_port: u16, users_port: u16, worker_port: u16) {
    let base = format!("http://{host}:{gateway_port}");
    println!(
        "\nCapstone is up. Everything goes through the gateway at {base}:\n\
         \x20 Swagger UI   {base}/docs/\n\
         \x20 OpenAPI      {base}/api-docs/users/openapi.json\n\
         \x20 Users API    {base}/api/v1/users      (needs a token: {base}/api/v1/auth/login)\n\
         \x20 Readiness    {base}/health/ready\n\
         Behind it, the users service listens on http://{host}:{users_port}; the worker's\n\
         health is at http://{host}:{worker_port}/health/ready.\n\
         Stop with Ctrl-C.\n"
    );
}

#[allow(clippy::print_stdout)]
fn print_email_directory(directory: &std::path::Path) {
    println!(
        "Emails (welcome, verification, password reset) are written to {} as .eml files \
         (worker.email.sink = \"smtp\" sends them to Mailpit instead).\n",
        directory.display()
    );
}

fn explain_gateway_failure(error: capstone_gateway::StartupError) -> String {
    match error {
        capstone_gateway::StartupError::Bind { address, source } => format!(
            "Capstone cannot listen on {address}: {source}. Another process probably uses the port; \
             stop it or choose another one, e.g. CAPSTONE_GATEWAY__HTTP__PORT=9080 cargo run."
        ),
        capstone_gateway::StartupError::Config(cause) => cause.to_string(),
    }
}

fn explain_startup_failure(error: StartupError) -> String {
    match error {
        StartupError::Database(cause) => format!(
            "Capstone cannot start because PostgreSQL is not usable: {cause}. \
             The users service keeps its accounts there, so it must be running and accept \
             the configured DATABASE_URL (default postgres://postgres:postgres@127.0.0.1:5432/capstone).\n\n{}",
            how_to_start(Dependency::Postgres)
        ),
        StartupError::Migrations(cause) => format!(
            "Capstone cannot start because the database schema could not be migrated: {cause}. \
             Run `cargo run -- migrate` to see the failing migration; if the database holds a \
             schema from another project, point DATABASE_URL at an empty database."
        ),
        StartupError::Bind { address, source } => format!(
            "Capstone cannot listen on {address}: {source}. Another process probably uses the port; \
             stop it or choose another one, e.g. CAPSTONE_USERS__HTTP__PORT=9081 cargo run."
        ),
        StartupError::SigningKeys(cause) => format!(
            "Capstone cannot start because its token-signing keys are unusable: {cause}. \
             Each [[users.auth.signing_keys]] entry needs a kid and an Ed25519 PKCS#8 PEM \
             (make one with `openssl genpkey -algorithm ed25519`), inline or as a file."
        ),
        StartupError::PasswordHashing(cause) => format!(
            "Capstone cannot start because the argon2 settings are invalid: {cause}. \
             Check [users.auth.argon2] (memory_kib, iterations, parallelism) or remove it \
             to use the defaults."
        ),
        StartupError::LinkSecret(cause) => format!(
            "Capstone cannot start because emailed links cannot be made or sealed: {cause}. \
             Set users.auth.link_secret (CAPSTONE_USERS__AUTH__LINK_SECRET, at least 32 bytes) \
             and, in production, link_sealing.keys (32 random bytes, base64: `openssl rand -base64 32`)."
        ),
        StartupError::Config(cause) => cause.to_string(),
    }
}
