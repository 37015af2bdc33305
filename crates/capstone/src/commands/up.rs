//! `capstone up`: every service in one process, with the URLs to open.
//!
//! The users service starts first (the gateway's health checks and JWKS
//! fetch then find it at once), the gateway in front of it, and the worker
//! that consumes the users service's events. One Ctrl-C stops all three:
//! each drains its in-flight requests or messages. Each is built through the
//! same [`Service`] trait as its own binary, so a failed start prints the
//! same advice (its [`Remedy`](capstone_platform::service::Remedy)).

use anyhow::Context;
use capstone_platform::{
    Shutdown,
    service::{Service, ServiceSettings, explain},
    telemetry::{init_telemetry, traces::ServiceIdentity},
};

pub(crate) async fn run(
    users_settings: capstone_users::Settings,
    gateway_settings: capstone_gateway::Settings,
    worker_settings: capstone_worker::Settings,
) -> anyhow::Result<()> {
    // One process, one OpenTelemetry resource: spans say which service they
    // belong to by their names and targets (`capstone_gateway::…`).
    let service = ServiceIdentity {
        name: "capstone",
        environment: users_settings.environment(),
    };
    let _telemetry = init_telemetry(users_settings.telemetry(), service)
        .map_err(|error| anyhow::Error::msg(explain(&error)))
        .context("cannot set up logs and traces")?;
    let shutdown = Shutdown::new();
    shutdown.trigger_on_signals();

    let users = build::<capstone_users::Application>(users_settings).await?;
    let gateway_host = gateway_settings.gateway.http.host.clone();
    let gateway = build::<capstone_gateway::Application>(gateway_settings).await?;
    let email_directory = worker_settings.worker.email.directory.clone();
    let worker = build::<capstone_worker::Application>(worker_settings).await?;
    print_urls(&gateway_host, gateway.port(), users.port(), worker.port());
    print_email_directory(&email_directory);

    let (users, gateway, worker) = tokio::join!(
        users.run_until_stopped(shutdown.clone()),
        gateway.run_until_stopped(shutdown.clone()),
        worker.run_until_stopped(shutdown),
    );
    users.context("the users service stopped with an error")?;
    gateway.context("the gateway stopped with an error")?;
    worker.context("the worker stopped with an error")?;
    tracing::info!("all services stopped");
    Ok(())
}

// ANCHOR: build
/// Builds `S` as its own binary would, or says why it cannot start and what
/// to do about it.
async fn build<S: Service>(settings: S::Settings) -> anyhow::Result<S> {
    // Boxed: a service's startup future is large (clippy::large_futures).
    Box::pin(S::build(settings))
        .await
        .map_err(|error| anyhow::Error::msg(explain(&error)))
        .with_context(|| format!("{} cannot start", S::NAME))
}
// ANCHOR_END: build

#[allow(clippy::print_stdout)] // printing the URLs is this command's job
fn print_urls(host: &str, gateway_port: u16, users_port: u16, worker_port: u16) {
    let base = format!("http://{host}:{gateway_port}");
    println!(
        "\nCapstone is up. Everything goes through the gateway at {base}:\n\
         \x20 Web app      http://localhost:{gateway_port}/   (localhost: its sign-in cookie is Secure)\n\
         \x20 Swagger UI   {base}/docs/\n\
         \x20 OpenAPI      {base}/api-docs/users/openapi.json\n\
         \x20 Users API    {base}/api/v1/users      (needs a token: {base}/api/v1/auth/login)\n\
         \x20 GraphQL      {base}/graphql           (POST, with the same token)\n\
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
