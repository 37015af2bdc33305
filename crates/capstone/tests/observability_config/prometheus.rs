//! prometheus.yml: what it scrapes and which rules it loads.

use std::collections::BTreeSet;

use serde::Deserialize;
use serde_json::Value;

use crate::files::{self, PROMETHEUS};

#[derive(Debug, Deserialize)]
struct Config {
    global: Global,
    rule_files: Vec<String>,
    scrape_configs: Vec<ScrapeConfig>,
}

#[derive(Debug, Deserialize)]
struct Global {
    scrape_interval: String,
}

#[derive(Debug, Deserialize)]
struct ScrapeConfig {
    metrics_path: Option<String>,
    #[serde(default)]
    static_configs: Vec<StaticConfig>,
    #[serde(default)]
    relabel_configs: Vec<Value>,
    #[serde(default)]
    metric_relabel_configs: Vec<Value>,
}

#[derive(Debug, Deserialize)]
struct StaticConfig {
    targets: Vec<String>,
    #[serde(default)]
    labels: Value,
}

#[test]
fn prometheus_scrapes_the_three_services_keeps_their_service_label_and_loads_the_rules() {
    let config: Config = files::yaml(PROMETHEUS);

    let targets: BTreeSet<&str> = config
        .scrape_configs
        .iter()
        .flat_map(|scrape| &scrape.static_configs)
        .flat_map(|statics| statics.targets.iter().map(String::as_str))
        .collect();
    assert_eq!(
        targets,
        BTreeSet::from(["gateway:8080", "users:8081", "worker:8082"])
    );
    assert_eq!(config.global.scrape_interval, "15s");
    for scrape in &config.scrape_configs {
        assert!(
            scrape
                .metrics_path
                .as_deref()
                .is_none_or(|path| path == "/metrics")
        );
        // A target label `service` would rename the app's to `exported_service`.
        let relabels = scrape
            .relabel_configs
            .iter()
            .chain(&scrape.metric_relabel_configs);
        assert!(
            relabels
                .into_iter()
                .all(|relabel| relabel["target_label"] != "service"),
            "{scrape:?}"
        );
        assert!(
            scrape
                .static_configs
                .iter()
                .all(|s| s.labels.get("service").is_none()),
            "{scrape:?}"
        );
    }
    assert!(
        config.rule_files.contains(&"rules.yml".to_owned()),
        "{:?}",
        config.rule_files
    );
    for rule_file in &config.rule_files {
        // Compose mounts prometheus/ at /etc/prometheus, where these resolve.
        let mounted = files::path(PROMETHEUS).with_file_name(rule_file);
        assert!(mounted.is_file(), "{rule_file}: not beside prometheus.yml");
    }
}
