//! What one connection counted. Each connection task owns its tally (no
//! lock, no shared cache line on the hot path); the run merges them at the end.

use std::{collections::BTreeMap, time::Duration};

use crate::latency::LatencyHistogram;

use super::connection::Outcome;

/// Counts and latencies of the recorded (post-warmup) requests.
#[derive(Debug, Clone, Default)]
pub(crate) struct Tally {
    /// Latencies of answered requests, whatever their status. A transport
    /// error has no answer to time; it is counted, not timed.
    pub(crate) latency: LatencyHistogram,
    pub(crate) ok: u64,
    /// Non-2xx answers by status code.
    pub(crate) status_errors: BTreeMap<u16, u64>,
    pub(crate) transport_errors: u64,
    /// Successful connects, warmup included (see `Connection::connects`).
    pub(crate) connects: u64,
}

impl Tally {
    /// Counts one request that took `latency` and ended with `outcome`.
    pub(crate) fn count(&mut self, outcome: Outcome, latency: Duration) {
        match outcome {
            Outcome::Answered(status) => {
                self.latency.record(latency);
                if status.is_success() {
                    self.ok += 1;
                } else {
                    *self.status_errors.entry(status.as_u16()).or_default() += 1;
                }
            }
            Outcome::TransportError => self.transport_errors += 1,
        }
    }

    /// Adds `other`'s counts to these.
    pub(crate) fn merge(&mut self, other: &Self) {
        self.latency.merge(&other.latency);
        self.ok += other.ok;
        for (status, count) in &other.status_errors {
            *self.status_errors.entry(*status).or_default() += count;
        }
        self.transport_errors += other.transport_errors;
        self.connects += other.connects;
    }

    /// Non-2xx answers plus transport errors.
    pub(crate) fn errors(&self) -> u64 {
        self.status_errors.values().sum::<u64>() + self.transport_errors
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::StatusCode;

    #[test]
    fn answers_are_split_by_status_and_merged_across_connections() {
        let mut first = Tally::default();
        first.count(Outcome::Answered(StatusCode::OK), Duration::from_millis(1));
        first.count(
            Outcome::Answered(StatusCode::INTERNAL_SERVER_ERROR),
            Duration::from_millis(2),
        );
        let mut second = Tally::default();
        second.count(
            Outcome::Answered(StatusCode::CREATED),
            Duration::from_millis(1),
        );
        second.count(
            Outcome::Answered(StatusCode::INTERNAL_SERVER_ERROR),
            Duration::from_millis(2),
        );
        second.count(Outcome::TransportError, Duration::from_secs(10));

        first.merge(&second);

        assert_eq!(first.ok, 2);
        assert_eq!(first.status_errors, BTreeMap::from([(500, 2)]));
        assert_eq!(first.transport_errors, 1);
        assert_eq!(first.errors(), 3);
        assert_eq!(first.latency.count(), 4, "transport errors are not timed");
    }
}
