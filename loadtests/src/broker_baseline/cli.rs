//! `broker-baseline`'s command line.

use std::{path::PathBuf, time::Duration};

use clap::Parser;

use crate::schedule::parse_rate;

/// Publishes N persistent, confirmed messages to a fresh queue and consumes
/// them with manual acks on a second connection; reports the round trip
/// (publish → delivery) latency and the throughput. Deletes the queue.
#[derive(Debug, Clone, Parser)]
#[command(name = "broker-baseline", version)]
pub struct Args {
    #[arg(long, default_value = "amqp://guest:guest@127.0.0.1:5672/%2f")]
    pub amqp_url: String,
    /// A queue name of this run's own: it is created, then deleted.
    #[arg(long)]
    pub queue: String,
    /// Messages to send and receive.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub messages: u64,
    /// Unconfirmed publishes allowed at once (ignored with --rate).
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..))]
    pub in_flight: u32,
    /// Publish at this many messages per second (open loop) instead of
    /// as fast as the confirm window allows.
    #[arg(long, value_name = "PER_SEC", value_parser = parse_rate)]
    pub rate: Option<f64>,
    /// Declare a quorum queue (replicated, Raft) instead of a classic one.
    #[arg(long)]
    pub quorum: bool,
    /// Give up (with an error) when the run takes longer than this.
    #[arg(long, value_name = "SECS", default_value_t = 120)]
    pub timeout: u64,
    /// Where to write the JSON report (standard output without it).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

impl Args {
    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout)
    }
}
