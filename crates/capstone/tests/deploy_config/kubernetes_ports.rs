//! The ports of each overlay's pods: the containerPort, the probes and the
//! scrape annotations use the port the service listens on and paths it
//! serves, and the gateway reaches the users pods through a Service that
//! forwards to that port.

use serde_norway::Value;

use crate::{
    container::url_host_and_port,
    files,
    kubernetes::{Workload, base_documents, overlays, workloads},
    routes,
    settings::Program,
};

/// The workloads with an HTTP server in every overlay, and the port each listens on.
fn listening() -> Vec<(Workload, u16)> {
    overlays()
        .iter()
        .flat_map(|overlay| workloads(overlay))
        .filter_map(|workload| {
            let port = workload.container.http_port()?;
            Some((workload, port))
        })
        .collect()
}

#[test]
fn each_pod_declares_the_port_its_service_listens_on() {
    for (workload, port) in listening() {
        let declared: Vec<Option<u64>> = files::items(&workload.first_container()["ports"])
            .iter()
            .map(|declared| declared["containerPort"].as_u64())
            .collect();
        assert!(
            !declared.is_empty()
                && declared
                    .iter()
                    .all(|declared| *declared == Some(u64::from(port))),
            "{}: containerPort {declared:?}, but it listens on {port}",
            workload.container.origin
        );
    }
}

#[test]
fn each_probe_asks_a_health_path_on_the_port_the_service_listens_on() {
    for (workload, port) in listening() {
        let origin = &workload.container.origin;
        for probe in ["startupProbe", "livenessProbe", "readinessProbe"] {
            let request = &workload.first_container()[probe]["httpGet"];
            assert!(!request.is_null(), "{origin}: no {probe} with httpGet");
            let asked = workload.resolve_port(&request["port"]);
            assert_eq!(
                asked,
                Some(port),
                "{origin}: {probe} asks port {:?}, but it listens on {port}",
                request["port"]
            );
            let path = request["path"].as_str().unwrap_or_default();
            assert!(
                routes::is_health_path(path),
                "{origin}: {probe} asks {path:?}, which is no health endpoint"
            );
        }
    }
}

#[test]
fn each_pod_is_scraped_on_its_port_and_metrics_path() {
    for (workload, port) in listening() {
        let origin = &workload.container.origin;
        let annotations = &workload.template["metadata"]["annotations"];
        assert_eq!(
            annotations["prometheus.io/scrape"].as_str(),
            Some("true"),
            "{origin}: not scraped"
        );
        let scraped = annotations["prometheus.io/port"]
            .as_str()
            .and_then(|port| port.parse().ok());
        assert_eq!(
            scraped,
            Some(port),
            "{origin}: prometheus.io/port, but it listens on {port}"
        );
        let path = annotations["prometheus.io/path"]
            .as_str()
            .unwrap_or_default();
        assert!(
            routes::is_metrics_path(path),
            "{origin}: prometheus.io/path {path:?} serves no metrics"
        );
    }
}

#[test]
fn the_kubernetes_gateway_forwards_through_a_service_to_the_port_users_listens_on() {
    let services: Vec<Value> = base_documents()
        .into_iter()
        .filter(|document| document["kind"].as_str() == Some("Service"))
        .collect();
    for overlay in overlays() {
        let workloads = workloads(&overlay);
        let programs = |program| {
            workloads
                .iter()
                .filter(move |workload| workload.container.program() == Some(program))
        };
        for gateway in programs(Program::Gateway) {
            let origin = &gateway.container.origin;
            let Some(Some(instances)) = gateway
                .container
                .setting("gateway.upstreams.users.instances")
            else {
                panic!("{origin}: gateway.upstreams.users.instances is not set");
            };
            let instances: Vec<String> = serde_json::from_str(instances).expect("a list of URLs");
            for instance in instances {
                let (host, port) = url_host_and_port(&instance);
                let service = services
                    .iter()
                    .find(|service| service["metadata"]["name"].as_str() == Some(host.as_str()))
                    .unwrap_or_else(|| panic!("{origin}: upstream {instance}: no Service {host}"));
                let service_port = files::items(&service["spec"]["ports"])
                    .iter()
                    .find(|declared| declared["port"].as_u64() == Some(u64::from(port)))
                    .unwrap_or_else(|| {
                        panic!("{origin}: upstream {instance}: Service {host} has no port {port}")
                    });
                let selector = service["spec"]["selector"]
                    .as_mapping()
                    .expect("a selector");
                let users = programs(Program::Users)
                    .find(|users| {
                        selector
                            .iter()
                            .all(|(label, value)| &users.labels()[label] == value)
                    })
                    .unwrap_or_else(|| panic!("{origin}: Service {host} selects no users pod"));
                // Without targetPort, a Service forwards to its own port number.
                let target_port = match &service_port["targetPort"] {
                    Value::Null => &service_port["port"],
                    named_or_numbered => named_or_numbered,
                };
                let target = users.resolve_port(target_port);
                assert_eq!(
                    target,
                    users.container.http_port(),
                    "{origin}: upstream {instance}: Service {host} targets {target:?}, users listens on {:?}",
                    users.container.http_port()
                );
            }
        }
    }
}
