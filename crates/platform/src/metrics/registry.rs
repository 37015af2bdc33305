//! One service's metrics: a Prometheus registry the service owns, renders
//! directly, and nobody else writes to.
//!
//! The `metrics` facade's macros (`counter!`, `gauge!`, `histogram!`) write
//! to whichever recorder is current. [`Registry::record`] makes this
//! registry the current one for the length of a closure, so a service's
//! `metrics` module keeps the macros and its metric names, and every series
//! lands in the registry of the service instance that produced it. No
//! recorder is installed process-wide: `capstone up` runs three services in
//! one process, the tests run dozens of apps in one, and each `/metrics`
//! shows its own instance and nothing else, without filtering.
//!
//! Every series gets the `service` label from the registry itself (a global
//! label of its recorder), so no call site can forget or misspell it.

use std::{
    sync::{Arc, Weak},
    time::Duration,
};

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle, PrometheusRecorder};

use super::names::{self, DURATION_BUCKETS, SERVICE_LABEL};

/// How often histogram samples are folded into their buckets when nobody
/// scrapes; without it they would pile up in memory between scrapes.
const UPKEEP_INTERVAL: Duration = Duration::from_secs(5);

// ANCHOR: registry
/// One service instance's metrics. Cheap to clone: clones share the registry.
#[derive(Clone)]
pub struct Registry {
    inner: Arc<Inner>,
}

struct Inner {
    service: &'static str,
    recorder: PrometheusRecorder,
    handle: PrometheusHandle,
}

impl Registry {
    /// A registry whose series carry `service="<service>"`, with the shared
    /// metrics described and then the service's own (`describe`, which runs
    /// with this registry current: descriptions sent elsewhere are lost).
    pub fn new(service: &'static str, describe: fn()) -> Self {
        let recorder = PrometheusBuilder::new()
            // Without buckets, histograms would render as summaries, whose
            // quantiles cannot be aggregated across instances.
            .set_buckets(DURATION_BUCKETS)
            .expect("the bucket list is not empty")
            .add_global_label(SERVICE_LABEL, service)
            .build_recorder();
        let handle = recorder.handle();
        let registry = Self {
            inner: Arc::new(Inner {
                service,
                recorder,
                handle,
            }),
        };
        registry.record(|| {
            names::describe();
            describe();
        });
        registry.spawn_upkeep();
        registry
    }

    /// Runs `emit` with this registry as the recorder of the `metrics`
    /// macros: `registry.record(|| counter!(NAME, "queue" => q).increment(1))`.
    pub fn record<T>(&self, emit: impl FnOnce() -> T) -> T {
        metrics::with_local_recorder(&self.inner.recorder, emit)
    }

    /// The value of the `service` label on every series of this registry.
    pub fn service(&self) -> &'static str {
        self.inner.service
    }

    /// Everything this registry holds, in the Prometheus text format.
    pub fn render(&self) -> String {
        self.inner.handle.render()
    }
}
// ANCHOR_END: registry

impl Registry {
    /// Folds histogram samples every few seconds for as long as the registry
    /// lives. The task holds a weak reference, so it ends when the service
    /// (the last clone) is dropped, and dies with its runtime (each test has
    /// its own). Outside a runtime there is no task: rendering folds too.
    fn spawn_upkeep(&self) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let registry: Weak<Inner> = Arc::downgrade(&self.inner);
        runtime.spawn(async move {
            let mut every = tokio::time::interval(UPKEEP_INTERVAL);
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                every.tick().await;
                let Some(inner) = registry.upgrade() else {
                    return;
                };
                inner.handle.run_upkeep();
            }
        });
    }
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("service", &self.inner.service)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use metrics::{counter, describe_counter};

    use super::*;

    fn describe_nothing() {}

    #[test]
    fn series_land_in_the_registry_that_records_them_with_its_service_label() {
        let users = Registry::new("users", describe_nothing);
        let gateway = Registry::new("gateway", describe_nothing);

        users.record(|| counter!("capstone_test_events_total", "kind" => "a").increment(2));
        gateway.record(|| counter!("capstone_test_events_total", "kind" => "a").increment(5));

        let rendered = users.render();
        assert!(
            rendered.contains(r#"capstone_test_events_total{service="users",kind="a"} 2"#)
                || rendered.contains(r#"capstone_test_events_total{kind="a",service="users"} 2"#),
            "{rendered}"
        );
        assert!(!rendered.contains("gateway"), "{rendered}");
        assert!(gateway.render().contains(" 5"));
    }

    #[test]
    fn nothing_recorded_outside_a_registry_reaches_it() {
        let registry = Registry::new("worker", describe_nothing);
        // No recorder is current here: the facade drops this.
        counter!("capstone_test_stray_total").increment(1);
        assert!(!registry.render().contains("capstone_test_stray_total"));
    }

    #[test]
    fn descriptions_are_the_registrys_own() {
        fn describe() {
            describe_counter!("capstone_test_described_total", "A test counter.");
        }
        let registry = Registry::new("users", describe);
        registry.record(|| counter!("capstone_test_described_total").increment(1));
        let rendered = registry.render();
        assert!(
            rendered.contains("# HELP capstone_test_described_total A test counter."),
            "{rendered}"
        );
        // The shared names are described in every registry.
        registry.record(|| counter!(names::HTTP_REQUESTS_TOTAL).increment(1));
        assert!(
            registry
                .render()
                .contains(&format!("# HELP {}", names::HTTP_REQUESTS_TOTAL))
        );
    }
}
