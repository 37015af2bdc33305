//! The worker on its own. `capstone up` can run it alongside the others.

use capstone_platform::{
    Shutdown,
    telemetry::{init_telemetry, traces::ServiceIdentity},
};
use capstone_worker::{Application, Settings};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config_file = std::env::var_os("CAPSTONE_CONFIG").map(std::path::PathBuf::from);
    let settings = Settings::load(config_file.as_deref())?;
    let _telemetry = init_telemetry(
        &settings.telemetry,
        ServiceIdentity {
            name: "capstone-worker",
            environment: settings.environment,
        },
    )?;

    let shutdown = Shutdown::new();
    shutdown.trigger_on_signals();
    let application = Application::build(settings).await?;
    tracing::info!(
        port = application.port(),
        "worker health endpoints listening"
    );
    application.run_until_stopped(shutdown).await?;
    Ok(())
}
