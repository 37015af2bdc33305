//! `bare`: see `capstone_loadtests::bare`.

use capstone_loadtests::bare;
use clap::Parser;

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    bare::serve(bare::Args::parse()).await
}
