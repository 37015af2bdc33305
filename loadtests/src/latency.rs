//! Latency histograms and the one JSON shape both `loadgen` and
//! `broker-baseline` report them in (`latency_ms`: p50, p90, p99, p999, max,
//! mean), so a script reading either tool reads the same keys.
//!
//! Values are recorded in microseconds and reported in milliseconds.

use std::time::Duration;

use hdrhistogram::Histogram;
use serde::Serialize;

/// 1 µs: nothing on loopback answers faster, so finer buckets buy nothing.
const LOWEST_MICROS: u64 = 1;
/// 60 s: far above any timeout the tools use; longer values are clamped.
const HIGHEST_MICROS: u64 = 60_000_000;
/// 3 significant figures: 0.1 % error at any magnitude, for ~140 KiB per
/// histogram (one per connection: 5 MiB at 32 connections, acceptable).
const SIGNIFICANT_FIGURES: u8 = 3;

/// An HdrHistogram of latencies with the bounds above.
#[derive(Debug, Clone)]
pub struct LatencyHistogram(Histogram<u64>);

impl Default for LatencyHistogram {
    fn default() -> Self {
        Self::new()
    }
}

impl LatencyHistogram {
    /// An empty histogram.
    pub fn new() -> Self {
        Self(
            Histogram::new_with_bounds(LOWEST_MICROS, HIGHEST_MICROS, SIGNIFICANT_FIGURES)
                .expect("the bounds are constants that hdrhistogram accepts"),
        )
    }

    /// Records one latency. Below 1 µs counts as 1 µs, above 60 s as 60 s:
    /// a sample is never dropped, so the count always equals the requests.
    pub fn record(&mut self, latency: Duration) {
        let micros = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        self.0.saturating_record(micros.max(LOWEST_MICROS));
    }

    /// Adds every sample of `other` (same bounds, so it cannot fail).
    pub fn merge(&mut self, other: &Self) {
        self.0
            .add(&other.0)
            .expect("histograms built by LatencyHistogram::new share their bounds");
    }

    /// How many samples were recorded.
    pub fn count(&self) -> u64 {
        self.0.len()
    }

    /// The percentiles in milliseconds; all zero when nothing was recorded
    /// (the count next to it, `requests` or `messages`, says why).
    pub fn summary(&self) -> LatencySummary {
        if self.0.is_empty() {
            return LatencySummary::default();
        }
        let at = |quantile: f64| micros_to_millis(self.0.value_at_quantile(quantile) as f64);
        LatencySummary {
            p50: at(0.50),
            p90: at(0.90),
            p99: at(0.99),
            p999: at(0.999),
            max: micros_to_millis(self.0.max() as f64),
            mean: micros_to_millis(self.0.mean()),
        }
    }
}

/// The `latency_ms` object of both tools' JSON.
#[derive(Debug, Default, Clone, Copy, PartialEq, Serialize)]
pub struct LatencySummary {
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub p999: f64,
    pub max: f64,
    pub mean: f64,
}

/// Milliseconds rounded to the microsecond: the histogram's own resolution,
/// so the JSON shows `0.56`, not `0.5600000000000001`.
fn micros_to_millis(micros: f64) -> f64 {
    micros.round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn histogram_of(samples: &[(u64, u64)]) -> LatencyHistogram {
        let mut histogram = LatencyHistogram::new();
        for &(micros, times) in samples {
            for _ in 0..times {
                histogram.record(Duration::from_micros(micros));
            }
        }
        histogram
    }

    #[test]
    fn summary_reports_percentiles_in_milliseconds_under_the_shared_keys() {
        // Values below 2048 µs are exact at 3 significant figures.
        let histogram = histogram_of(&[(500, 90), (1000, 9), (2000, 1)]);

        let json = serde_json::to_value(histogram.summary()).expect("serializes");

        assert_eq!(
            json,
            json!({"p50": 0.5, "p90": 0.5, "p99": 1.0, "p999": 2.0, "max": 2.0, "mean": 0.56})
        );
    }

    #[test]
    fn an_empty_histogram_summarises_to_zeros() {
        assert_eq!(LatencyHistogram::new().summary(), LatencySummary::default());
    }

    #[test]
    fn merging_adds_the_samples_of_both() {
        let mut first = histogram_of(&[(100, 3)]);
        let second = histogram_of(&[(300, 1)]);

        first.merge(&second);

        assert_eq!(first.count(), 4);
        assert_eq!(first.summary().max, 0.3);
    }

    #[test]
    fn out_of_range_latencies_are_clamped_not_dropped() {
        let histogram = histogram_of(&[(0, 1)]);
        let mut long = histogram.clone();
        long.record(Duration::from_secs(3600));

        assert_eq!(histogram.summary().max, 0.001);
        assert_eq!(long.count(), 2);
        assert!(long.summary().max >= 60_000.0);
    }
}
