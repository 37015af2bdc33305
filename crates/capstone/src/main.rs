//! `capstone`: run the whole system in one process, migrate, check the machine.
//! A bare `cargo run` in the repository runs `capstone up`.

mod cli;
mod commands;

use std::process::ExitCode;

use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    // Boxed: the future holds every subcommand's state (the three services
    // of `up` among them), too big to keep on main's stack.
    match Box::pin(commands::run(cli)).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            // A paragraph a person can act on, not a panic trace: each
            // context, then the cause and its remedy (`{:#}` joins them).
            eprintln!("\n{failure:#}\n");
            ExitCode::FAILURE
        }
    }
}
