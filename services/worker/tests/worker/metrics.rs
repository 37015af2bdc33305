//! `/metrics` on the worker's health port: valid Prometheus text, messages
//! consumed, retried and dead-lettered per queue, handler latency, and the
//! broker connection. Every test has its own broker prefix, so its queue
//! names (the `queue` label) are its own and the counts are exact.

use std::sync::Arc;

use capstone_platform::{
    metrics::{
        self as shared,
        names::{AMQP_CONNECTED, DB_POOL_MAX_CONNECTIONS},
    },
    testing::Exposition,
};
use capstone_worker::{
    Concern,
    metrics::{
        self as worker_metrics, HANDLER_DURATION_SECONDS, MESSAGES_CONSUMED_TOTAL,
        MESSAGES_DEAD_LETTERED_TOTAL, MESSAGES_RETRIED_TOTAL,
    },
    testing::{PATIENCE, TestBroker, TestWorker, events, eventually},
};
use lapin::BasicProperties;

use crate::helpers::{Flaky, wrap};

async fn scrape(worker: &TestWorker) -> Exposition {
    let response = reqwest::get(format!("{}/metrics", worker.address))
        .await
        .expect("request sent");
    assert_eq!(response.status(), 200);
    let text = response.text().await.expect("a body");
    Exposition::parse(&text).unwrap_or_else(|error| panic!("{error}\n{text}"))
}

/// Scrapes until `condition` holds for a scrape, and returns that scrape.
async fn scrape_until(
    worker: &TestWorker,
    what: &str,
    condition: impl Fn(&Exposition) -> bool,
) -> Exposition {
    let condition = &condition;
    eventually(what, PATIENCE, move || async move {
        Some(scrape(worker).await).filter(condition)
    })
    .await
}

#[tokio::test]
async fn metrics_are_valid_prometheus_text_and_show_the_broker_connected() {
    let worker = TestWorker::spawn().await;

    let scraped = scrape_until(&worker, "the broker connection", |scraped| {
        scraped.sum(AMQP_CONNECTED, &[]) == 1.0
    })
    .await;

    let names = [shared::NAMES, worker_metrics::NAMES].concat();
    scraped
        .check_conventions(worker_metrics::SERVICE, &names)
        .unwrap_or_else(|problems| panic!("{problems}"));
    let max_connections = worker.settings.worker.database.max_connections as f64;
    assert_eq!(scraped.sum(DB_POOL_MAX_CONNECTIONS, &[]), max_connections);
}

#[tokio::test]
async fn a_handled_event_counts_as_consumed_in_each_queue_and_times_its_handler() {
    let worker = TestWorker::spawn().await;
    let topology = worker.topology();
    let audit = topology.queues(Concern::Audit).work.clone();
    let email = topology.queues(Concern::Email).work.clone();

    worker
        .broker
        .publish(&events::registered("ada@example.com"))
        .await;

    let consumed = |scraped: &Exposition, queue: &str| {
        scraped.sum(MESSAGES_CONSUMED_TOTAL, &[("queue", queue)])
    };
    let handled = |scraped: &Exposition, queue: &str| {
        let series = [("queue", queue), ("result", "ok")];
        scraped.sum(&format!("{HANDLER_DURATION_SECONDS}_count"), &series)
    };
    let scraped = scrape_until(&worker, "both handlers to finish", |scraped| {
        handled(scraped, &audit) == 1.0 && handled(scraped, &email) == 1.0
    })
    .await;
    assert_eq!(consumed(&scraped, &audit), 1.0);
    assert_eq!(consumed(&scraped, &email), 1.0);
    assert_eq!(
        scraped.sum(MESSAGES_DEAD_LETTERED_TOTAL, &[("queue", &audit)]),
        0.0
    );
}

#[tokio::test]
async fn a_poison_message_counts_as_dead_lettered_with_its_reason() {
    let worker = TestWorker::spawn().await;
    let audit = worker.topology().queues(Concern::Audit).work.clone();
    let garbage = BasicProperties::default().with_message_id("garbage".into());

    worker
        .broker
        .publish_raw("user.deleted", b"\x00 not json", garbage)
        .await;

    let poison = [("queue", audit.as_str()), ("reason", "poison")];
    let scraped = scrape_until(&worker, "the dead letter to be counted", |scraped| {
        scraped.sum(MESSAGES_DEAD_LETTERED_TOTAL, &poison) == 1.0
    })
    .await;
    assert_eq!(
        scraped.sum(MESSAGES_CONSUMED_TOTAL, &[("queue", &audit)]),
        1.0
    );
    let timed = [("queue", audit.as_str())];
    assert_eq!(
        scraped.sum(&format!("{HANDLER_DURATION_SECONDS}_count"), &timed),
        0.0,
        "an undecodable message never reaches a handler"
    );
}

#[tokio::test]
async fn a_transient_failure_counts_a_retry_then_a_second_consumption() {
    let broker = TestBroker::new();
    let worker = TestWorker::spawn_with(
        broker,
        |_| {},
        wrap(Concern::Audit, |inner| Arc::new(Flaky::new(inner, 1))),
    )
    .await;
    let audit = worker.topology().queues(Concern::Audit).work.clone();

    worker
        .broker
        .publish(&events::registered("ada@example.com"))
        .await;

    let queue = [("queue", audit.as_str())];
    let scraped = scrape_until(&worker, "the retried event to be handled", |scraped| {
        let series = [("queue", audit.as_str()), ("result", "ok")];
        scraped.sum(&format!("{HANDLER_DURATION_SECONDS}_count"), &series) == 1.0
    })
    .await;
    assert_eq!(scraped.sum(MESSAGES_RETRIED_TOTAL, &queue), 1.0);
    assert_eq!(scraped.sum(MESSAGES_CONSUMED_TOTAL, &queue), 2.0);
    let failed = [("queue", audit.as_str()), ("result", "transient")];
    assert_eq!(
        scraped.sum(&format!("{HANDLER_DURATION_SECONDS}_count"), &failed),
        1.0
    );
}
