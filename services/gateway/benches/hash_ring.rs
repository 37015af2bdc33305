//! One consistent-hashing choice, timed: a binary search on the ring and a
//! short walk clockwise, over 3 and 30 instances, with and without bounded
//! loads (which add a sum of the candidates' loads and a capacity check per
//! step), against power of two choices over the same candidates.
//! Run: `cargo bench -p capstone-gateway --bench hash_ring`.

use std::hint::black_box;

use capstone_gateway::balancer::{
    choice::power_of_two_choices,
    hash_ring::{HashRing, RoutingKey},
};
use criterion::{Criterion, criterion_group, criterion_main};

fn lookup(c: &mut Criterion) {
    let mut group = c.benchmark_group("hash_ring_choose");
    for instances in [3usize, 30] {
        let urls: Vec<String> = (0..instances)
            .map(|i| format!("http://10.0.0.{i}:8081/"))
            .collect();
        let ring = HashRing::new(&urls);
        let candidates: Vec<usize> = (0..instances).collect();
        // Uneven loads, so the bound has something to check against.
        let loads: Vec<usize> = (0..instances).map(|i| (i * 7) % 5).collect();
        // A fresh key per iteration: the walk's start varies as in traffic.
        let keys: Vec<RoutingKey> = (0u64..1024)
            .map(|n| RoutingKey::new(&n.to_le_bytes()))
            .collect();
        for (name, balance) in [("plain", None), ("bounded_1.25", Some(1.25))] {
            let mut next = 0;
            group.bench_function(format!("{instances}_instances/{name}"), |b| {
                b.iter(|| {
                    next = (next + 1) % keys.len();
                    ring.choose(
                        black_box(keys[next]),
                        black_box(&candidates),
                        |i| loads[i],
                        balance,
                    )
                })
            });
        }
        group.bench_function(format!("{instances}_instances/p2c"), |b| {
            b.iter(|| {
                power_of_two_choices(
                    black_box(candidates.len()),
                    |i| loads[i],
                    |n| fastrand::usize(..n),
                )
            })
        });
    }
    group.finish();
}

criterion_group!(benches, lookup);
criterion_main!(benches);
