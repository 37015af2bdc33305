//! Events per second through the worker, against the real RabbitMQ and
//! Postgres: what the broker, the consumer and the handlers add on top of
//! the database work itself.
//!
//! | bench | measures |
//! |---|---|
//! | `append directly (baseline)` | 200 audit appends (idempotency row + audit row, one transaction each), 8 at a time: the floor, no broker |
//! | `publish → audit rows` | 200 events published in one confirmed batch, until the worker has written all 200 audit rows (the email consumer handles them at the same time) |
//!
//! Read the second against the first: the ratio is the cost of going
//! through the broker, whatever the machine. Needs the dev services
//! (`scripts/dev-services.sh`). Run: `cargo bench -p capstone-worker --bench pipeline`.

use std::time::{Duration, Instant};

use capstone_contracts::events::Envelope;
use capstone_worker::{
    repo::AuditLog,
    testing::{TestWorker, events},
};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use futures_util::{StreamExt, stream};

const EVENTS: usize = 200;

fn batch() -> Vec<Envelope> {
    (0..EVENTS)
        .map(|n| events::registered(&format!("user{n}@example.com")))
        .collect()
}

fn pipeline(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let worker = runtime.block_on(TestWorker::spawn());
    let audit = AuditLog::new(worker.pool.clone());
    let concurrency = worker.settings.worker.concurrency;

    let mut group = c.benchmark_group(format!("audit {EVENTS} events"));
    group.sample_size(10);
    group.throughput(Throughput::Elements(EVENTS as u64));
    group.bench_function("append directly (baseline)", |b| {
        b.iter_custom(|iterations| {
            runtime.block_on(async {
                let mut total = Duration::ZERO;
                for _ in 0..iterations {
                    let envelopes = batch();
                    let started = Instant::now();
                    stream::iter(&envelopes)
                        .for_each_concurrent(concurrency, |envelope| {
                            let audit = &audit;
                            async move {
                                audit.append(envelope).await.expect("appended");
                            }
                        })
                        .await;
                    total += started.elapsed();
                }
                total
            })
        });
    });
    group.bench_function("publish → audit rows", |b| {
        b.iter_custom(|iterations| {
            runtime.block_on(async {
                let mut total = Duration::ZERO;
                for _ in 0..iterations {
                    let envelopes = batch();
                    let target = worker.audit_count().await + EVENTS as i64;
                    let started = Instant::now();
                    worker.broker.publish_all(&envelopes).await;
                    while worker.audit_count().await < target {
                        tokio::time::sleep(Duration::from_millis(2)).await;
                    }
                    total += started.elapsed();
                }
                total
            })
        });
    });
    group.finish();
    runtime.block_on(async move {
        let mut worker = worker;
        worker.stop().await.expect("the worker stops");
    });
}

criterion_group!(benches, pipeline);
criterion_main!(benches);
