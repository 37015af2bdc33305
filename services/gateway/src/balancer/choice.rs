//! The two ways to choose an instance, as pure functions over the
//! candidates, so they can be tested and benchmarked without a network.

use std::sync::atomic::{AtomicUsize, Ordering};

// ANCHOR: power_of_two_choices
/// Power of two choices: look at two random candidates, take the less
/// loaded. Almost as good as asking every instance (the maximum load drops
/// from O(log n / log log n) to O(log log n)), at the cost of two lookups,
/// and without the herd effect of "always the least loaded", where every
/// balancer sends its next burst to the same idle instance.
///
/// `load(i)` is candidate i's requests in flight; `random(n)` is uniform in
/// `0..n`. Returns an index into `candidates`' range.
pub fn power_of_two_choices(
    candidates: usize,
    load: impl Fn(usize) -> usize,
    mut random: impl FnMut(usize) -> usize,
) -> usize {
    match candidates {
        0 | 1 => 0,
        _ => {
            let first = random(candidates);
            // A second, distinct candidate: shift by 1..n-1 and wrap.
            let second = (first + 1 + random(candidates - 1)) % candidates;
            if load(second) < load(first) {
                second
            } else {
                first
            }
        }
    }
}
// ANCHOR_END: power_of_two_choices

/// Round robin: each candidate in turn. Fair when requests cost the same,
/// blind to an instance that is slow right now.
pub fn round_robin(candidates: usize, counter: &AtomicUsize) -> usize {
    if candidates == 0 {
        return 0;
    }
    counter.fetch_add(1, Ordering::Relaxed) % candidates
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_less_loaded_of_the_two_wins() {
        let loads = [5, 1, 9];
        let mut picks = [0, 0].into_iter();
        // random(3) → 0, random(2) → 0, so the second is (0 + 1 + 0) % 3 = 1.
        let chosen = power_of_two_choices(3, |i| loads[i], |_| picks.next().unwrap_or(0));
        assert_eq!(chosen, 1);
    }

    #[test]
    fn the_two_candidates_are_always_distinct() {
        for n in 2..6 {
            for first in 0..n {
                for offset in 0..n - 1 {
                    let mut draws = [first, offset].into_iter();
                    let looked_at = std::cell::RefCell::new(Vec::new());
                    power_of_two_choices(
                        n,
                        |i| {
                            looked_at.borrow_mut().push(i);
                            0
                        },
                        |_| draws.next().unwrap_or(0),
                    );
                    let looked_at = looked_at.into_inner();
                    assert_eq!(looked_at.len(), 2);
                    assert_ne!(looked_at[0], looked_at[1], "n={n} first={first}");
                }
            }
        }
    }

    #[test]
    fn an_overloaded_instance_gets_far_fewer_requests() {
        // Instance 0 is stuck with 50 requests in flight; the others with 0.
        let loads = [50, 0, 0, 0];
        let mut counts = [0usize; 4];
        for _ in 0..10_000 {
            counts[power_of_two_choices(4, |i| loads[i], |n| fastrand::usize(..n))] += 1;
        }
        // Whatever the draw, its partner is less loaded: never chosen.
        assert_eq!(counts[0], 0, "{counts:?}");
        assert!(counts[1..].iter().all(|&count| count > 2_500), "{counts:?}");
    }

    #[test]
    fn round_robin_cycles() {
        let counter = AtomicUsize::new(0);
        let picks: Vec<usize> = (0..6).map(|_| round_robin(3, &counter)).collect();
        assert_eq!(picks, [0, 1, 2, 0, 1, 2]);
    }
}
