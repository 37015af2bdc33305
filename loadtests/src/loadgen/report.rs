//! `loadgen`'s JSON report.

use std::{collections::BTreeMap, time::Duration};

use serde::Serialize;

use crate::latency::LatencySummary;

use super::{Args, tally::Tally};

/// Closed loop (no `--rate`) or open loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Closed,
    Open,
}

/// The one JSON object `loadgen` prints.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub url: String,
    pub method: String,
    pub mode: Mode,
    pub connections: u32,
    /// Seconds measured: from the end of the warmup until the last recorded
    /// answer arrived (the requested duration plus the tail in flight).
    pub duration_s: f64,
    /// `--rate` in open loop, `null` in closed loop.
    pub offered_rps: Option<f64>,
    /// `ok + errors`, after the warmup.
    pub requests: u64,
    /// 2xx answers.
    pub ok: u64,
    /// Non-2xx answers plus transport errors.
    pub errors: u64,
    /// Non-2xx answers by status code.
    pub status_errors: BTreeMap<u16, u64>,
    pub transport_errors: u64,
    /// Open loop: requests due before the end but never sent because every
    /// connection was still busy. Anything above 0 means the offered rate
    /// was not served, whatever the latency says.
    pub not_sent: u64,
    /// `ok / duration_s`.
    pub throughput_rps: f64,
    /// Answered requests (any status), in milliseconds.
    pub latency_ms: LatencySummary,
}

impl Report {
    pub(crate) fn new(args: &Args, tally: &Tally, not_sent: u64, measured: Duration) -> Self {
        let seconds = measured.as_secs_f64();
        let throughput = if seconds > 0.0 {
            tally.ok as f64 / seconds
        } else {
            0.0
        };
        Self {
            url: args.url.clone(),
            method: hyper::Method::from(args.method).as_str().to_owned(),
            mode: if args.rate.is_some() {
                Mode::Open
            } else {
                Mode::Closed
            },
            connections: args.connections,
            duration_s: round_to(seconds, 1000.0),
            offered_rps: args.rate,
            requests: tally.ok + tally.errors(),
            ok: tally.ok,
            errors: tally.errors(),
            status_errors: tally.status_errors.clone(),
            transport_errors: tally.transport_errors,
            not_sent,
            throughput_rps: round_to(throughput, 10.0),
            latency_ms: tally.latency.summary(),
        }
    }
}

/// `value` rounded to `1 / per_unit` (`per_unit` 10 → one decimal).
fn round_to(value: f64, per_unit: f64) -> f64 {
    (value * per_unit).round() / per_unit
}
