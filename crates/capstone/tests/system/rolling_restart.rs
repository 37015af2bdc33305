//! Zero-downtime restarts: two users-service processes behind a gateway
//! process, each restarted in turn (SIGTERM, exit, a new process on the same
//! port) while clients send a steady stream of reads and PATCHes through the
//! gateway. Not one request may fail.
//!
//! What makes it hold (docs/src/devops-practices.md): the users service turns
//! unready first and serves on for `users.http.drain_grace_ms`, closing each
//! connection after its response, so the gateway's health checks take it out
//! of rotation before its listener closes (`platform::drain`); a request
//! that still finds no listener was never sent, and the gateway sends it to
//! the other instance whatever its method (`gateway::proxy::forward`).
//! Every setting is the shipped default: this is the configuration deployed.

use capstone_platform::service::ServiceSettings as _;
use std::{
    path::PathBuf,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::Duration,
};

use capstone_users::{
    domain::Role,
    testing::{RedisNamespace, TestDatabase, configure_test_auth, identity, insert_admin},
};
use secrecy::ExposeSecret;

use crate::processes::{ServiceProcess, binaries, free_port};

const CLIENTS: usize = 4;
/// Each client's pause between requests: about 100 requests a second in all.
const PAUSE: Duration = Duration::from_millis(40);
const STARTUP: Duration = Duration::from_secs(30);
/// Drain grace (3 s) + in-flight requests + idle keep-alive connections (5 s).
const EXIT: Duration = Duration::from_secs(20);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restarting_each_users_instance_in_turn_under_load_fails_no_request() {
    // Arrange: two users processes over one database, a gateway over both.
    let binaries = tokio::task::spawn_blocking(binaries).await.expect("built");
    let database = TestDatabase::from_template(capstone_users::migrations::MIGRATIONS).await;
    let mut settings = capstone_users::Settings::load(None).expect("settings load");
    configure_test_auth(&mut settings);
    let redis = RedisNamespace::new(&settings.redis);
    let run = RunDirectory::new();
    let users_config = run.users_config(&settings);
    let users_ports = [free_port(), free_port()];
    let users_env = |port: u16| {
        vec![
            env("CAPSTONE_CONFIG", users_config.display()),
            env(
                "CAPSTONE_DATABASE__URL",
                database.settings.url.expose_secret(),
            ),
            env("CAPSTONE_USERS__HTTP__PORT", port),
            env("CAPSTONE_USERS__HTTP__WORKERS", 1),
            // No broker here: events wait in the outbox, which is the point
            // of one; and names of our own in case the relay ever runs.
            env("CAPSTONE_USERS__OUTBOX__RELAY_ENABLED", false),
            env("CAPSTONE_AMQP__PREFIX", &redis.prefix),
            env("CAPSTONE_REDIS__KEY_PREFIX", &redis.prefix),
        ]
    };
    let start_users = |index: usize| {
        let name = ["users-a", "users-b"][index];
        ServiceProcess::start(
            name,
            &binaries.users,
            &users_env(users_ports[index]),
            &run.path,
        )
    };
    let mut instances = [start_users(0), start_users(1)];
    for (instance, port) in instances.iter_mut().zip(users_ports) {
        instance.answering(&ready_url(port), STARTUP).await;
    }
    let gateway_port = free_port();
    let upstreams = format!(
        "[\"http://127.0.0.1:{}\", \"http://127.0.0.1:{}\"]",
        users_ports[0], users_ports[1]
    );
    let gateway_env = [
        env("CAPSTONE_GATEWAY__HTTP__PORT", gateway_port),
        env("CAPSTONE_GATEWAY__HTTP__WORKERS", 1),
        env("CAPSTONE_GATEWAY__UPSTREAMS__USERS__INSTANCES", upstreams),
        // Four clients as four users, each far above the default 10/s.
        env("CAPSTONE_GATEWAY__RATE_LIMITS__API__REQUESTS", 1_000_000),
        env("CAPSTONE_GATEWAY__RATE_LIMITS__API__BURST", 1_000_000),
        env("CAPSTONE_REDIS__KEY_PREFIX", &redis.prefix),
    ];
    let mut gateway = ServiceProcess::start("gateway", &binaries.gateway, &gateway_env, &run.path);
    gateway.answering(&ready_url(gateway_port), STARTUP).await;
    let issuer = identity::test_token_issuer(&settings);
    let mut clients = Vec::new();
    for index in 0..CLIENTS {
        let id = insert_admin(&database, &format!("client-{index}@example.com")).await;
        clients.push(Client {
            base: format!("http://127.0.0.1:{gateway_port}"),
            token: identity::mint(&issuer, id, Role::Admin),
            user_path: format!("/api/v1/users/{id}"),
        });
    }

    // Act: steady load; restart A, then B, each once it is back in rotation.
    let load = Load::start(clients);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let before = load.sent();
    for (index, port) in users_ports.into_iter().enumerate() {
        instances[index].terminate();
        let status = instances[index].exited(EXIT).await;
        assert!(
            status.success(),
            "{} exits cleanly: {status}",
            instances[index].name
        );
        instances[index] = start_users(index);
        instances[index].answering(&ready_url(port), STARTUP).await;
        // Long enough for the gateway's next health check (every 2 s) to
        // put it back, and for it to serve before the other one goes.
        tokio::time::sleep(Duration::from_secs(4)).await;
    }
    let outcome = load.stop().await;

    // Assert
    eprintln!(
        "rolling restart: {} requests, {} during the restarts, {} failed",
        outcome.sent,
        outcome.sent - before,
        outcome.failures.len()
    );
    assert!(
        outcome.sent > 500,
        "steady load: only {} sent",
        outcome.sent
    );
    assert!(
        outcome.failures.is_empty(),
        "{} of {} requests failed; the first: {:#?}; logs in {}",
        outcome.failures.len(),
        outcome.sent,
        &outcome.failures[..outcome.failures.len().min(5)],
        run.path.display()
    );
    for (instance, port) in instances.iter().zip(users_ports) {
        let served = user_requests_served(port).await;
        assert!(
            served > 0,
            "{} served nothing after its restart",
            instance.name
        );
    }
    drop(gateway);
    drop(instances);
    run.remove();
}

/// One client's identity: an admin who reads and renames themselves.
struct Client {
    base: String,
    token: String,
    user_path: String,
}

/// The clients' loops, and what they saw.
struct Load {
    stop: Arc<AtomicBool>,
    sent: Arc<AtomicUsize>,
    failures: Arc<Mutex<Vec<String>>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

struct LoadOutcome {
    sent: usize,
    failures: Vec<String>,
}

impl Load {
    fn start(clients: Vec<Client>) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let sent = Arc::new(AtomicUsize::new(0));
        let failures = Arc::new(Mutex::new(Vec::new()));
        let tasks = clients
            .into_iter()
            .map(|client| {
                let (stop, sent, failures) = (stop.clone(), sent.clone(), failures.clone());
                tokio::spawn(async move {
                    let http = reqwest::Client::builder()
                        // The hang detector: far above any expected answer.
                        .timeout(Duration::from_secs(15))
                        .build()
                        .expect("client");
                    let mut round = 0u64;
                    while !stop.load(Ordering::Relaxed) {
                        let request = if round.is_multiple_of(2) {
                            http.get(format!("{}/api/v1/users/me", client.base))
                        } else {
                            let body =
                                serde_json::json!({"display_name": format!("Round {round}")});
                            http.patch(format!("{}{}", client.base, client.user_path))
                                .json(&body)
                        };
                        let outcome = request.bearer_auth(&client.token).send().await;
                        sent.fetch_add(1, Ordering::Relaxed);
                        if let Some(failure) = describe_failure(outcome).await {
                            failures.lock().expect("not poisoned").push(failure);
                        }
                        round += 1;
                        tokio::time::sleep(PAUSE).await;
                    }
                })
            })
            .collect();
        Self {
            stop,
            sent,
            failures,
            tasks,
        }
    }

    fn sent(&self) -> usize {
        self.sent.load(Ordering::Relaxed)
    }

    async fn stop(self) -> LoadOutcome {
        self.stop.store(true, Ordering::Relaxed);
        for task in self.tasks {
            task.await.expect("a client loop ends");
        }
        let failures = std::mem::take(&mut *self.failures.lock().expect("not poisoned"));
        LoadOutcome {
            sent: self.sent.load(Ordering::Relaxed),
            failures,
        }
    }
}

/// None for a 2xx; otherwise what the client got, for the assertion message.
async fn describe_failure(outcome: reqwest::Result<reqwest::Response>) -> Option<String> {
    match outcome {
        Ok(response) if response.status().is_success() => None,
        Ok(response) => {
            let status = response.status();
            let body = response.text().await.unwrap_or_default();
            Some(format!("{status}: {body}"))
        }
        Err(error) => Some(format!("no answer: {error:?}")),
    }
}

/// Requests to the users API this process has answered (its counters start
/// at zero with the process: these came after its restart).
async fn user_requests_served(port: u16) -> u64 {
    let metrics = reqwest::get(format!("http://127.0.0.1:{port}/metrics"))
        .await
        .expect("metrics answer")
        .text()
        .await
        .expect("metrics text");
    metrics
        .lines()
        .filter(|line| line.starts_with("capstone_http_requests_total{"))
        .filter(|line| line.contains("route=\"/api/v1/users/"))
        .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
        .sum::<f64>() as u64
}

fn ready_url(port: u16) -> String {
    format!("http://127.0.0.1:{port}/health/ready")
}

fn env(key: &str, value: impl std::fmt::Display) -> (String, String) {
    (key.to_owned(), value.to_string())
}

/// The test's files (config, signing key, logs): kept when the test fails,
/// so the logs can be read.
struct RunDirectory {
    path: PathBuf,
}

impl RunDirectory {
    fn new() -> Self {
        let path = std::env::temp_dir().join(format!(
            "capstone-rolling-restart-{}-{}",
            std::process::id(),
            nanos_since_epoch()
        ));
        std::fs::create_dir_all(&path).expect("the run directory is made");
        Self { path }
    }

    /// A config file with the suite's signing key, which both instances
    /// must share: each would otherwise sign with a key of its own, and the
    /// gateway would refuse half the tokens.
    fn users_config(&self, settings: &capstone_users::Settings) -> PathBuf {
        let key = &settings.users.auth.signing_keys[0];
        let pem = key
            .private_key_pem
            .as_ref()
            .expect("the suite's key is inline");
        let key_file = self.path.join("signing-key.pem");
        std::fs::write(&key_file, pem.expose_secret()).expect("the key is written");
        let config = self.path.join("users.toml");
        let toml = format!(
            "[[users.auth.signing_keys]]\nkid = \"{}\"\nprivate_key_file = \"{}\"\n",
            key.kid,
            key_file.display()
        );
        std::fs::write(&config, toml).expect("the config is written");
        config
    }

    fn remove(self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

fn nanos_since_epoch() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_nanos())
}
