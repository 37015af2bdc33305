//! When the worker's own database goes away, messages wait for it: the
//! consumers pause, hand back what they hold without spending a retry, and
//! resume once Postgres answers again. Retries and dead letters are for
//! messages that fail, not for outages.

use capstone_platform::service::ServiceSettings as _;
use std::net::SocketAddr;

use capstone_platform::testing::{CuttableProxy, Exposition};
use capstone_worker::{
    Concern, Settings,
    metrics::{CONSUMER_PAUSED, CONSUMER_PAUSES_TOTAL, MESSAGES_RETRIED_TOTAL},
    testing::{PATIENCE, TEST_RETRY_DELAYS_MS, TestBroker, TestWorker, events, eventually},
};
use serde_json::Value;
use url::Url;

/// The database server the test databases live on (host and port of the
/// configured URL).
fn database_server() -> SocketAddr {
    let settings = Settings::load(None).expect("settings load");
    let url = settings
        .worker
        .database
        .parsed_url()
        .expect("a database URL");
    url.socket_addrs(|| Some(5432)).expect("resolves")[0]
}

/// `settings`' database URL pointed at `proxy` instead of the server.
fn through(settings: &mut Settings, proxy: SocketAddr) {
    let mut url: Url = settings
        .worker
        .database
        .parsed_url()
        .expect("a database URL");
    url.set_ip_host(proxy.ip()).expect("an IP host");
    url.set_port(Some(proxy.port())).expect("a port");
    settings.worker.database.url = url.to_string().into();
}

/// `/health/ready`'s HTTP status and what it says about Postgres.
async fn readiness(worker: &TestWorker) -> Option<(u16, String)> {
    let response = reqwest::get(format!("{}/health/ready", worker.address))
        .await
        .ok()?;
    let status = response.status().as_u16();
    let report: Value = response.json().await.ok()?;
    let postgres = report["checks"]["postgres"]["status"].as_str()?.to_owned();
    Some((status, postgres))
}

/// `metric` summed over the series of `queue`.
async fn metric(worker: &TestWorker, metric: &str, queue: &str) -> f64 {
    let text = reqwest::get(format!("{}/metrics", worker.address))
        .await
        .expect("scraped")
        .text()
        .await
        .expect("a body");
    let scraped = Exposition::parse(&text).expect("valid exposition");
    scraped.sum(metric, &[("queue", queue)])
}

// ANCHOR: database_outage
#[tokio::test]
async fn a_database_outage_longer_than_every_retry_delay_loses_nothing_and_dead_letters_nothing() {
    // Arrange: the worker reaches Postgres through a proxy the test can cut.
    let database = CuttableProxy::start(database_server()).await;
    let proxy = database.address();
    let worker = TestWorker::spawn_with(
        TestBroker::new(),
        |settings| through(settings, proxy),
        |h| h,
    )
    .await;
    let worker = &worker;
    let audit = worker.topology().queues(Concern::Audit).work.clone();
    let audit = audit.as_str();
    worker
        .broker
        .publish(&events::registered("first@example.com"))
        .await;
    eventually("the first event", PATIENCE, move || async move {
        (worker.audit_count().await == 1).then_some(())
    })
    .await;

    // Act: cut the database, publish, and keep it away for longer than the
    // whole retry path (200 + 400 + 800 ms) would take.
    database.cut();
    let during: Vec<_> = (0..5)
        .map(|n| events::registered(&format!("user{n}@example.com")))
        .collect();
    worker.broker.publish_all(&during).await;
    let all_retries: u64 = TEST_RETRY_DELAYS_MS.iter().sum();
    let outage = std::time::Duration::from_millis(all_retries * 3);
    let deadline = tokio::time::Instant::now() + outage;
    eventually(
        "readiness to see Postgres down",
        PATIENCE,
        move || async move { (readiness(worker).await? == (503, "down".to_owned())).then_some(()) },
    )
    .await;
    eventually(
        "the audit consumer to pause",
        PATIENCE,
        move || async move { (metric(worker, CONSUMER_PAUSED, audit).await == 1.0).then_some(()) },
    )
    .await;
    tokio::time::sleep_until(deadline).await;
    database.restore();

    // Assert: every event applied exactly once, nothing dead-lettered.
    eventually(
        "every event after the outage",
        PATIENCE,
        move || async move {
            (worker.audit_count().await == 6 && worker.emails.files().len() == 6).then_some(())
        },
    )
    .await;
    for envelope in &during {
        let user_id = envelope.event.user_id();
        assert_eq!(worker.audit_entries(user_id).await.len(), 1, "{user_id}");
        assert_eq!(worker.processed_count(Concern::Email, envelope.id).await, 1);
        assert!(worker.emails.read(envelope.id).is_some(), "{}", envelope.id);
    }
    for concern in Concern::ALL {
        let queues = worker.topology().queues(concern).clone();
        assert_eq!(
            worker.broker.queue_length(&queues.dead_letters).await,
            0,
            "{concern}: nothing dead-lettered"
        );
    }
    assert_eq!(readiness(worker).await, Some((200, "up".to_owned())));
    assert_eq!(metric(worker, CONSUMER_PAUSED, audit).await, 0.0);
    assert!(metric(worker, CONSUMER_PAUSES_TOTAL, audit).await >= 1.0);
    assert_eq!(
        metric(worker, MESSAGES_RETRIED_TOTAL, audit).await,
        0.0,
        "the outage spent no retry"
    );
}
// ANCHOR_END: database_outage
