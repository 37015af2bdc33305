//! Prometheus metrics: each service's own registry, the `/metrics` route,
//! RED metrics per HTTP route, and the gauges of the dependencies every
//! service has (the database pool, Redis, RabbitMQ).
//!
//! | module | role |
//! |---|---|
//! | [`names`] | the shared metric names, their help texts, the duration buckets |
//! | [`registry`] | [`Registry`]: one service instance's metrics, rendered directly |
//! | [`exporter`] | serves one registry as `/metrics`; runs its scrape-time [`Sampler`]s |
//! | [`http`] | [`RequestMetrics`]: the middleware that counts and times every request by route template |
//! | [`dependencies`] | samplers for the database pool, the Redis connection and the broker connection |
//!
//! The tests read scrapes with a strict parser of the text format,
//! `crate::testing::exposition` (feature `testing`).
//!
//! ## One registry per service, no global recorder
//!
//! The `metrics` facade can hold one global recorder per process, but
//! `capstone up` runs the three services in one process and the integration
//! tests start dozens of apps in one. So nothing is installed globally: each
//! service instance builds its own [`Registry`] at startup, writes to it
//! through the facade's macros ([`Registry::record`]), and its `/metrics`
//! renders it as it is. Every series carries the `service` label, added by
//! the registry.
//!
//! Service-specific names (cache, rate limits, outbox, queues) live in each
//! service's own `metrics` module; this module owns the shared ones. The book
//! explains the choices in docs/src/monitoring.md.

pub mod dependencies;
pub mod exporter;
pub mod http;
pub mod names;
pub mod registry;

pub use exporter::{MetricsExporter, Sample, Sampler};
pub use http::RequestMetrics;
pub use names::{NAMES, SERVICE_LABEL};
pub use registry::Registry;
