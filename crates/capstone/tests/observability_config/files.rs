//! Where the configs are, how to read them, and the names they may use.

use std::collections::BTreeSet;

use serde::de::DeserializeOwned;

pub(crate) const RULES: &str = "infra/observability/prometheus/rules.yml";
pub(crate) const PROMETHEUS: &str = "infra/observability/prometheus/prometheus.yml";
pub(crate) const COLLECTOR: &str = "infra/observability/otel-collector.yaml";
pub(crate) const DATASOURCES: &str =
    "infra/observability/grafana/provisioning/datasources/datasources.yaml";
pub(crate) const DASHBOARD_PROVIDERS: &str =
    "infra/observability/grafana/provisioning/dashboards/dashboards.yaml";
pub(crate) const DASHBOARD: &str = "infra/observability/grafana/dashboards/capstone.json";

/// The `service` label values, one per service.
pub(crate) const SERVICES: [&str; 3] = ["gateway", "users", "worker"];

#[path = "../common/repo_files.rs"]
mod repo_files;

pub(crate) use repo_files::{path, read};

pub(crate) fn yaml<T: DeserializeOwned>(relative: &str) -> T {
    serde_norway::from_str(&read(relative)).unwrap_or_else(|error| panic!("{relative}: {error}"))
}

pub(crate) fn json(relative: &str) -> serde_json::Value {
    serde_json::from_str(&read(relative)).unwrap_or_else(|error| panic!("{relative}: {error}"))
}

/// Every name a service exports: the union of the four `NAMES` lists.
pub(crate) fn exported_names() -> BTreeSet<&'static str> {
    [
        capstone_platform::metrics::NAMES,
        capstone_gateway::metrics::NAMES,
        capstone_users::metrics::NAMES,
        capstone_worker::metrics::NAMES,
    ]
    .concat()
    .into_iter()
    .collect()
}
