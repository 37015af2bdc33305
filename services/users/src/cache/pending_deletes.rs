//! Redis deletes that failed, remembered in the process until one lands.
//!
//! A write invalidates the cached user after it commits; if Redis does not
//! take that delete (down, cut off, or too slow for `redis.timeout_ms` on a
//! busy machine), the old copy would stay readable for the whole Redis TTL.
//! Instead the id is remembered here, and [`super::user_cache`] retries the
//! delete in the background and ignores the Redis copy of a remembered id
//! meanwhile. This module is only the bookkeeping (no Redis, no tasks), so
//! its rules are tested without either.

use std::{collections::HashMap, sync::Mutex};

use uuid::Uuid;

/// Ids waiting for their Redis delete, each with the generation of its
/// latest failure.
///
/// A std `Mutex`, not a tokio one: it guards a few map operations and is
/// never held across an `.await`.
#[derive(Debug)]
pub struct PendingDeletes {
    state: Mutex<State>,
    capacity: usize,
}

#[derive(Debug, Default)]
struct State {
    waiting: HashMap<Uuid, u64>,
    /// Counts failures, so that a delete that landed clears only the
    /// failures that happened before it was sent.
    generation: u64,
    /// Whether a retry task is running; it stops when nothing waits.
    retrying: bool,
}

/// What [`PendingDeletes::remember`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Remembered {
    /// Waiting now; `start_retrying`: no retry task runs, start one.
    Waiting { start_retrying: bool },
    /// Already `capacity` ids wait: this one is not remembered.
    Full,
}

/// An id and the generation it had when its delete was sent.
pub type Ticket = (Uuid, u64);

impl PendingDeletes {
    pub fn new(capacity: usize) -> Self {
        Self {
            state: Mutex::new(State::default()),
            capacity,
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave the map inconsistent
        // (each operation is one map call): keep using it.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Notes that the delete of `id`'s Redis entry failed.
    pub fn remember(&self, id: Uuid) -> Remembered {
        let mut state = self.state();
        if state.waiting.len() >= self.capacity && !state.waiting.contains_key(&id) {
            return Remembered::Full;
        }
        state.generation += 1;
        let generation = state.generation;
        state.waiting.insert(id, generation);
        let start_retrying = !state.retrying;
        state.retrying = true;
        Remembered::Waiting { start_retrying }
    }

    /// Whether `id`'s Redis copy must be ignored (its delete has not landed).
    pub fn is_waiting(&self, id: Uuid) -> bool {
        self.state().waiting.contains_key(&id)
    }

    /// Take this before sending a delete of `id`; hand it to [`Self::landed`]
    /// once the delete succeeded. `None`: nothing waits for `id`.
    pub fn ticket(&self, id: Uuid) -> Option<Ticket> {
        self.state()
            .waiting
            .get(&id)
            .map(|generation| (id, *generation))
    }

    /// Up to `max` waiting ids, to delete in one command.
    pub fn batch(&self, max: usize) -> Vec<Ticket> {
        self.state()
            .waiting
            .iter()
            .take(max)
            .map(|(id, generation)| (*id, *generation))
            .collect()
    }

    /// A delete sent with `ticket` landed. The id stops waiting unless its
    /// delete failed again since the ticket was taken (that failure may
    /// belong to a later write, whose commit the landed delete may predate).
    pub fn landed(&self, (id, generation): Ticket) {
        let mut state = self.state();
        if state.waiting.get(&id) == Some(&generation) {
            state.waiting.remove(&id);
        }
    }

    /// Called by the retry task when a batch came back empty: it stops
    /// (`true`) only if nothing waits, atomically with the check, so a
    /// failure remembered right after starts a new task.
    pub fn stop_retrying_if_idle(&self) -> bool {
        let mut state = self.state();
        if state.waiting.is_empty() {
            state.retrying = false;
        }
        !state.retrying
    }

    /// The retry task is gone (its runtime stopped): the next failure
    /// starts a new one. Returns how many ids still wait.
    pub fn abandon_retrying(&self) -> usize {
        let mut state = self.state();
        state.retrying = false;
        state.waiting.len()
    }

    pub fn waiting_count(&self) -> usize {
        self.state().waiting.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_failure_starts_a_retry_task_and_later_ones_join_it() {
        let pending = PendingDeletes::new(10);
        let (first, second) = (Uuid::now_v7(), Uuid::now_v7());

        assert_eq!(
            pending.remember(first),
            Remembered::Waiting {
                start_retrying: true
            }
        );
        assert_eq!(
            pending.remember(second),
            Remembered::Waiting {
                start_retrying: false
            }
        );
        assert!(pending.is_waiting(first) && pending.is_waiting(second));
    }

    #[test]
    fn a_landed_delete_clears_only_failures_from_before_it_was_sent() {
        let pending = PendingDeletes::new(10);
        let id = Uuid::now_v7();
        pending.remember(id);
        let ticket = pending.ticket(id).expect("waiting");

        pending.remember(id); // a later write's delete failed meanwhile
        pending.landed(ticket);
        assert!(pending.is_waiting(id), "the later failure still waits");

        pending.landed(pending.ticket(id).expect("waiting"));
        assert!(!pending.is_waiting(id));
    }

    #[test]
    fn the_retry_task_stops_only_when_nothing_waits() {
        let pending = PendingDeletes::new(10);
        let id = Uuid::now_v7();
        pending.remember(id);
        assert!(!pending.stop_retrying_if_idle());

        for ticket in pending.batch(100) {
            pending.landed(ticket);
        }
        assert!(pending.stop_retrying_if_idle());
        assert_eq!(
            pending.remember(id),
            Remembered::Waiting {
                start_retrying: true
            },
            "a new failure starts a new task"
        );
    }

    #[test]
    fn beyond_capacity_new_ids_are_refused_but_waiting_ones_are_renewed() {
        let pending = PendingDeletes::new(1);
        let (kept, refused) = (Uuid::now_v7(), Uuid::now_v7());
        pending.remember(kept);

        assert_eq!(pending.remember(refused), Remembered::Full);
        assert_ne!(pending.remember(kept), Remembered::Full);
        assert_eq!(pending.waiting_count(), 1);
    }
}
