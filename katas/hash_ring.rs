//! Kata: consistent hashing with bounded loads. Write the bodies below.
//!
//! With the feature `kata-hash-ring` this file replaces the gateway's
//! `balancer::hash_ring` module: every upstream pool with
//! `strategy = "consistent_hash"` routes its signed-in users with your
//! [`HashRing`]. Grade it with `bash katas/grade.sh hash-ring`; the tests
//! that grade it are in `services/gateway/src/balancer/hash_ring_tests.rs`,
//! and the idea is explained in the book (docs/src/algorithms.md,
//! "Consistent hashing with bounded loads").
//!
//! Each instance owns [`VIRTUAL_NODES`] points on a ring of `u64`s, hashed
//! from `"<instance url>#<i>"`. A key is hashed onto the ring too, and is
//! served by the owner of the first point at or after it, going clockwise.
//! Only *candidates* count (the instances available for this request): the
//! walk steps over the points of the others, which is what keeps movement
//! minimal when an instance leaves or joins. With bounded loads, a candidate
//! already at its [`capacity`] is stepped over too.

// Your parameters are unused until you write the bodies: delete this line
// once you have, and the compiler will point at any you forgot.
#![allow(unused_variables)]

/// FNV-1a over the bytes, then MurmurHash3's 64-bit finaliser.
///
/// Every gateway process must put a key and an instance on the same point,
/// so this exact function is part of the contract (a test pins its values):
///
/// 1. FNV-1a, 64 bits: start from `0xcbf2_9ce4_8422_2325`; for each byte,
///    XOR it in, then multiply by `0x0000_0100_0000_01b3` (wrapping).
/// 2. The finaliser (`fmix64`): `h ^= h >> 33; h *= 0xff51_afd7_ed55_8ccd;
///    h ^= h >> 33; h *= 0xc4ce_b9fe_1a85_ec53; h ^= h >> 33` (the
///    multiplications wrapping).
pub fn stable_hash(bytes: &[u8]) -> u64 {
    unimplemented!("kata hash-ring: stable_hash (katas/hash_ring.rs)")
}

/// Points per instance. (Given: the tests' statistical tolerances are
/// derived from it.)
pub const VIRTUAL_NODES: usize = 160;

/// What a request is routed by, hashed once per request (not per retry).
/// (Given: `self.0` is the key's point on the ring.)
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
    // Your fields: the points, each with the index of the instance that owns
    // it, kept in an order that lets `choose` find a key's place quickly.
}

impl HashRing {
    /// A ring with [`VIRTUAL_NODES`] points per instance; an instance's index
    /// is its position in `instances`. (Given.)
    pub fn new<S: AsRef<str>>(instances: &[S]) -> Self {
        Self::with_virtual_nodes(instances, VIRTUAL_NODES)
    }

    /// A ring with `virtual_nodes` points per instance: point `i` of the
    /// instance at `url` is `stable_hash` of `"<url>#<i>"`. Two gateways
    /// configured with the same URLs in another order must route every key
    /// to the same URL: let the point decide, and on a (vanishingly rare)
    /// collision the URL, never the position in `instances`.
    pub fn with_virtual_nodes<S: AsRef<str>>(instances: &[S], virtual_nodes: usize) -> Self {
        unimplemented!("kata hash-ring: HashRing::with_virtual_nodes (katas/hash_ring.rs)")
    }

    /// A ring with exactly these `(point, instance index)` pairs, given in
    /// any order: what tests and worked examples use to put points at known
    /// places. On a shared point the lower index comes first.
    pub fn from_points(points: Vec<(u64, usize)>) -> Self {
        unimplemented!("kata hash-ring: HashRing::from_points (katas/hash_ring.rs)")
    }

    /// The candidate that serves `key`: the owner of the first point at or
    /// after the key's, clockwise (past the last point, the first), among
    /// `candidates` (instance indices, in any order). Returns a *position in
    /// `candidates`*, not an instance index.
    ///
    /// With `balance = Some(c)`, a candidate whose `load` has reached
    /// [`capacity`]`(c, candidates.len(), m)` is stepped over too, `m` being
    /// the sum of the candidates' loads; `load(i)` is the requests in flight
    /// on `candidates[i]`. Should every candidate be at capacity (the loads
    /// are live counters that other requests change during the walk), return
    /// the key's own candidate, the one the walk met first. With no
    /// candidates, return 0, like the other choice functions.
    pub fn choose(
        &self,
        key: RoutingKey,
        candidates: &[usize],
        load: impl Fn(usize) -> usize,
        balance: Option<f64>,
    ) -> usize {
        unimplemented!("kata hash-ring: HashRing::choose (katas/hash_ring.rs)")
    }
}

/// A candidate's capacity: ⌈c · (m + 1) / n⌉ for `in_flight` (m) requests
/// over `candidates` (n, counted as 1 if 0), the + 1 being the request
/// being placed.
pub fn capacity(factor: f64, candidates: usize, in_flight: usize) -> usize {
    unimplemented!("kata hash-ring: capacity (katas/hash_ring.rs)")
}
