//! The users service on its own. `capstone up` runs it alongside the others.

use std::process::ExitCode;

use capstone_users::Application;

#[tokio::main]
async fn main() -> ExitCode {
    capstone_platform::service::run::<Application>().await
}
