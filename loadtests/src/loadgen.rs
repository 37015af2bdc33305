//! `loadgen`: an HTTP/1.1 load generator with coordinated-omission-corrected
//! latency.
//!
//! ```text
//! args → RequestPlan (parsed once; with --tokens, a caller per request) → N Connections opened before the clock
//!      → one task per connection: closed_loop, or open_loop on a Schedule
//!      → the tasks' Tallies merged → Report (JSON)
//! ```
//!
//! The warmup comes first and the measured duration after it: a run lasts
//! `--warmup + --duration` seconds.

mod callers;
mod cli;
mod client;
mod connection;
mod report;
mod request_plan;
mod tally;

use std::{sync::Arc, time::Instant};

use anyhow::bail;
use futures_util::future::join_all;
use tokio::task::JoinSet;

pub use cli::{Args, HttpMethod};
pub use report::{Mode, Report};

use crate::schedule::Schedule;
use callers::Callers;
use client::{Window, closed_loop, open_loop};
use connection::Connection;
use request_plan::RequestPlan;
use tally::Tally;

/// Runs the load `args` describe and reports it. An error only for what
/// makes the run meaningless: bad arguments, or a target never reachable.
pub async fn run(args: &Args) -> anyhow::Result<Report> {
    let mut plan = RequestPlan::new(
        &args.url,
        args.method.into(),
        &args.headers,
        args.body.as_deref(),
    )?;
    if let Some(tokens) = &args.tokens {
        plan = plan.with_callers(Callers::load(tokens, args.token_sequence.as_deref())?);
    } else if args.token_sequence.is_some() {
        bail!("--token-sequence needs --tokens");
    }
    let plan = Arc::new(plan);
    let connections = open_connections(&plan.address, args).await;
    if connections
        .iter()
        .all(|connection| connection.connects == 0)
    {
        bail!("could not open a single connection to {}", plan.address);
    }

    let start = Instant::now();
    let window = Window {
        measure_from: start + args.warmup(),
        end: start + args.warmup() + args.duration(),
    };
    let schedule = args
        .rate
        .map(|rate| Arc::new(Schedule::for_window(start, rate, window.end - start)));
    let mut tasks = JoinSet::new();
    for connection in connections {
        let plan = Arc::clone(&plan);
        match &schedule {
            Some(schedule) => {
                tasks.spawn(open_loop(connection, plan, window, Arc::clone(schedule)))
            }
            None => tasks.spawn(closed_loop(connection, plan, window)),
        };
    }
    let mut total = Tally::default();
    while let Some(tally) = tasks.join_next().await {
        total.merge(&tally?);
    }
    let measured = window.measure_from.elapsed();
    let not_sent = schedule.map_or(0, |schedule| schedule.unclaimed());
    Ok(Report::new(args, &total, not_sent, measured))
}

/// `--connections` connections, opened concurrently; those that fail now
/// try again on their first request.
async fn open_connections(address: &str, args: &Args) -> Vec<Connection> {
    let mut connections: Vec<Connection> = (0..args.connections)
        .map(|_| Connection::new(address, args.timeout()))
        .collect();
    join_all(connections.iter_mut().map(Connection::open)).await;
    connections
}
