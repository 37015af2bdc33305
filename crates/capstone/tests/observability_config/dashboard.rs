//! Grafana: the provisioning files and dashboards/capstone.json.

use std::collections::BTreeSet;

use serde::Deserialize;
use serde_json::Value;

use crate::{
    files::{self, DASHBOARD, DASHBOARD_PROVIDERS, DATASOURCES, SERVICES},
    promql, rules,
};

#[derive(Debug, Deserialize)]
struct Datasources {
    datasources: Vec<Datasource>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Datasource {
    uid: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    is_default: bool,
}

#[derive(Debug, Deserialize)]
struct Providers {
    providers: Vec<Provider>,
}

#[derive(Debug, Deserialize)]
struct Provider {
    #[serde(rename = "type")]
    kind: String,
    options: ProviderOptions,
}

#[derive(Debug, Deserialize)]
struct ProviderOptions {
    path: String,
}

/// Every panel, rows included, in order (a collapsed row keeps its panels
/// inside it).
fn panels(dashboard: &Value) -> Vec<&Value> {
    array(&dashboard["panels"])
        .iter()
        .flat_map(|panel| std::iter::once(panel).chain(array(&panel["panels"])))
        .collect()
}

/// `value`'s items; none when it is not an array.
fn array(value: &Value) -> &[Value] {
    value.as_array().map(Vec::as_slice).unwrap_or_default()
}

fn is_row(panel: &Value) -> bool {
    panel["type"] == "row"
}

fn exprs(panel: &Value) -> Vec<&str> {
    array(&panel["targets"])
        .iter()
        .filter_map(|target| target["expr"].as_str())
        .collect()
}

/// The values of every `service="..."` matcher in `expr`.
fn services_matched(expr: &str) -> Vec<&str> {
    expr.split("service=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .collect()
}

#[test]
fn panels_have_unique_ids_a_place_on_the_grid_and_the_provisioned_prometheus() {
    let provisioned: Datasources = files::yaml(DATASOURCES);
    let default: Vec<&Datasource> = provisioned
        .datasources
        .iter()
        .filter(|d| d.is_default)
        .collect();
    assert!(
        default.len() == 1 && default[0].kind == "prometheus",
        "{provisioned:?}"
    );
    let dashboard = files::json(DASHBOARD);
    let mut ids = BTreeSet::new();

    for panel in panels(&dashboard) {
        let id = panel["id"]
            .as_u64()
            .unwrap_or_else(|| panic!("no id: {panel}"));
        assert!(ids.insert(id), "panel id {id} used twice");
        let grid = &panel["gridPos"];
        let [x, w, h] = ["x", "w", "h"].map(|key| grid[key].as_u64().unwrap_or(0));
        assert!(
            w > 0 && h > 0 && x + w <= 24 && grid["y"].is_u64(),
            "panel {id}: {grid}"
        );
        if is_row(panel) {
            continue;
        }
        let targets = array(&panel["targets"]);
        for datasource in std::iter::once(panel)
            .chain(targets)
            .map(|p| &p["datasource"])
        {
            assert_eq!(datasource["uid"], default[0].uid.as_str(), "panel {id}");
        }
        assert!(!exprs(panel).is_empty(), "panel {id} queries nothing");
    }
}

#[test]
fn every_service_has_a_row_whose_panels_query_only_that_service() {
    let dashboard = files::json(DASHBOARD);
    let mut row = None;
    let mut rows = Vec::new();

    for panel in panels(&dashboard) {
        if is_row(panel) {
            row = panel["title"].as_str();
            rows.extend(row);
            continue;
        }
        for expr in exprs(panel) {
            let matched = services_matched(expr);
            assert!(!matched.is_empty(), "{expr}: no service=\"...\" matcher");
            assert!(
                matched.iter().all(|service| Some(*service) == row),
                "{expr} under {row:?}"
            );
        }
    }

    assert_eq!(rows, SERVICES, "one row per service, in this order");
}

#[test]
fn every_metric_a_panel_queries_is_exported_or_recorded_and_every_expression_is_balanced() {
    let (exported, recorded) = (files::exported_names(), rules::recorded_names());
    let dashboard = files::json(DASHBOARD);

    for expr in panels(&dashboard).into_iter().flat_map(exprs) {
        let unknown = promql::unknown_names(expr, &exported, &recorded);
        assert!(unknown.is_empty(), "{unknown:?} in {expr}");
        promql::check_balanced(expr).unwrap_or_else(|e| panic!("{e}: {expr}"));
    }
}

#[test]
fn grafana_loads_dashboards_from_the_folder_compose_mounts() {
    let providers: Providers = files::yaml(DASHBOARD_PROVIDERS);

    assert!(
        providers
            .providers
            .iter()
            .any(|provider| provider.kind == "file"
                && provider.options.path == "/var/lib/grafana/dashboards"),
        "{providers:?}"
    );
}
