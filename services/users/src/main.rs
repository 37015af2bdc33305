//! The users service on its own. `capstone up` runs it alongside the others.

use capstone_platform::{
    Shutdown,
    service::ServiceSettings,
    telemetry::{init_telemetry, traces::ServiceIdentity},
};
use capstone_users::{Application, Settings};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config_file = std::env::var_os("CAPSTONE_CONFIG").map(std::path::PathBuf::from);
    let settings = Settings::load(config_file.as_deref())?;
    let _telemetry = init_telemetry(
        &settings.telemetry,
        ServiceIdentity {
            name: "capstone-users",
            environment: settings.environment,
        },
    )?;

    let shutdown = Shutdown::new();
    shutdown.trigger_on_signals();
    let application = Application::build(settings).await?;
    tracing::info!(port = application.port(), "users service listening");
    application.run_until_stopped(shutdown).await?;
    Ok(())
}
