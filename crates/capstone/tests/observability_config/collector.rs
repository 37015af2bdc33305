//! otel-collector.yaml: a traces pipeline made only of defined components.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use crate::files::{self, COLLECTOR};

#[derive(Debug, Deserialize)]
struct Config {
    receivers: BTreeMap<String, Value>,
    processors: BTreeMap<String, Value>,
    exporters: BTreeMap<String, Value>,
    #[serde(default)]
    extensions: BTreeMap<String, Value>,
    service: Service,
}

#[derive(Debug, Deserialize)]
struct Service {
    #[serde(default)]
    extensions: Vec<String>,
    pipelines: BTreeMap<String, Pipeline>,
}

#[derive(Debug, Deserialize)]
struct Pipeline {
    receivers: Vec<String>,
    #[serde(default)]
    processors: Vec<String>,
    exporters: Vec<String>,
}

#[test]
fn the_traces_pipeline_and_extensions_use_only_defined_components_and_end_in_jaeger() {
    let config: Config = files::yaml(COLLECTOR);

    let traces = &config.service.pipelines["traces"];
    assert!(!traces.receivers.is_empty() && !traces.exporters.is_empty());
    for (kind, used, defined) in [
        ("receiver", &traces.receivers, &config.receivers),
        ("processor", &traces.processors, &config.processors),
        ("exporter", &traces.exporters, &config.exporters),
        ("extension", &config.service.extensions, &config.extensions),
    ] {
        for id in used {
            assert!(
                defined.contains_key(id),
                "{kind} {id} is used but not defined"
            );
        }
    }
    // The limiter must see data before anything buffers it.
    assert_eq!(
        traces.processors.first().map(String::as_str),
        Some("memory_limiter")
    );
    let endpoints: Vec<&Value> = traces
        .exporters
        .iter()
        .map(|id| &config.exporters[id]["endpoint"])
        .collect();
    assert!(
        endpoints.contains(&&Value::from("jaeger:4317")),
        "{endpoints:?}"
    );
    let protocols = &config.receivers["otlp"]["protocols"];
    assert_eq!(protocols["grpc"]["endpoint"], "0.0.0.0:4317");
    assert_eq!(protocols["http"]["endpoint"], "0.0.0.0:4318");
}
