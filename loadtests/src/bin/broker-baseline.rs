//! `broker-baseline`: see `capstone_loadtests::broker_baseline`.

use capstone_loadtests::{broker_baseline, output::write_report};
use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = broker_baseline::Args::parse();
    let report = broker_baseline::run(&args).await?;
    write_report(&report, args.out.as_deref())?;
    report.check()
}
