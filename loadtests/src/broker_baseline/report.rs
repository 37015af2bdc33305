//! `broker-baseline`'s JSON report.

use anyhow::bail;
use serde::Serialize;

use crate::latency::LatencySummary;

/// The one JSON object `broker-baseline` prints.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub messages: u64,
    /// First publish → last ack.
    pub seconds: f64,
    /// Distinct messages that arrived, per second (`messages / seconds`
    /// unless some are missing).
    pub rate_per_s: f64,
    pub duplicates: u64,
    pub missing: u64,
    /// Publish (or, with `--rate`, due time) → delivery, in milliseconds.
    pub latency_ms: LatencySummary,
}

impl Report {
    /// An error if any message never arrived.
    pub fn check(&self) -> anyhow::Result<()> {
        if self.missing > 0 {
            bail!(
                "{} of {} messages did not arrive before the timeout",
                self.missing,
                self.messages
            );
        }
        Ok(())
    }
}
