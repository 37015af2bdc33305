//! Where the artifacts are, and how to read them.

use serde::Deserialize;
use serde_norway::Value;

pub(crate) const COMPOSE: &str = "compose.yaml";
pub(crate) const DOCKERFILE: &str = "Dockerfile";
pub(crate) const PROMETHEUS: &str = "infra/observability/prometheus/prometheus.yml";
pub(crate) const KUSTOMIZE_BASE: &str = "k8s/base";
pub(crate) const OVERLAYS: &str = "k8s/overlays";

#[path = "../common/repo_files.rs"]
mod repo_files;

pub(crate) use repo_files::{path, read};

/// Every document of a YAML file, with merge keys (`<<: *anchor`) applied:
/// serde_norway expands aliases but leaves `<<` as a plain key, so without
/// this a compose service would lose everything it takes from `x-app`.
pub(crate) fn yaml_documents(relative: &str) -> Vec<Value> {
    let text = read(relative);
    serde_norway::Deserializer::from_str(&text)
        .map(|document| {
            let mut value =
                Value::deserialize(document).unwrap_or_else(|error| panic!("{relative}: {error}"));
            value
                .apply_merge()
                .unwrap_or_else(|error| panic!("{relative}: {error}"));
            value
        })
        .collect()
}

/// A YAML file of exactly one document.
pub(crate) fn yaml(relative: &str) -> Value {
    let mut documents = yaml_documents(relative);
    assert_eq!(documents.len(), 1, "{relative}: one YAML document expected");
    documents.remove(0)
}

/// The items of a sequence; none when the value is missing (`Null`).
pub(crate) fn items(value: &Value) -> &[Value] {
    value.as_sequence().map(Vec::as_slice).unwrap_or_default()
}

/// A scalar as the string a process sees in its environment.
pub(crate) fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

/// A command or argument list, in its list or (compose only) string form.
pub(crate) fn words(value: &Value) -> Vec<String> {
    match value {
        Value::String(line) => line.split_whitespace().map(str::to_owned).collect(),
        _ => items(value).iter().filter_map(scalar).collect(),
    }
}
