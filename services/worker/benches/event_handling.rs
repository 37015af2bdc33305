//! The CPU side of handling one event, without any I/O: what the worker
//! spends per message before it talks to Postgres or a mail server.
//!
//! `decode` is the first thing every delivery goes through; the audit
//! handler adds `redacted_payload`, the email handler `compose` (which opens
//! the sealed link token). `encode` is
//! the publisher's side, as a baseline to read the others against.
//! Run: `cargo bench -p capstone-worker`.

use std::{hint::black_box, sync::Arc};

use capstone_contracts::events::Envelope;
use capstone_platform::{
    sealing::{Sealer, SealingSettings},
    settings::Environment,
};
use capstone_worker::{
    email::{EmailSettings, Mailer},
    testing::{EmailDirectory, events},
};
use criterion::{Criterion, criterion_group, criterion_main};

fn envelope(c: &mut Criterion) {
    let envelope = events::registered("ada.lovelace@example.com");
    let bytes = envelope.encode();
    let mut group = c.benchmark_group("envelope");
    group.bench_function("encode (baseline)", |b| {
        b.iter(|| black_box(envelope.encode()))
    });
    group.bench_function("decode", |b| {
        b.iter(|| black_box(Envelope::decode(black_box(&bytes)).expect("decodes")))
    });
    group.bench_function("redacted_payload", |b| {
        b.iter(|| black_box(envelope.redacted_payload()))
    });
    group.finish();
}

fn email(c: &mut Criterion) {
    // The file sink creates its directory once, here, outside the measured
    // loop; compose itself touches no file.
    let directory = EmailDirectory::new();
    let settings = EmailSettings {
        directory: directory.path.clone(),
        ..EmailSettings::default()
    };
    // The development key, as in the samples: compose opens the sealed
    // link token (ChaCha20-Poly1305) as part of its work.
    let sealer = Sealer::from_settings(&SealingSettings::default(), Environment::Development)
        .expect("the development key");
    let mailer = Mailer::new(&settings, Arc::new(sealer)).expect("a mailer");
    let envelope = events::registered("ada.lovelace@example.com");
    c.bench_function("email/compose user.registered", |b| {
        b.iter(|| black_box(mailer.compose(black_box(&envelope)).expect("composes")))
    });
}

criterion_group!(benches, envelope, email);
criterion_main!(benches);
