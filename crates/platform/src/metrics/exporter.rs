//! One service's `/metrics` route: its [`Registry`], rendered directly.
//!
//! Counters and histograms are updated where things happen (a request ends,
//! a message is settled). Gauges that describe a *state* (pool usage, a
//! connection, a queue backlog) are instead computed when Prometheus asks:
//! each service registers [`Sampler`]s with its [`MetricsExporter`], and a
//! scrape runs them, sets the gauges and renders. A value is then never older
//! than the scrape, and nothing polls while nobody is looking.

use std::{sync::Arc, time::Duration};

use actix_web::{HttpResponse, web};
use futures_util::future::{BoxFuture, join_all};
use metrics::Label;

use super::registry::Registry;

/// What Prometheus expects from a text-format scrape.
const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The longest one sampler may take; a slower one keeps its last values.
/// Well inside Prometheus' default scrape timeout (10 s).
const SAMPLE_TIMEOUT: Duration = Duration::from_secs(2);

/// One gauge value, computed at scrape time. The registry adds the
/// `service` label.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    name: &'static str,
    labels: Vec<(&'static str, String)>,
    value: f64,
}

impl Sample {
    pub fn new(name: &'static str, value: f64) -> Self {
        Self {
            name,
            labels: Vec::new(),
            value,
        }
    }

    /// 1 for true, 0 for false: how Prometheus spells a boolean.
    pub fn flag(name: &'static str, on: bool) -> Self {
        Self::new(name, if on { 1.0 } else { 0.0 })
    }

    pub fn label(mut self, key: &'static str, value: impl Into<String>) -> Self {
        self.labels.push((key, value.into()));
        self
    }

    fn set(self, registry: &Registry) {
        let labels: Vec<Label> = self
            .labels
            .into_iter()
            .map(|(key, value)| Label::new(key, value))
            .collect();
        registry.record(|| metrics::gauge!(self.name, labels).set(self.value));
    }
}

// ANCHOR: sampler
/// Something a service can measure on demand: a pool, a connection, a backlog.
pub trait Sampler: Send + Sync {
    /// The current values. Runs at every scrape, bounded by a timeout, so it
    /// should cost at most a cheap query.
    fn sample(&self) -> BoxFuture<'_, Vec<Sample>>;
}
// ANCHOR_END: sampler

/// One service's registry and what it samples. Cheap to clone.
#[derive(Clone)]
pub struct MetricsExporter {
    registry: Registry,
    samplers: Vec<Arc<dyn Sampler>>,
}

impl std::fmt::Debug for MetricsExporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricsExporter")
            .field("service", &self.registry.service())
            .field("samplers", &self.samplers.len())
            .finish()
    }
}

impl MetricsExporter {
    /// Serves `registry`: the one the service's counters and histograms
    /// already write to.
    pub fn new(registry: Registry) -> Self {
        Self {
            registry,
            samplers: Vec::new(),
        }
    }

    pub fn with_sampler(mut self, sampler: impl Sampler + 'static) -> Self {
        self.samplers.push(Arc::new(sampler));
        self
    }

    /// The registry it renders: the request middleware writes to it too
    /// (`RequestMetrics::new(exporter.registry())`).
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The value of the `service` label on this exporter's series.
    pub fn service(&self) -> &'static str {
        self.registry.service()
    }

    // ANCHOR: render
    /// Runs the samplers (concurrently, each bounded), sets their gauges and
    /// renders the registry in the Prometheus text format. Nothing else
    /// writes to it: what is rendered is this service instance, whatever
    /// else runs in the process.
    pub async fn render(&self) -> String {
        let sampled = join_all(
            self.samplers
                .iter()
                .map(|sampler| tokio::time::timeout(SAMPLE_TIMEOUT, sampler.sample())),
        )
        .await;
        for result in sampled {
            match result {
                Ok(samples) => samples
                    .into_iter()
                    .for_each(|sample| sample.set(&self.registry)),
                Err(_) => {
                    tracing::warn!(service = self.service(), "a metrics sampler timed out");
                }
            }
        }
        self.registry.render()
    }
    // ANCHOR_END: render
}

/// `GET /metrics`; needs a `web::Data<MetricsExporter>` in the app data.
pub fn configure(config: &mut web::ServiceConfig) {
    config.service(web::resource("/metrics").route(web::get().to(metrics_endpoint)));
}

async fn metrics_endpoint(exporter: web::Data<MetricsExporter>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(CONTENT_TYPE)
        .body(exporter.render().await)
}
