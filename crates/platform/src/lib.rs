//! # capstone-platform
//!
//! What every Capstone service shares, so that each service's own code is only
//! about its domain. Nothing here knows about a particular service: services
//! depend on `platform`, never the other way round (see docs/src/frameworks.md).
//!
//! | module | role |
//! |---|---|
//! | [`amqp`] | RabbitMQ: connect, the events exchange, broker state for readiness, trace headers |
//! | [`backoff`] | exponential backoff with full jitter (retries, reconnects) |
//! | [`access_token`] | sign (Ed25519) and verify access tokens; the verifier is what gateways reuse |
//! | [`canonical_path`] | one spelling per request path (dot-segments, escapes, backslashes refused), before routing |
//! | [`client_address`] | the caller's IP, believing `X-Forwarded-For` only from trusted proxies |
//! | [`trusted_proxy`] | `http.trusted_proxies` entries: one address or a CIDR network |
//! | [`config`] | layered settings: typed defaults, then an optional TOML file, then env vars |
//! | [`settings`] | the setting sections every service reuses (HTTP, Postgres, Redis, AMQP, logs) |
//! | [`telemetry`] | `tracing` subscriber: JSON logs (pretty on a TTY), env filter, flush on exit |
//! | [`problem`] | RFC 9457 `application/problem+json` error bodies |
//! | [`metrics`] | Prometheus: a registry per service and its `/metrics`, RED per route, pool and connection gauges |
//! | [`middleware`] | request ids, canonical paths, one log line per request, problem rendering |
//! | [`extract`] | `ValidatedJson` / `ValidatedQuery`: parse, reject unknown fields, validate |
//! | [`health`] | `/health/live` and `/health/ready` with one check per dependency |
//! | [`drain`] | leaving a balancer's rotation before the listener closes: readiness 503, connections closed, a grace period |
//! | [`database`] | the diesel-async connection pool, "create database if missing", its health check |
//! | [`migrations`] | run a service's embedded migrations under an advisory lock |
//! | `testing` | the one test harness (feature `testing`): a database and a Redis prefix per test, bounded polling (`eventually`), a cuttable proxy, a strict `/metrics` reader, captured spans and log lines |
//! | [`probe`] | protocol-level reachability checks for Postgres, Redis and RabbitMQ |
//! | [`shutdown`] | one shutdown signal (SIGINT/SIGTERM) shared by every long-running task |
//! | [`redis`] | a Redis connection opened in the background; bounded commands; health check |
//! | [`sealing`] | secrets sealed (ChaCha20-Poly1305, rotating keys) for the places they pass through: link tokens on their way to email |
//! | [`server`] | run an actix-web server until the shutdown signal, then drain it; [`server::BindError`] |
//! | [`service`] | the skeleton of every service: settings loading, build → port → run until stopped, startup errors with their remedy |
//! | [`tls`] | rustls client configs (ring, Mozilla's roots plus CA files) for Postgres, Redis, RabbitMQ, SMTP |

pub mod access_token;
pub mod amqp;
pub mod backoff;
pub mod canonical_path;
pub mod client_address;
pub mod config;
pub mod database;
pub mod drain;
pub mod error_chain;
pub mod extract;
pub mod health;
pub mod metrics;
pub mod middleware;
pub mod migrations;
pub mod probe;
pub mod problem;
pub mod redis;
pub mod sealing;
pub mod server;
pub mod service;
pub mod settings;
pub mod shutdown;
pub mod telemetry;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod tls;
pub mod trusted_proxy;

pub use config::{ConfigError, load_settings};
pub use problem::{FieldError, Problem};
pub use shutdown::Shutdown;
