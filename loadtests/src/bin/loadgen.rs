//! `loadgen`: see `capstone_loadtests::loadgen`.

use capstone_loadtests::{loadgen, output::write_report};
use clap::Parser;

fn main() -> anyhow::Result<()> {
    let args = loadgen::Args::parse();
    let report = args.runtime()?.block_on(loadgen::run(&args))?;
    write_report(&report, args.out.as_deref())
}
