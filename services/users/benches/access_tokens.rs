//! What an access token costs to issue (users service, at login and refresh)
//! and to verify (every authenticated request, in every service). Baseline:
//! serialising the same claims to JSON, the part no token format avoids.
//! Run: `cargo bench -p capstone-users --bench access_tokens`.

use std::hint::black_box;

use capstone_platform::access_token::SigningKey;
use capstone_users::{auth::AccessTokenIssuer, domain::Role};
use criterion::{Criterion, criterion_group, criterion_main};

fn access_tokens(c: &mut Criterion) {
    let key = SigningKey::generate("bench").expect("key");
    let issuer =
        AccessTokenIssuer::new(vec![key], "capstone-users", "capstone", 900).expect("issuer");
    let verifier = issuer.verifier().expect("verifier");
    let issued = issuer
        .issue_for(uuid::Uuid::now_v7(), Role::User, 0)
        .expect("token");

    let mut group = c.benchmark_group("access_token");
    group.bench_function("baseline: claims to JSON", |b| {
        b.iter(|| black_box(serde_json::to_vec(black_box(&issued.claims)).expect("json")))
    });
    group.bench_function("issue (EdDSA sign)", |b| {
        b.iter(|| {
            black_box(
                issuer
                    .issue_for(uuid::Uuid::now_v7(), Role::User, 0)
                    .expect("token"),
            )
        })
    });
    group.bench_function("verify (EdDSA, kid, exp/nbf/iss/aud)", |b| {
        b.iter(|| black_box(verifier.verify(black_box(&issued.token)).expect("valid")))
    });
    group.finish();
}

criterion_group!(benches, access_tokens);
criterion_main!(benches);
