//! The worker on its own. `capstone up` can run it alongside the others.

use std::process::ExitCode;

use capstone_worker::Application;

#[tokio::main]
async fn main() -> ExitCode {
    capstone_platform::service::run::<Application>().await
}
