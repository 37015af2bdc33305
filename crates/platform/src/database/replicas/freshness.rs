//! How fresh is a replica? Log positions (LSNs) and the primary's recent
//! history of them, turned into "this replica holds every write older than
//! instant T".
//!
//! Postgres numbers every byte of its write-ahead log: a commit is a
//! position (an LSN, printed `16/B374D848`). A streaming replica reports how
//! far it has replayed (`pg_last_wal_replay_lsn()`), the primary how far it
//! has written (`pg_current_wal_lsn()`). Positions compare, but a lag in
//! *bytes* means nothing to a reader; a lag in *time* does. So the monitor
//! samples the primary's position now and then, and a replica that has
//! replayed past the sample taken at instant T holds everything committed
//! before T. Its staleness is then at most `now - T`: an upper bound, never
//! an under-estimate, which is what the read-your-writes argument in
//! docs/src/data-past-one-machine.md needs.

use std::{collections::VecDeque, fmt, str::FromStr, time::Duration, time::Instant};

/// A position in Postgres' write-ahead log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Lsn(pub u64);

impl fmt::Display for Lsn {
    /// Postgres' own spelling: two hex halves, `16/B374D848`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:X}/{:X}", self.0 >> 32, self.0 & 0xFFFF_FFFF)
    }
}

/// Not an LSN: Postgres writes them as `hex/hex`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a log position (expected hex/hex, like 16/B374D848): {0:?}")]
pub struct BadLsn(String);

impl FromStr for Lsn {
    type Err = BadLsn;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || BadLsn(text.to_owned());
        let (high, low) = text.split_once('/').ok_or_else(bad)?;
        let half = |part: &str| {
            if part.is_empty() || part.len() > 8 {
                return Err(bad());
            }
            u32::from_str_radix(part, 16).map_err(|_| bad())
        };
        Ok(Self((u64::from(half(high)?) << 32) | u64::from(half(low)?)))
    }
}

/// The primary's positions over the last little while: `(when, where)`,
/// oldest first. Old samples are dropped once a newer one is older than
/// `keep`, so the history stays a few hundred entries at most.
#[derive(Debug)]
pub struct PrimaryHistory {
    samples: VecDeque<(Instant, Lsn)>,
    keep: Duration,
}

impl PrimaryHistory {
    /// Keeps samples for `keep`; choose it longer than the lag bound, so a
    /// replica just inside the bound still finds a sample it has passed.
    pub fn new(keep: Duration) -> Self {
        Self {
            samples: VecDeque::new(),
            keep,
        }
    }

    /// The primary was at `lsn` at instant `at` (samples come in time order).
    pub fn record(&mut self, at: Instant, lsn: Lsn) {
        self.samples.push_back((at, lsn));
        // Keep the newest sample older than `keep`: it is still the answer
        // for a replica that has replayed exactly that far.
        while self.samples.len() > 1
            && self
                .samples
                .get(1)
                .is_some_and(|(second, _)| at.duration_since(*second) > self.keep)
        {
            self.samples.pop_front();
        }
    }

    /// The primary's newest known position.
    pub fn latest(&self) -> Option<Lsn> {
        self.samples.back().map(|(_, lsn)| *lsn)
    }

    /// The latest instant at which the primary had written nothing that a
    /// replica at `replayed` lacks: every write before it is on the
    /// replica. `None` when no sample is that old (the replica is further
    /// behind than the history reaches: treat it as too far behind).
    pub fn fresh_as_of(&self, replayed: Lsn) -> Option<Instant> {
        self.samples
            .iter()
            .rev()
            .find(|(_, lsn)| *lsn <= replayed)
            .map(|(at, _)| *at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lsns_read_and_print_as_postgres_writes_them() {
        let lsn = |text: &str| text.parse::<Lsn>().expect("an LSN");
        assert_eq!(lsn("16/B374D848"), Lsn(0x16_B374_D848));
        assert_eq!(lsn("16/B374D848").to_string(), "16/B374D848");
        assert_eq!(lsn("0/0"), Lsn(0));
        assert!(lsn("0/1") < lsn("1/0"));
        for bad in ["", "16", "16/", "/1", "g/1", "1/123456789", "1/2/3", " 1/2"] {
            assert!(bad.parse::<Lsn>().is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn a_replica_is_fresh_as_of_the_last_sample_it_has_passed() {
        let start = Instant::now();
        let at = |ms| start + Duration::from_millis(ms);
        let mut history = PrimaryHistory::new(Duration::from_secs(10));
        history.record(at(0), Lsn(100));
        history.record(at(100), Lsn(200));
        history.record(at(200), Lsn(300));

        // Caught up: as fresh as the newest sample.
        assert_eq!(history.fresh_as_of(Lsn(300)), Some(at(200)));
        assert_eq!(history.fresh_as_of(Lsn(350)), Some(at(200)));
        // Between samples: only the older one is proven.
        assert_eq!(history.fresh_as_of(Lsn(250)), Some(at(100)));
        assert_eq!(history.fresh_as_of(Lsn(200)), Some(at(100)));
        // Behind all history: unknown, so not fresh at all.
        assert_eq!(history.fresh_as_of(Lsn(99)), None);
        assert_eq!(history.latest(), Some(Lsn(300)));
    }

    #[test]
    fn an_idle_primary_keeps_a_caught_up_replica_fresh() {
        // No writes: the position stands still, every sample equals it, so
        // the newest sample (now) is the answer and the staleness stays ~0.
        let start = Instant::now();
        let mut history = PrimaryHistory::new(Duration::from_secs(1));
        for step in 0..50 {
            history.record(start + Duration::from_millis(step * 100), Lsn(42));
        }
        assert_eq!(
            history.fresh_as_of(Lsn(42)),
            Some(start + Duration::from_millis(4_900))
        );
    }

    #[test]
    fn history_older_than_keep_is_dropped_but_one_older_sample_stays() {
        let start = Instant::now();
        let at = |ms| start + Duration::from_millis(ms);
        let mut history = PrimaryHistory::new(Duration::from_millis(250));
        for step in 0..10 {
            history.record(at(step * 100), Lsn(step * 10));
        }
        // Samples at 600..900 ms are within 250 ms of one that follows
        // them or are the anchor just older than the window.
        assert_eq!(history.samples.len(), 4);
        assert_eq!(history.fresh_as_of(Lsn(65)), Some(at(600)));
        assert_eq!(history.fresh_as_of(Lsn(55)), None);
    }
}
