//! Static checks of infra/observability: the Prometheus rules and scrape
//! config, the OpenTelemetry Collector's config, Grafana's provisioning and
//! dashboard. Neither Prometheus, Grafana, the collector nor promtool runs
//! where the tests run, so these read the files compose mounts and check
//! what would otherwise fail only in a running stack: a metric name that is
//! not exported, a runbook link to nowhere, a panel on the wrong datasource.
//! The configs are explained in infra/observability/README.md, the alerts
//! in docs/src/slo.md.

mod collector;
mod dashboard;
mod files;
mod prometheus;
mod promql;
mod rules;
// fork:begin(book)
mod runbooks;
// fork:end(book)
