//! Which sequence numbers arrived: duplicates (a redelivery, or a publish
//! retried) and gaps (a message lost) are both failures of the baseline.

/// One flag per expected message.
#[derive(Debug, Clone)]
pub(crate) struct Arrivals {
    seen: Vec<bool>,
    distinct: u64,
    pub(crate) duplicates: u64,
    /// Bodies that are not ours or carry a number beyond the run's: only
    /// possible if the queue name was not the run's own.
    pub(crate) foreign: u64,
}

impl Arrivals {
    pub(crate) fn expecting(messages: u64) -> Self {
        Self {
            seen: vec![false; usize::try_from(messages).unwrap_or(usize::MAX)],
            distinct: 0,
            duplicates: 0,
            foreign: 0,
        }
    }

    /// Notes that `sequence` arrived (`None`: an unreadable body).
    pub(crate) fn record(&mut self, sequence: Option<u64>) {
        let slot = sequence
            .and_then(|sequence| usize::try_from(sequence).ok())
            .and_then(|index| self.seen.get_mut(index));
        match slot {
            None => self.foreign += 1,
            Some(seen) if *seen => self.duplicates += 1,
            Some(seen) => {
                *seen = true;
                self.distinct += 1;
            }
        }
    }

    /// Every expected number has arrived.
    pub(crate) fn complete(&self) -> bool {
        self.missing() == 0
    }

    /// Expected numbers that have not arrived.
    pub(crate) fn missing(&self) -> u64 {
        self.seen.len() as u64 - self.distinct
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_gaps_and_strangers_are_told_apart() {
        let mut arrivals = Arrivals::expecting(4);

        for sequence in [Some(0), Some(2), Some(2), Some(9), None, Some(3)] {
            arrivals.record(sequence);
        }

        assert_eq!(arrivals.duplicates, 1);
        assert_eq!(arrivals.foreign, 2);
        assert_eq!(arrivals.missing(), 1);
        assert!(!arrivals.complete());
        arrivals.record(Some(1));
        assert!(arrivals.complete());
    }
}
