//! Routing affinity, **simulated**: what consistent hashing buys a
//! per-instance cache, against power of two choices, and how many users
//! move when an instance leaves.
//!
//! Not a load test: no network, no services. It drives the gateway's real
//! choice functions (`choice::power_of_two_choices`, `HashRing::choose`)
//! over three simulated instances, each with its own LRU cache of user
//! records holding a tenth of the users (3 000 of 30 000: the three
//! together hold 30%). One request arrives per tick; user ids follow a
//! Zipf law (exponent 0.9: a few users make many of the requests); a
//! request stays in flight 5 to 35 ticks, plus 30 on a cache miss (the
//! database read), so about 30 are in flight and the balancer's load signal
//! is live. The first 50 000 requests warm the caches and are not counted.
//! Everything is drawn from seeded generators: the figures repeat exactly.
//!
//! Run: `cargo run -p capstone-gateway --example routing_affinity`
//! (its tests, `cargo test -p capstone-gateway --example routing_affinity`,
//! check what it prints).

// Printing the figures is this program's whole job.
#![allow(clippy::print_stdout)]

use std::{
    cmp::Reverse,
    collections::{BTreeMap, BinaryHeap, HashMap},
};

use capstone_gateway::balancer::{
    choice::power_of_two_choices,
    hash_ring::{HashRing, RoutingKey},
};

const SEED: u64 = 2017;
const USERS: usize = 30_000;
const CACHE_PER_INSTANCE: usize = 3_000;
const ZIPF_EXPONENT: f64 = 0.9;
const REQUESTS: u64 = 300_000;
const WARM_UP: u64 = 50_000;
const INSTANCES: usize = 3;

/// How requests are spread.
#[derive(Debug, Clone, Copy)]
enum Policy {
    PowerOfTwoChoices,
    /// `None`: the plain ring, no bound on loads.
    ConsistentHash(Option<f64>),
}

/// A cache of user records that forgets the least recently used.
struct Lru {
    capacity: usize,
    /// User → when last used.
    used: HashMap<usize, u64>,
    /// When last used → user: the oldest first.
    by_age: BTreeMap<u64, usize>,
}

impl Lru {
    fn new(capacity: usize) -> Self {
        Self {
            capacity,
            used: HashMap::new(),
            by_age: BTreeMap::new(),
        }
    }

    /// Whether `user` was cached; either way, it is now, as the newest.
    fn get_or_load(&mut self, user: usize, now: u64) -> bool {
        let hit = match self.used.insert(user, now) {
            Some(before) => {
                self.by_age.remove(&before);
                true
            }
            None => false,
        };
        self.by_age.insert(now, user);
        if self.used.len() > self.capacity
            && let Some((_, oldest)) = self.by_age.pop_first()
        {
            self.used.remove(&oldest);
        }
        hit
    }
}

/// Draws user ranks 0..n with probability ∝ 1 / (rank + 1)^s.
struct Zipf {
    cumulative: Vec<f64>,
}

impl Zipf {
    fn new(n: usize, exponent: f64) -> Self {
        let mut total = 0.0;
        let cumulative = (1..=n)
            .map(|rank| {
                total += 1.0 / (rank as f64).powf(exponent);
                total
            })
            .collect::<Vec<_>>();
        let cumulative = cumulative.iter().map(|sum| sum / total).collect();
        Self { cumulative }
    }

    fn sample(&self, rng: &mut fastrand::Rng) -> usize {
        let draw = rng.f64();
        self.cumulative
            .partition_point(|sum| *sum < draw)
            .min(self.cumulative.len() - 1)
    }
}

/// Per instance: requests counted, cache hits, most requests in flight at once.
#[derive(Debug, Default)]
struct Outcome {
    requests: [u64; INSTANCES],
    hits: [u64; INSTANCES],
    peak_in_flight: [usize; INSTANCES],
}

impl Outcome {
    fn hit_ratio(&self) -> f64 {
        self.hits.iter().sum::<u64>() as f64 / self.requests.iter().sum::<u64>() as f64
    }
}

fn instance_urls(count: usize) -> Vec<String> {
    (0..count)
        .map(|i| format!("http://10.0.0.{}:8081/", i + 1))
        .collect()
}

/// The users' routing keys: random ids, so popularity and ring position
/// are unrelated, as for real user ids.
fn user_keys(rng: &mut fastrand::Rng) -> Vec<RoutingKey> {
    (0..USERS)
        .map(|_| RoutingKey::new(&rng.u128(..).to_le_bytes()))
        .collect()
}

fn simulate(policy: Policy) -> Outcome {
    // One generator for the workload (same users, same durations whatever
    // the policy), another for power of two choices' draws.
    let mut workload = fastrand::Rng::with_seed(SEED);
    let mut choices = fastrand::Rng::with_seed(SEED + 1);
    let users = user_keys(&mut workload);
    let zipf = Zipf::new(USERS, ZIPF_EXPONENT);
    let ring = HashRing::new(&instance_urls(INSTANCES));
    let candidates: Vec<usize> = (0..INSTANCES).collect();
    let mut caches: Vec<Lru> = (0..INSTANCES)
        .map(|_| Lru::new(CACHE_PER_INSTANCE))
        .collect();
    let mut in_flight = [0usize; INSTANCES];
    let mut finishing = BinaryHeap::new();
    let mut outcome = Outcome::default();
    for now in 0..REQUESTS {
        while let Some(Reverse((end, instance))) = finishing.peek().copied()
            && end <= now
        {
            finishing.pop();
            in_flight[instance] -= 1;
        }
        let user = zipf.sample(&mut workload);
        let work = workload.u64(5..=35);
        let instance = match policy {
            Policy::PowerOfTwoChoices => {
                power_of_two_choices(INSTANCES, |i| in_flight[i], |n| choices.usize(..n))
            }
            Policy::ConsistentHash(balance) => {
                ring.choose(users[user], &candidates, |i| in_flight[i], balance)
            }
        };
        let hit = caches[instance].get_or_load(user, now);
        in_flight[instance] += 1;
        finishing.push(Reverse((now + work + if hit { 0 } else { 30 }, instance)));
        if now >= WARM_UP {
            outcome.requests[instance] += 1;
            outcome.hits[instance] += u64::from(hit);
            outcome.peak_in_flight[instance] =
                outcome.peak_in_flight[instance].max(in_flight[instance]);
        }
    }
    outcome
}

/// The share of keys that change instance when one of `instances` leaves,
/// for each instance leaving in turn, and how many of the moved keys were
/// not on the leaving one (the ring promises none). The shares add up to
/// exactly 1 when it keeps that promise (each key moves when its own
/// instance leaves, and only then): the spread between them is the
/// information, 1/n being their mean.
fn movement(instances: usize, keys: &[RoutingKey]) -> (Vec<f64>, usize) {
    let ring = HashRing::new(&instance_urls(instances));
    let all: Vec<usize> = (0..instances).collect();
    let before: Vec<usize> = keys
        .iter()
        .map(|key| ring.choose(*key, &all, |_| 0, None))
        .collect();
    let mut shares = Vec::new();
    let mut strays = 0;
    for leaving in 0..instances {
        let rest: Vec<usize> = all.iter().copied().filter(|i| *i != leaving).collect();
        let mut moved = 0;
        for (key, before) in keys.iter().zip(&before) {
            let after = rest[ring.choose(*key, &rest, |_| 0, None)];
            if after != *before {
                moved += 1;
                strays += usize::from(*before != leaving);
            }
        }
        shares.push(moved as f64 / keys.len() as f64);
    }
    (shares, strays)
}

fn main() {
    println!("Routing affinity: a simulation (seed {SEED}), not a measurement of the gateway.");
    println!(
        "{USERS} users, Zipf exponent {ZIPF_EXPONENT}; {INSTANCES} instances, each an LRU cache of \
         {CACHE_PER_INSTANCE} users; {REQUESTS} requests, the first {WARM_UP} warming up."
    );
    println!();
    println!("cache hit ratio per instance (share of requests, peak in flight):");
    for (name, policy) in [
        ("power_of_two_choices", Policy::PowerOfTwoChoices),
        ("consistent_hash c=1.25", Policy::ConsistentHash(Some(1.25))),
        ("consistent_hash unbounded", Policy::ConsistentHash(None)),
    ] {
        let outcome = simulate(policy);
        let counted: u64 = outcome.requests.iter().sum();
        let per_instance: Vec<String> = (0..INSTANCES)
            .map(|i| {
                format!(
                    "{:5.1}% ({:4.1}%, {:2})",
                    100.0 * outcome.hits[i] as f64 / outcome.requests[i].max(1) as f64,
                    100.0 * outcome.requests[i] as f64 / counted as f64,
                    outcome.peak_in_flight[i],
                )
            })
            .collect();
        println!(
            "  {name:<26} overall {:5.1}% | {}",
            100.0 * outcome.hit_ratio(),
            per_instance.join(" | ")
        );
    }
    println!();
    println!("keys that move when one instance leaves (plain ring, {USERS} user keys):");
    let keys = user_keys(&mut fastrand::Rng::with_seed(SEED));
    for instances in [3, 10] {
        let (shares, strays) = movement(instances, &keys);
        let least = shares.iter().copied().fold(f64::INFINITY, f64::min);
        let most = shares.iter().copied().fold(0.0, f64::max);
        println!(
            "  1 of {instances:>2}: {:4.1}% to {:4.1}% depending on which (ideal 1/{instances} = {:4.1}%); \
             moved keys that were not on it: {strays}",
            100.0 * least,
            100.0 * most,
            100.0 / instances as f64,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consistent_hashing_hits_the_cache_more_often_than_power_of_two_choices() {
        let p2c = simulate(Policy::PowerOfTwoChoices).hit_ratio();
        let bounded = simulate(Policy::ConsistentHash(Some(1.25))).hit_ratio();
        assert!(bounded > p2c, "consistent_hash {bounded} vs p2c {p2c}");
    }

    #[test]
    fn only_the_leaving_instances_keys_move() {
        let keys = user_keys(&mut fastrand::Rng::with_seed(SEED));
        for instances in [3, 10] {
            let (shares, strays) = movement(instances, &keys);
            assert_eq!(strays, 0);
            let total: f64 = shares.iter().sum();
            assert!((total - 1.0).abs() < 1e-9, "{shares:?}");
        }
    }
}
