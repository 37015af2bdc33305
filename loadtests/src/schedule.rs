//! The open-loop schedule: request (or message) `i` is due at `t0 + i / rate`,
//! whatever happened to the ones before it.
//!
//! Due times are computed from `t0`, never by adding intervals to the last
//! send: a sender that fell behind does not shift the rest of the schedule,
//! it finds the next due times already in the past and sends at once (the
//! backlog). `tokio::time::interval` would do the same only with its default
//! `Burst` behaviour, and hides that choice; here it is the arithmetic.
//!
//! Senders take turns by claiming indices from one atomic counter: whoever
//! is free takes the next index. That is the dispatcher: no task, no channel,
//! and the backlog is simply the indices due but not yet claimed.

use std::{
    sync::atomic::{AtomicU64, Ordering},
    time::{Duration, Instant},
};

/// How early a sender wakes before a due time. Tokio's timer never fires
/// early but can fire up to ~2 ms late (deadlines round up to the next 1 ms
/// tick, and the driver's own sleep is in whole milliseconds), so sleeping
/// *until* the due time would send late and charge that lateness to the
/// server as latency. Waking up to 2 ms early and sending right away keeps
/// the offered rate (each request goes out within the 2 ms before it is
/// due, measured from when it really left) and costs no busy-waiting. The
/// price: requests leave in small bursts, one per timer tick. With 1 ms,
/// p90 at 2000 req/s on loopback read ~1 ms instead of ~0.2 ms (oha agreed
/// with the latter).
const TIMER_SLACK: Duration = Duration::from_millis(2);

/// Fixed-rate due times, and the counter senders claim them from.
#[derive(Debug)]
pub struct Schedule {
    start: Instant,
    rate: f64,
    total: u64,
    next: AtomicU64,
}

impl Schedule {
    /// `total` items at `rate` per second from `start`. `rate` must be > 0.
    pub fn new(start: Instant, rate: f64, total: u64) -> Self {
        Self {
            start,
            rate,
            total,
            next: AtomicU64::new(0),
        }
    }

    /// As many items as fall due within `window` after `start`.
    pub fn for_window(start: Instant, rate: f64, window: Duration) -> Self {
        Self::new(start, rate, count_within(rate, window))
    }

    /// How many items the schedule holds.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// When item `index` is due.
    pub fn due(&self, index: u64) -> Instant {
        self.start + offset(self.rate, index)
    }

    /// The next unclaimed index, or `None` once all are claimed.
    pub fn claim(&self) -> Option<u64> {
        let index = self.next.fetch_add(1, Ordering::Relaxed);
        (index < self.total).then_some(index)
    }

    /// Items never claimed: when the run ends, the part of the offered load
    /// that was not even sent.
    pub fn unclaimed(&self) -> u64 {
        self.total
            .saturating_sub(self.next.load(Ordering::Relaxed).min(self.total))
    }

    /// Waits for item `index`'s turn and returns the instant its latency
    /// counts from: the due time, or the actual send time when that is
    /// earlier (see [`TIMER_SLACK`]).
    pub async fn wait_for_turn(&self, index: u64) -> Instant {
        let due = self.due(index);
        let wake = due.checked_sub(TIMER_SLACK).unwrap_or(due);
        if wake > Instant::now() {
            tokio::time::sleep_until(wake.into()).await;
        }
        latency_start(due, Instant::now())
    }
}

/// Parses a `--rate` argument: a finite number of items per second, > 0.
pub fn parse_rate(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(value) if value.is_finite() && value > 0.0 => Ok(value),
        _ => Err(format!("`{text}` is not a rate > 0 per second")),
    }
}

/// Item `index`'s due time after the start.
fn offset(rate: f64, index: u64) -> Duration {
    Duration::from_secs_f64(index as f64 / rate)
}

/// The number of indices `i` with `i / rate < window`.
fn count_within(rate: f64, window: Duration) -> u64 {
    (window.as_secs_f64() * rate).ceil() as u64
}

// ANCHOR: latency_start
/// The instant a request's latency counts from: its *due* time, not the time
/// it was actually sent. A request sent late (every connection was busy, the
/// server was slow to answer the previous one) was late because of the
/// server; measuring from the actual send would quietly drop that wait, the
/// "coordinated omission" that makes an overloaded server look fast. Only a
/// request sent *early* (timer slack) counts from when it really left.
fn latency_start(due: Instant, sent: Instant) -> Instant {
    due.min(sent)
}
// ANCHOR_END: latency_start

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_times_are_computed_from_the_start_not_accumulated() {
        let start = Instant::now();
        let schedule = Schedule::new(start, 4.0, 100);

        assert_eq!(schedule.due(0), start);
        assert_eq!(schedule.due(2), start + Duration::from_millis(500));
        assert_eq!(schedule.due(99), start + Duration::from_millis(24_750));
    }

    #[test]
    fn a_window_holds_every_index_due_strictly_inside_it() {
        assert_eq!(count_within(3.0, Duration::from_secs(1)), 3); // 0, 1/3, 2/3
        assert_eq!(count_within(2.5, Duration::from_secs(1)), 3); // 0, 0.4, 0.8
        assert_eq!(count_within(20_000.0, Duration::from_secs(5)), 100_000);
        assert_eq!(count_within(1.0, Duration::ZERO), 0);
    }

    #[test]
    fn claims_stop_at_the_total_and_the_rest_is_unclaimed() {
        let schedule = Schedule::new(Instant::now(), 10.0, 3);

        assert_eq!(schedule.unclaimed(), 3);
        assert_eq!(schedule.claim(), Some(0));
        assert_eq!(schedule.claim(), Some(1));
        assert_eq!(schedule.unclaimed(), 1);
        assert_eq!(schedule.claim(), Some(2));
        assert_eq!(schedule.claim(), None);
        assert_eq!(schedule.claim(), None);
        assert_eq!(schedule.unclaimed(), 0);
    }

    #[test]
    fn latency_counts_from_the_due_time_when_sent_late() {
        let due = Instant::now();
        let late = due + Duration::from_millis(40);

        assert_eq!(latency_start(due, late), due);
    }

    #[test]
    fn latency_counts_from_the_send_when_sent_early() {
        let sent = Instant::now();
        let due = sent + Duration::from_micros(600);

        assert_eq!(latency_start(due, sent), sent);
    }

    #[test]
    fn a_rate_must_be_a_positive_finite_number() {
        assert_eq!(parse_rate("2500.5"), Ok(2500.5));
        for bad in ["0", "-1", "inf", "NaN", "fast"] {
            assert!(parse_rate(bad).is_err(), "{bad}");
        }
    }

    #[tokio::test]
    async fn waiting_for_a_past_turn_returns_at_once_with_the_due_time() {
        let start = Instant::now() - Duration::from_secs(1);
        let schedule = Schedule::new(start, 1.0, 2);

        assert_eq!(schedule.wait_for_turn(0).await, start);
    }
}
