//! What a password costs at the configured argon2id parameters (the defaults:
//! OWASP's 19 MiB, 2 passes, 1 lane), against a plain SHA-256 of the same
//! password as the baseline. The ratio is the point: each guess an attacker
//! makes against a stolen hash costs them that many times more than against
//! a fast hash. Run: `cargo bench -p capstone-users --bench password_hashing`.

use std::hint::black_box;

use capstone_users::auth::{Argon2Settings, PasswordHasher};
use criterion::{Criterion, criterion_group, criterion_main};
use sha2::{Digest, Sha256};

const PASSWORD: &str = "correct horse battery staple";

fn password_hashing(c: &mut Criterion) {
    let hasher = PasswordHasher::new(&Argon2Settings::default()).expect("default parameters");
    let stored = hasher.hash_blocking(PASSWORD).expect("hash");

    let mut group = c.benchmark_group("password");
    group.sample_size(20);
    group.bench_function("baseline: sha256", |b| {
        b.iter(|| black_box(Sha256::digest(black_box(PASSWORD).as_bytes())))
    });
    group.bench_function("argon2id hash (default cost)", |b| {
        b.iter(|| black_box(hasher.hash_blocking(black_box(PASSWORD)).expect("hash")))
    });
    group.bench_function("argon2id verify (default cost)", |b| {
        b.iter(|| black_box(hasher.verify_blocking(black_box(PASSWORD), &stored)))
    });
    group.finish();
}

criterion_group!(benches, password_hashing);
criterion_main!(benches);
