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
    // fork:begin(gateway)
    gateway_settings: capstone_gateway::Settings,
    // fork:end(gateway)
    // fork:begin(worker)
    worker_settings: capstone_worker::Settings,
    // fork:end(worker)
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

    // Each service, once built, as a future that runs it until shutdown.
    let mut running: Vec<Running> = Vec::new();
    let host = users_settings.users.http.host.clone();
    let users = build::<capstone_users::Application>(users_settings).await?;
    let users_port = users.port();
    running.push(run_until_stopped(users, &shutdown));
    // ANCHOR: fork_markers
    // fork:begin(gateway)
    let gateway = build::<capstone_gateway::Application>(gateway_settings).await?;
    let gateway_port = Some(gateway.port());
    running.push(run_until_stopped(gateway, &shutdown));
    // fork:else(gateway)
    //+ let gateway_port = None;
    // fork:end(gateway)
    // fork:begin(worker)
    let email_directory = Some(worker_settings.worker.email.directory.clone());
    let worker = build::<capstone_worker::Application>(worker_settings).await?;
    let worker_port = Some(worker.port());
    running.push(run_until_stopped(worker, &shutdown));
    // fork:else(worker)
    //+ let (worker_port, email_directory) = (None, None);
    // fork:end(worker)
    // ANCHOR_END: fork_markers
    let urls = Urls {
        host,
        users: users_port,
        gateway: gateway_port,
        worker: worker_port,
        email_directory,
    };
    urls.print();

    for stopped in futures_util::future::join_all(running).await {
        stopped?;
    }
    tracing::info!("all services stopped");
    Ok(())
}

/// A service running until shutdown, then how it ended.
type Running = std::pin::Pin<Box<dyn std::future::Future<Output = anyhow::Result<()>>>>;

fn run_until_stopped<S: Service + 'static>(service: S, shutdown: &Shutdown) -> Running {
    let shutdown = shutdown.clone();
    Box::pin(async move {
        service
            .run_until_stopped(shutdown)
            .await
            .with_context(|| format!("the {} stopped with an error", S::NAME))
    })
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

/// Where each service listens, for the banner.
#[derive(Debug)]
struct Urls {
    host: String,
    users: u16,
    gateway: Option<u16>,
    worker: Option<u16>,
    email_directory: Option<std::path::PathBuf>,
}

impl Urls {
    #[allow(clippy::print_stdout)] // printing the URLs is this command's job
    fn print(&self) {
        let Self { host, users, .. } = self;
        match self.gateway {
            Some(gateway) => {
                let base = format!("http://{host}:{gateway}");
                println!("\nCapstone is up. Everything goes through the gateway at {base}:");
                // fork:begin(web)
                println!(
                    "  Web app      http://localhost:{gateway}/   (localhost: its sign-in cookie is Secure)"
                );
                // fork:end(web)
                println!(
                    "  Swagger UI   {base}/docs/\n\
                     \x20 OpenAPI      {base}/api-docs/users/openapi.json\n\
                     \x20 Users API    {base}/api/v1/users      (needs a token: {base}/api/v1/auth/login)"
                );
                // fork:begin(graphql)
                println!("  GraphQL      {base}/graphql           (POST, with the same token)");
                // fork:end(graphql)
                println!(
                    "  Readiness    {base}/health/ready\n\
                     Behind it, the users service listens on http://{host}:{users}."
                );
            }
            None => {
                let base = format!("http://{host}:{users}");
                println!(
                    "\nCapstone is up. The users service answers at {base}:\n\
                     \x20 Swagger UI   {base}/docs/\n\
                     \x20 OpenAPI      {base}/api-docs/openapi.json\n\
                     \x20 Users API    {base}/api/v1/users      (needs a token: {base}/api/v1/auth/login)"
                );
                // fork:begin(graphql)
                println!("  GraphQL      {base}/graphql           (POST, with the same token)");
                // fork:end(graphql)
                println!("  Readiness    {base}/health/ready");
            }
        }
        if let Some(worker) = self.worker {
            println!("The worker's health is at http://{host}:{worker}/health/ready.");
        }
        println!("Stop with Ctrl-C.\n");
        if let Some(directory) = &self.email_directory {
            println!(
                "Emails (welcome, verification, password reset) are written to {} as .eml files \
                 (worker.email.sink = \"smtp\" sends them to Mailpit instead).\n",
                directory.display()
            );
        }
    }
}
