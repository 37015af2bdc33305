//! The process-wide Prometheus recorder, and one service's `/metrics` route.
//!
//! Counters and histograms are updated where things happen (a request ends,
//! a message is settled). Gauges that describe a *state* (pool usage, a
//! connection, a queue backlog) are instead computed when Prometheus asks:
//! each service registers [`Sampler`]s with its [`MetricsExporter`], and a
//! scrape runs them, sets the gauges and renders. A value is then never older
//! than the scrape, and nothing polls while nobody is looking.

use std::{
    sync::{Arc, Mutex, OnceLock, PoisonError},
    time::Duration,
};

use actix_web::{HttpResponse, web};
use futures_util::future::{BoxFuture, join_all};
use metrics::Label;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use super::{
    exposition,
    names::{self, DURATION_BUCKETS, SERVICE_LABEL},
};

/// What Prometheus expects from a text-format scrape.
const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The longest one sampler may take; a slower one keeps its last values.
/// Well inside Prometheus' default scrape timeout (10 s).
const SAMPLE_TIMEOUT: Duration = Duration::from_secs(2);

/// How often histogram samples are folded into their buckets when nobody
/// scrapes; without it they would pile up in memory between scrapes.
const UPKEEP_INTERVAL: Duration = Duration::from_secs(5);

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Held while one scrape sets its gauges and renders. Two apps of the same
/// service in one process (the tests run many) set the same gauges; the lock
/// makes each scrape render the values its own samplers just produced.
/// A std Mutex: nothing inside awaits.
static RENDERING: Mutex<()> = Mutex::new(());

// ANCHOR: install
/// Installs the recorder, once per process, and returns its handle. Every
/// later call (another service in `capstone up`, another test app) gets the
/// same handle: the `metrics` facade has exactly one global recorder.
pub fn install() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            // Without buckets, histograms would render as summaries, whose
            // quantiles cannot be aggregated across instances.
            .set_buckets(DURATION_BUCKETS)
            .expect("the bucket list is not empty")
            .build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("another metrics recorder was installed first: /metrics stays empty");
        }
        names::describe();
        spawn_upkeep(handle.clone());
        handle
    })
}
// ANCHOR_END: install

/// A plain thread rather than a tokio task: the recorder outlives any one
/// runtime (each test has its own), and upkeep is a few microseconds of
/// synchronous work.
fn spawn_upkeep(handle: PrometheusHandle) {
    let spawned = std::thread::Builder::new()
        .name("metrics-upkeep".into())
        .spawn(move || {
            loop {
                std::thread::sleep(UPKEEP_INTERVAL);
                handle.run_upkeep();
            }
        });
    if let Err(error) = spawned {
        tracing::warn!(%error, "no metrics upkeep thread: histograms are folded at scrape time only");
    }
}

/// One gauge value, computed at scrape time. The exporter adds the
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

    fn set(self, service: &'static str) {
        let labels: Vec<Label> = std::iter::once(Label::new(SERVICE_LABEL, service))
            .chain(
                self.labels
                    .into_iter()
                    .map(|(key, value)| Label::new(key, value)),
            )
            .collect();
        metrics::gauge!(self.name, labels).set(self.value);
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

/// One service's view of the process's metrics, and what it samples.
/// Cheap to clone.
#[derive(Clone)]
pub struct MetricsExporter {
    service: &'static str,
    handle: &'static PrometheusHandle,
    samplers: Vec<Arc<dyn Sampler>>,
}

impl std::fmt::Debug for MetricsExporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricsExporter")
            .field("service", &self.service)
            .field("samplers", &self.samplers.len())
            .finish()
    }
}

impl MetricsExporter {
    /// Installs the recorder if needed and describes the shared metrics and
    /// the service's own (`describe`, which must run after installation:
    /// descriptions sent to no recorder are lost).
    pub fn new(service: &'static str, describe: fn()) -> Self {
        let handle = install();
        describe();
        Self {
            service,
            handle,
            samplers: Vec::new(),
        }
    }

    pub fn with_sampler(mut self, sampler: impl Sampler + 'static) -> Self {
        self.samplers.push(Arc::new(sampler));
        self
    }

    /// The value of the `service` label this exporter keeps.
    pub fn service(&self) -> &'static str {
        self.service
    }

    // ANCHOR: render
    /// Runs the samplers (concurrently, each bounded), sets their gauges and
    /// renders this service's series in the Prometheus text format.
    pub async fn render(&self) -> String {
        let sampled = join_all(
            self.samplers
                .iter()
                .map(|sampler| tokio::time::timeout(SAMPLE_TIMEOUT, sampler.sample())),
        )
        .await;
        let mut samples = Vec::new();
        for result in sampled {
            match result {
                Ok(values) => samples.extend(values),
                Err(_) => tracing::warn!(service = self.service, "a metrics sampler timed out"),
            }
        }
        let everything = {
            let _rendering = RENDERING.lock().unwrap_or_else(PoisonError::into_inner);
            for sample in samples {
                sample.set(self.service);
            }
            self.handle.render()
        };
        exposition::retain_service(&everything, self.service)
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
