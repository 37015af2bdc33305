//! rules.yml: the shape of a Prometheus rule file, the names it uses, and
//! the runbook each alert links to.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use crate::{
    files::{self, RULES},
    promql,
};

/// Prometheus' rule-file format. Unknown keys are refused, so a misspelt
/// `annotation:` fails here rather than vanishing in Prometheus.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RuleFile {
    groups: Vec<RuleGroup>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleGroup {
    name: String,
    interval: Option<String>,
    rules: Vec<Rule>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Rule {
    record: Option<String>,
    alert: Option<String>,
    pub(crate) expr: String,
    #[serde(rename = "for")]
    pending_for: Option<String>,
    #[serde(default)]
    labels: BTreeMap<String, String>,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
}

impl Rule {
    /// The alert's name; None for a recording rule.
    pub(crate) fn alert(&self) -> Option<&str> {
        self.alert.as_deref()
    }

    /// Where the alert's runbook is (`annotations.runbook_url`), or "".
    pub(crate) fn runbook(&self) -> &str {
        self.annotations
            .get("runbook_url")
            .map(String::as_str)
            .unwrap_or("")
    }
}

pub(crate) fn rules() -> Vec<Rule> {
    let file: RuleFile = files::yaml(RULES);
    file.groups
        .into_iter()
        .flat_map(|group| group.rules)
        .collect()
}

/// The names the recording rules define, which others may use.
pub(crate) fn recorded_names() -> BTreeSet<String> {
    rules().into_iter().filter_map(|rule| rule.record).collect()
}

/// `level:metric:operations`, the metric an exported one (less `_total`).
fn is_conventional_record_name(name: &str) -> bool {
    match name.split(':').collect::<Vec<_>>()[..] {
        [level, metric, operations] if !level.is_empty() && !operations.is_empty() => {
            files::exported_names()
                .iter()
                .any(|exported| metric.starts_with(exported.trim_end_matches("_total")))
        }
        _ => false,
    }
}

#[test]
fn every_rule_is_a_named_recording_or_an_alert_with_an_expression_and_a_valid_wait() {
    let file: RuleFile = files::yaml(RULES);
    assert!(!file.groups.is_empty(), "no rule groups");

    for group in &file.groups {
        assert!(
            !group.name.is_empty() && !group.rules.is_empty(),
            "{group:?}"
        );
        assert!(
            group.interval.as_deref().is_none_or(promql::is_duration),
            "{group:?}"
        );
        for rule in &group.rules {
            assert!(
                rule.record.is_some() != rule.alert.is_some(),
                "record XOR alert: {rule:?}"
            );
            assert!(!rule.expr.trim().is_empty(), "empty expr: {rule:?}");
            assert!(
                rule.pending_for.as_deref().is_none_or(promql::is_duration),
                "{rule:?}"
            );
            if let Some(record) = &rule.record {
                assert!(is_conventional_record_name(record), "{record}");
                assert!(
                    rule.pending_for.is_none() && rule.annotations.is_empty(),
                    "{rule:?}"
                );
            }
        }
    }
}

#[test]
fn every_alert_has_a_severity_a_summary_and_a_runbook() {
    for rule in rules().iter().filter(|rule| rule.alert.is_some()) {
        let severity = rule.labels.get("severity").map(String::as_str);
        assert!(matches!(severity, Some("critical" | "warning")), "{rule:?}");
        assert!(
            rule.pending_for.is_some(),
            "say how long it must hold: {rule:?}"
        );
        assert!(
            rule.annotations
                .get("summary")
                .is_some_and(|s| !s.is_empty()),
            "{rule:?}"
        );
        assert!(
            rule.runbook().starts_with("https://"),
            "an alert links its runbook: {rule:?}"
        );
    }
}

#[test]
fn every_metric_a_rule_uses_is_exported_or_recorded_and_every_expression_is_balanced() {
    let (exported, recorded) = (files::exported_names(), recorded_names());

    for rule in rules() {
        let unknown = promql::unknown_names(&rule.expr, &exported, &recorded);
        assert!(unknown.is_empty(), "{unknown:?} in {}", rule.expr);
        promql::check_balanced(&rule.expr).unwrap_or_else(|e| panic!("{e}: {}", rule.expr));
    }
}

#[test]
fn recording_rule_names_must_say_level_metric_and_operations() {
    assert!(is_conventional_record_name(
        "service:capstone_http_requests:rate5m"
    ));
    for name in [
        "capstone_http_requests:rate5m",
        "service:capstone_nope:rate5m",
        ":capstone_http_requests:",
    ] {
        assert!(!is_conventional_record_name(name), "{name}");
    }
}
