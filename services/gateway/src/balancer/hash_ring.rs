//! Consistent hashing with bounded loads: the same user reaches the same
//! instance (whose in-process cache already holds them), and an instance
//! that leaves or joins moves only the users it had or takes.
//!
//! Each instance owns [`VIRTUAL_NODES`] points on a ring of `u64`s, hashed
//! from `"<instance url>#<i>"`. A key is hashed onto the ring too, and is
//! served by the owner of the first point at or after it, going clockwise.
//! Only *candidates* count (the instances `Upstream::pick` found available
//! and, on a retry, not yet tried): the walk steps over the points of the
//! others. That is what keeps movement minimal: when an instance leaves,
//! only the keys that landed on its points walk on to the next owner, and
//! every other key still meets its own instance first.
//!
//! Bounded loads (Mirrokni, Thorup and Zadimoghaddam, "Consistent Hashing
//! with Bounded Loads", 2017) add one rule to the walk: a candidate already
//! at its capacity, ⌈c · (requests in flight + 1) / candidates⌉, is stepped
//! over like an unavailable one. A hot user, or an unlucky arc of the ring,
//! then spills onto the next instances clockwise instead of piling up on one.
//!
//! The tests are `hash_ring_tests.rs`, beside this file, declared by the
//! parent so that they see only the public API: this module is also a kata
//! (`katas/hash_ring.rs` has the same API).

// ANCHOR: stable_hash
/// FNV-1a over the bytes, then MurmurHash3's 64-bit finaliser.
///
/// Every gateway process, whatever its Rust version, must put a key and an
/// instance on the same point, or two gateways would send one user to two
/// instances: `std`'s `DefaultHasher` promises no such stability, this
/// arithmetic does (a unit test pins its values). FNV-1a alone mixes the
/// last bytes of short, similar strings (`…:8081/#17`, `…:8081/#18`) poorly
/// into the high bits, which decide where a point lands; the finaliser
/// makes every input bit affect every output bit.
pub fn stable_hash(bytes: &[u8]) -> u64 {
    const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut hash = FNV_OFFSET;
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(FNV_PRIME);
    }
    hash ^= hash >> 33;
    hash = hash.wrapping_mul(0xff51_afd7_ed55_8ccd);
    hash ^= hash >> 33;
    hash = hash.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    hash ^ (hash >> 33)
}
// ANCHOR_END: stable_hash

/// Points per instance. With v points an instance's share of the ring
/// deviates from 1/n by about 1/√v of itself (the sum of v arcs rather than
/// one): ±8% at 160, the number ketama (memcached's client) settled on. More
/// points would even it out further for a larger ring and a longer binary
/// search; 160 × 30 instances is 4 800 points, 13 steps.
pub const VIRTUAL_NODES: usize = 160;

/// What a request is routed by, hashed once per request (not per retry).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RoutingKey(u64);

impl RoutingKey {
    /// The key for these bytes (a user id's 16 bytes, in the gateway).
    pub fn new(bytes: &[u8]) -> Self {
        Self(stable_hash(bytes))
    }

    /// The key that lands on `point` of the ring, as if its bytes hashed
    /// there: tests and worked examples place keys by hand.
    pub fn at_point(point: u64) -> Self {
        Self(point)
    }
}

/// The ring of an upstream's instances, built once from their URLs.
#[derive(Debug, Clone)]
pub struct HashRing {
    /// (point, instance index), sorted by point.
    points: Vec<(u64, usize)>,
}

impl HashRing {
    /// A ring with [`VIRTUAL_NODES`] points per instance; an instance's index
    /// is its position in `instances`.
    pub fn new<S: AsRef<str>>(instances: &[S]) -> Self {
        Self::with_virtual_nodes(instances, VIRTUAL_NODES)
    }

    /// A ring with `virtual_nodes` points per instance: point `i` of the
    /// instance at `url` is [`stable_hash`] of `"<url>#<i>"`.
    pub fn with_virtual_nodes<S: AsRef<str>>(instances: &[S], virtual_nodes: usize) -> Self {
        let mut points: Vec<(u64, usize)> = instances
            .iter()
            .enumerate()
            .flat_map(|(index, url)| {
                (0..virtual_nodes).map(move |i| {
                    let point = stable_hash(format!("{}#{i}", url.as_ref()).as_bytes());
                    (point, index)
                })
            })
            .collect();
        // Points depend on URLs only, so gateways configured with the same
        // instances in another order build the same ring; on a (vanishingly
        // rare) collision the URL decides, for the same reason.
        points.sort_unstable_by(|a, b| {
            a.0.cmp(&b.0)
                .then_with(|| instances[a.1].as_ref().cmp(instances[b.1].as_ref()))
                .then_with(|| a.1.cmp(&b.1))
        });
        Self { points }
    }

    /// A ring with exactly these `(point, instance index)` pairs, given in
    /// any order: what tests and worked examples use to put points at known
    /// places. On a shared point the lower index comes first.
    pub fn from_points(mut points: Vec<(u64, usize)>) -> Self {
        points.sort_unstable();
        Self { points }
    }

    // ANCHOR: choose
    /// The candidate that serves `key`: the owner of the first point at or
    /// after the key's, clockwise, among `candidates` (instance indices, in
    /// any order). With `balance = Some(c)`, a candidate whose `load` (its
    /// requests in flight; `load(i)` is about `candidates[i]`) has reached
    /// [`capacity`] is stepped over too. Returns a position in `candidates`,
    /// like the functions in [`super::choice`] (0 when there are none).
    pub fn choose(
        &self,
        key: RoutingKey,
        candidates: &[usize],
        load: impl Fn(usize) -> usize,
        balance: Option<f64>,
    ) -> usize {
        let capacity = balance.map(|factor| {
            let in_flight = (0..candidates.len()).map(&load).sum();
            capacity(factor, candidates.len(), in_flight)
        });
        // The first point at or after the key; past the last, the first.
        let start = self.points.partition_point(|(point, _)| *point < key.0);
        let mut home = None;
        for step in 0..self.points.len() {
            let (_, instance) = self.points[(start + step) % self.points.len()];
            let Some(position) = candidates.iter().position(|c| *c == instance) else {
                continue;
            };
            match capacity {
                Some(capacity) if load(position) >= capacity => {
                    home.get_or_insert(position);
                }
                _ => return position,
            }
        }
        // Some candidate is always under capacity (n · capacity ≥ c · (m + 1)
        // > m), unless the loads, other requests' live counters, changed
        // during the walk: then the key's own instance.
        home.unwrap_or(0)
    }
    // ANCHOR_END: choose
}

/// A candidate's capacity: ⌈c · (m + 1) / n⌉ for m requests in flight over
/// n candidates, the + 1 being the request being placed. Whatever the
/// loads, some candidate is below it, and none is ever pushed past it.
pub fn capacity(factor: f64, candidates: usize, in_flight: usize) -> usize {
    let average = (in_flight + 1) as f64 / candidates.max(1) as f64;
    (factor * average).ceil() as usize
}
