//! `rediss://` against a real TLS Redis: a second `redis-server` started by
//! the test (TLS port only, a certificate from a throwaway CA), killed when
//! the test ends. Skipped, saying so, where no `redis-server` is installed
//! (GitHub Actions runs Redis as a container).

use std::{
    net::{Ipv4Addr, TcpListener, TcpStream},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use super::build_client;
use crate::{redis::LazyRedis, settings::RedisSettings, testing::TestCa};

/// A `redis-server` listening for TLS on 127.0.0.1; killed on drop.
struct TlsRedisServer {
    process: Child,
    port: u16,
}

impl TlsRedisServer {
    /// `None` when `redis-server` is not installed.
    fn start(ca: &TestCa) -> Option<Self> {
        let port = free_port();
        let spawned = Command::new("redis-server")
            .args(["--port", "0", "--bind", "127.0.0.1"])
            .args(["--tls-port", &port.to_string()])
            .arg("--tls-cert-file")
            .arg(ca.server_certificate_file())
            .arg("--tls-key-file")
            .arg(ca.server_key_file())
            .args([
                "--tls-auth-clients",
                "no",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let process = match spawned {
            Ok(process) => process,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                eprintln!("skipped: no redis-server on PATH");
                return None;
            }
            Err(error) => panic!("redis-server: {error}"),
        };
        let mut server = Self { process, port };
        server.wait_until_listening();
        Some(server)
    }

    fn wait_until_listening(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(5);
        while TcpStream::connect((Ipv4Addr::LOCALHOST, self.port)).is_err() {
            if let Ok(Some(status)) = self.process.try_wait() {
                panic!("redis-server exited ({status}): does this build support TLS?");
            }
            assert!(Instant::now() < deadline, "redis-server did not listen");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Settings for this server, by the name its certificate carries.
    fn settings(&self, ca: Option<&TestCa>) -> RedisSettings {
        RedisSettings {
            url: format!("rediss://localhost:{}", self.port).into(),
            tls_ca_file: ca.map(TestCa::ca_file),
            timeout_ms: 2_000,
            ..RedisSettings::default()
        }
    }
}

impl Drop for TlsRedisServer {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

fn free_port() -> u16 {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("a free port");
    listener.local_addr().expect("bound address").port()
}

#[tokio::test]
async fn a_command_round_trips_over_rediss_when_the_ca_is_trusted() {
    let ca = TestCa::new();
    let Some(server) = TlsRedisServer::start(&ca) else {
        return;
    };
    let redis = LazyRedis::connect_in_background(&server.settings(Some(&ca)));
    let deadline = Instant::now() + Duration::from_secs(5);
    while redis.ping().await.is_err() {
        assert!(Instant::now() < deadline, "never connected over TLS");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let value = redis
        .run(async |connection| {
            redis::cmd("SET")
                .arg("tls-test")
                .arg("over TLS")
                .query_async::<()>(connection)
                .await?;
            redis::cmd("GET")
                .arg("tls-test")
                .query_async::<String>(connection)
                .await
        })
        .await
        .expect("SET then GET");

    assert_eq!(value, "over TLS");
}

#[tokio::test]
async fn rediss_refuses_a_server_whose_ca_is_not_trusted() {
    let ca = TestCa::new();
    let Some(server) = TlsRedisServer::start(&ca) else {
        return;
    };
    let client = build_client(&server.settings(None)).expect("a client");

    let connected = tokio::time::timeout(
        Duration::from_secs(5),
        client.get_multiplexed_async_connection(),
    )
    .await
    .expect("an answer within 5 s");

    let message = connected.map(drop).expect_err("untrusted CA").to_string();
    assert!(message.contains("UnknownIssuer"), "{message}");
}
