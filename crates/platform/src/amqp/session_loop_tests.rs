//! The session loop without a broker: a fake [`Transport`] that always
//! connects, and scripted sessions; plus `connect_until_up` against a
//! closed port, for the observer.

use std::{
    sync::Mutex,
    time::{Duration, Instant},
};

use super::*;
use crate::amqp::connect_until_up;

/// Connects at once (until shutdown) and remembers what happened.
#[derive(Default)]
struct FakeTransport {
    connects: u32,
    closes: u32,
    connect_failures: Vec<String>,
}

impl Transport for FakeTransport {
    type Connection = ();

    async fn connect(&mut self, shutdown: &Shutdown) -> Option<()> {
        if shutdown.is_triggered() {
            return None;
        }
        self.connects += 1;
        Some(())
    }

    async fn close(&mut self, _connection: &()) {
        self.closes += 1;
    }

    async fn connect_failed(&mut self, reason: &str) {
        self.connect_failures.push(reason.to_owned());
    }

    fn name(&self) -> &str {
        "fake"
    }
}

/// Short enough that a test with a few broken sessions stays fast.
const QUICK: Backoff = Backoff {
    base: Duration::from_millis(1),
    max: Duration::from_millis(5),
};

#[tokio::test]
async fn a_session_that_returns_ok_ends_the_loop_after_closing_its_connection() {
    let mut transport = FakeTransport::default();
    let broker = BrokerState::default();

    reconnect_loop(
        &mut transport,
        &broker,
        &Shutdown::new(),
        QUICK,
        |session| {
            session.established();
            std::future::ready(Ok::<(), String>(()))
        },
    )
    .await;

    assert_eq!((transport.connects, transport.closes), (1, 1));
    assert!(
        !broker.is_connected(),
        "readiness goes down with the session"
    );
}

#[tokio::test]
async fn broken_sessions_reconnect_until_one_ends_with_shutdown() {
    let mut transport = FakeTransport::default();
    let broker = BrokerState::default();
    let mut sessions = 0;

    reconnect_loop(&mut transport, &broker, &Shutdown::new(), QUICK, |_| {
        sessions += 1;
        std::future::ready(if sessions < 4 {
            Err(format!("refused #{sessions}"))
        } else {
            Ok(())
        })
    })
    .await;

    assert_eq!((transport.connects, transport.closes), (4, 4));
    assert_eq!(
        transport.connect_failures,
        ["refused #1", "refused #2", "refused #3"],
        "a session broken before it was established is a failed connect"
    );
}

#[tokio::test]
async fn a_break_after_the_session_was_established_is_not_a_connect_failure() {
    let mut transport = FakeTransport::default();
    let broker = BrokerState::default();
    let seen_connected = Mutex::new(Vec::new());
    let mut sessions = 0;

    reconnect_loop(
        &mut transport,
        &broker,
        &Shutdown::new(),
        QUICK,
        |session| {
            sessions += 1;
            session.established();
            seen_connected
                .lock()
                .expect("not poisoned")
                .push(broker.is_connected());
            std::future::ready(if sessions == 1 {
                Err("connection reset")
            } else {
                Ok(())
            })
        },
    )
    .await;

    assert!(transport.connect_failures.is_empty());
    assert_eq!(*seen_connected.lock().expect("not poisoned"), [true, true]);
    assert!(!broker.is_connected());
}

#[tokio::test]
async fn shutdown_during_the_backoff_ends_the_loop_at_once() {
    let mut transport = FakeTransport::default();
    let shutdown = Shutdown::new();
    let patient = Backoff {
        base: Duration::from_secs(600),
        max: Duration::from_secs(600),
    };
    let trigger = shutdown.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        trigger.trigger();
    });
    let started = Instant::now();

    let stopped = tokio::time::timeout(
        Duration::from_secs(5),
        reconnect_loop(
            &mut transport,
            &BrokerState::default(),
            &shutdown,
            patient,
            |_| std::future::ready(Err::<(), _>("refused")),
        ),
    )
    .await;

    assert!(stopped.is_ok(), "the loop waited out its backoff");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn each_unhealthy_session_raises_the_retry_number_up_to_a_cap() {
    let mut backoff = SessionBackoff { failures: 0 };
    let retries: Vec<_> = (0..20)
        .map(|_| backoff.next_retry(false, Duration::ZERO))
        .collect();
    assert_eq!(&retries[..4], [0, 1, 2, 3]);
    assert_eq!(retries[19], 16, "capped: the shift never overflows");
}

#[test]
fn an_established_or_long_session_starts_the_backoff_afresh() {
    let mut backoff = SessionBackoff { failures: 0 };
    for _ in 0..5 {
        backoff.next_retry(false, Duration::ZERO);
    }
    assert_eq!(backoff.next_retry(true, Duration::ZERO), 0);
    assert_eq!(backoff.next_retry(false, Duration::ZERO), 1);
    assert_eq!(backoff.next_retry(false, HEALTHY_AFTER), 0);
}

/// Remembers each failure it is told about.
#[derive(Default)]
struct RecordingObserver(Mutex<Vec<String>>);

impl ConnectionObserver for RecordingObserver {
    fn connect_failed(&self, reason: &str) -> impl Future<Output = ()> + Send {
        self.0.lock().expect("not poisoned").push(reason.to_owned());
        std::future::ready(())
    }
}

#[tokio::test]
async fn connect_until_up_tells_the_observer_each_failed_attempt_and_stops_on_shutdown() {
    // A port nobody listens on: bound, then released.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let settings = AmqpSettings {
        url: format!("amqp://guest:guest@127.0.0.1:{port}/%2f").into(),
        reconnect_max_delay_ms: 100,
        ..AmqpSettings::default()
    };
    let observer = RecordingObserver::default();
    let shutdown = Shutdown::new();
    let trigger = shutdown.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(500)).await;
        trigger.trigger();
    });

    let connection = connect_until_up(&settings, "closed-port", &shutdown, &observer).await;

    assert!(connection.is_none(), "shutdown, not a connection");
    let failures = observer.0.lock().expect("not poisoned");
    assert!(failures.len() >= 2, "retried: {failures:?}");
    assert!(failures.iter().all(|reason| !reason.is_empty()));
}
