//! The gateway on its own. `capstone up` runs it alongside the users service.

use std::process::ExitCode;

use capstone_gateway::Application;

#[tokio::main]
async fn main() -> ExitCode {
    capstone_platform::service::run::<Application>().await
}
