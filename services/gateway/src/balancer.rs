//! Load balancing: which instance of an upstream serves a request.
//!
//! An instance is a candidate while its last active health check passed
//! ([`health_check`]) and its circuit breaker admits requests (passive
//! health: consecutive failures eject it for a cool-down, then one trial
//! request decides whether it is back). Among candidates the pool's
//! [`Strategy`] chooses ([`choice`], or the pool's [`hash_ring`] for
//! consistent hashing).

pub mod choice;
// fork:begin(katas)
// With the feature `kata-hash-ring` the ring is a learner's file instead
// (katas/README.md); its tests are a sibling module, so that they test
// whichever implementation is compiled, through its public API only.
#[cfg_attr(feature = "kata-hash-ring", path = "../../../katas/hash_ring.rs")]
// fork:end(katas)
pub mod hash_ring;
#[cfg(test)]
mod hash_ring_tests;
pub mod health_check;
mod instance;
mod readiness;

use std::{
    collections::BTreeMap,
    sync::{Arc, atomic::AtomicUsize},
    time::{Duration, Instant},
};

pub use hash_ring::RoutingKey;
pub use instance::{InFlight, Instance};
pub use readiness::UpstreamsCheck;

use crate::{
    balancer::hash_ring::HashRing,
    resilience::{Admission, BreakerSettings, RetryBudget, RetrySettings},
    settings::{HealthCheckSettings, Strategy, UpstreamSettings},
};

/// An upstream service and its instances.
#[derive(Debug)]
pub struct Upstream {
    pub name: Arc<str>,
    pub instances: Vec<Arc<Instance>>,
    strategy: Strategy,
    next: AtomicUsize,
    /// The instances' points for [`Strategy::ConsistentHash`], built from
    /// their URLs. Built for every pool: a few kilobytes, and no `Option`
    /// for `pick` to unwrap.
    ring: HashRing,
    /// Consistent hashing's bound: no instance above this many times the
    /// average load.
    hash_balance_factor: f64,
    /// Shared by every request to this upstream: retries may add only so
    /// much load on top of ordinary traffic.
    pub retry_budget: RetryBudget,
    pub health_check: HealthCheckSettings,
    /// Where its OpenAPI document is; None: it publishes none.
    pub openapi_path: Option<String>,
}

/// A chosen instance, counted in flight, and whether this request is the
/// breaker's half-open trial.
#[derive(Debug)]
pub struct Picked {
    pub in_flight: InFlight,
    pub admission: Admission,
}

impl Picked {
    pub fn instance(&self) -> &Arc<Instance> {
        self.in_flight.instance()
    }
}

/// No instance can take a request now.
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("no instance of the upstream is available (next chance in {retry_in:?})")]
pub struct NoInstanceAvailable {
    /// When one may be again (a breaker's cool-down), for `Retry-After`.
    pub retry_in: Duration,
}

impl Upstream {
    pub fn new(
        name: &str,
        settings: &UpstreamSettings,
        breaker: &BreakerSettings,
        retry: &RetrySettings,
    ) -> Self {
        Self {
            name: name.into(),
            instances: settings
                .instances
                .iter()
                .map(|url| Arc::new(Instance::new(name, url, breaker)))
                .collect(),
            strategy: settings.strategy,
            next: AtomicUsize::new(0),
            ring: HashRing::new(&settings.instances),
            hash_balance_factor: settings.hash_balance_factor,
            retry_budget: retry.budget(),
            health_check: settings.health_check.clone(),
            openapi_path: Some(settings.openapi_path.clone()).filter(|path| !path.is_empty()),
        }
    }

    // ANCHOR: pick
    /// Chooses an instance for one attempt, skipping those in `tried` (a
    /// retry goes elsewhere when it can). `key` is what consistent hashing
    /// routes by (the user the edge authenticated); other strategies ignore it.
    pub fn pick(
        &self,
        tried: &[usize],
        key: Option<RoutingKey>,
        now: Instant,
    ) -> Result<(usize, Picked), NoInstanceAvailable> {
        let mut candidates: Vec<usize> = (0..self.instances.len())
            .filter(|index| self.instances[*index].is_available(now))
            .collect();
        if candidates.len() > 1 {
            // Prefer untried instances, but an already tried one beats none.
            let untried: Vec<usize> = candidates
                .iter()
                .copied()
                .filter(|index| !tried.contains(index))
                .collect();
            if !untried.is_empty() {
                candidates = untried;
            }
        }
        while !candidates.is_empty() {
            let position = match (self.strategy, key) {
                (Strategy::ConsistentHash, Some(key)) => self.ring.choose(
                    key,
                    &candidates,
                    |i| self.instances[candidates[i]].in_flight(),
                    Some(self.hash_balance_factor),
                ),
                // No user to keep together (login, registration, the JWKS:
                // routes that do not authenticate). Hashing the client's
                // address instead would pin a whole office or carrier NAT,
                // thousands of users behind one address, to one instance.
                (Strategy::PowerOfTwoChoices | Strategy::ConsistentHash, _) => {
                    choice::power_of_two_choices(
                        candidates.len(),
                        |i| self.instances[candidates[i]].in_flight(),
                        |n| fastrand::usize(..n),
                    )
                }
                (Strategy::RoundRobin, _) => choice::round_robin(candidates.len(), &self.next),
            };
            let index = candidates[position];
            let instance = &self.instances[index];
            // Another request may have just taken a half-open breaker's only
            // trial slot: then this one is not a candidate after all.
            match instance.breaker.admit(now) {
                Ok(admission) => {
                    let in_flight = instance.start_request();
                    return Ok((
                        index,
                        Picked {
                            in_flight,
                            admission,
                        },
                    ));
                }
                Err(_) => {
                    candidates.swap_remove(position);
                }
            }
        }
        Err(NoInstanceAvailable {
            retry_in: self.next_chance(now),
        })
    }
    // ANCHOR_END: pick

    /// The soonest an ejected instance gets its trial; for an upstream
    /// failing its health checks, the next check.
    fn next_chance(&self, now: Instant) -> Duration {
        self.instances
            .iter()
            .filter(|instance| instance.is_healthy())
            .filter_map(|instance| instance.breaker.admit_in(now))
            .min()
            .unwrap_or(Duration::from_millis(self.health_check.interval_ms))
    }

    /// Whether any instance could take a request (for `/health/ready`).
    pub fn has_available_instance(&self, now: Instant) -> bool {
        self.instances
            .iter()
            .any(|instance| instance.is_available(now))
    }
}

/// Every upstream pool, by name.
#[derive(Debug, Clone, Default)]
pub struct Upstreams {
    pools: BTreeMap<Arc<str>, Arc<Upstream>>,
}

impl Upstreams {
    pub fn new(
        settings: &BTreeMap<String, UpstreamSettings>,
        breaker: &BreakerSettings,
        retry: &RetrySettings,
    ) -> Self {
        let pools = settings
            .iter()
            .map(|(name, upstream)| {
                (
                    name.as_str().into(),
                    Arc::new(Upstream::new(name, upstream, breaker, retry)),
                )
            })
            .collect();
        Self { pools }
    }

    pub fn get(&self, name: &str) -> Option<&Arc<Upstream>> {
        self.pools.get(name)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Arc<Upstream>> {
        self.pools.values()
    }
}
