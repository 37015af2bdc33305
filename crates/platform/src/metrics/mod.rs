//! Prometheus metrics: the recorder every service shares, the `/metrics`
//! route, RED metrics per HTTP route, and the gauges of the dependencies
//! every service has (the database pool, Redis, RabbitMQ).
//!
//! | module | role |
//! |---|---|
//! | [`names`] | the shared metric names, their help texts, the duration buckets |
//! | [`exporter`] | installs the process-wide recorder once; serves one service's `/metrics`; runs its scrape-time [`Sampler`]s |
//! | [`http`] | [`RequestMetrics`]: the middleware that counts and times every request by route template |
//! | [`dependencies`] | samplers for the database pool, the Redis connection and the broker connection |
//! | [`exposition`] | a strict reader of the text format: the exporter's per-service filter and the tests use it |
//!
//! ## One recorder per process, one `service` label per series
//!
//! The `metrics` facade has a single global recorder. `capstone up` runs the
//! three services in one process, and the integration tests start dozens of
//! apps in one process, so the recorder is installed once ([`install`]) and
//! every series carries a `service` label. Each service's `/metrics` renders
//! the process's registry and keeps only its own series, so a scrape of the
//! gateway shows the gateway whether it runs alone or inside `capstone up`.
//!
//! Service-specific names (cache, rate limits, outbox, queues) live in each
//! service's own `metrics` module; this module owns the shared ones. The book
//! explains the choices in docs/src/monitoring.md.

pub mod dependencies;
pub mod exporter;
pub mod exposition;
pub mod http;
pub mod names;

pub use exporter::{MetricsExporter, Sample, Sampler, install};
pub use http::RequestMetrics;
pub use names::{NAMES, SERVICE_LABEL};
