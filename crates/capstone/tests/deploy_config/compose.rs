//! compose.yaml's containers of the capstone image, read as compose reads
//! them (merge keys applied, `${VARIABLE:-default}` interpolated), and the
//! checks that its healthchecks, published ports, Prometheus' scrape
//! targets and the gateway's upstream all use the port each service listens on.

use std::collections::BTreeMap;

use serde_norway::Value;

use crate::{
    container::{Container, url_host_and_port},
    dockerfile, files,
    interpolation::with_defaults,
    routes,
    settings::Program,
};

/// A compose service that runs the capstone image.
#[derive(Debug)]
pub(crate) struct AppService {
    pub(crate) name: String,
    definition: Value,
    pub(crate) container: Container,
}

pub(crate) fn app_services() -> Vec<AppService> {
    let mut compose = files::yaml(files::COMPOSE);
    interpolate(&mut compose);
    let services = compose["services"]
        .as_mapping()
        .expect("compose.yaml has services");
    services
        .iter()
        .filter(|(_, definition)| runs_the_image(definition))
        .map(|(name, definition)| {
            let name = name.as_str().expect("service names are strings").to_owned();
            let mut environment: BTreeMap<String, Option<String>> = dockerfile::environment()
                .into_iter()
                .map(|(variable, value)| (variable, Some(value)))
                .collect();
            environment.extend(variables(&definition["environment"]));
            let container = Container {
                origin: format!("{} service {name}", files::COMPOSE),
                command: files::words(&definition["command"]),
                environment,
            };
            AppService {
                name,
                definition: definition.clone(),
                container,
            }
        })
        .collect()
}

fn runs_the_image(definition: &Value) -> bool {
    definition["image"]
        .as_str()
        .is_some_and(|image| image.starts_with("capstone:"))
        || !definition["build"].is_null()
}

/// Every string, as compose interpolates it with no variable set.
fn interpolate(value: &mut Value) {
    match value {
        Value::String(text) => {
            *text =
                with_defaults(text).unwrap_or_else(|error| panic!("{}: {error}", files::COMPOSE));
        }
        Value::Sequence(items) => items.iter_mut().for_each(interpolate),
        Value::Mapping(entries) => entries.values_mut().for_each(interpolate),
        _ => {}
    }
}

/// `environment:` in its map or list form. A variable without a value
/// passes the host's through: set, with a value unknown here.
fn variables(environment: &Value) -> BTreeMap<String, Option<String>> {
    match environment {
        Value::Mapping(entries) => entries
            .iter()
            .map(|(name, value)| {
                (
                    files::scalar(name).expect("a variable name"),
                    files::scalar(value),
                )
            })
            .collect(),
        _ => files::items(environment)
            .iter()
            .filter_map(Value::as_str)
            .map(|entry| match entry.split_once('=') {
                Some((name, value)) => (name.to_owned(), Some(value.to_owned())),
                None => (entry.to_owned(), None),
            })
            .collect(),
    }
}

impl AppService {
    pub(crate) fn healthcheck_command(&self) -> Vec<String> {
        files::words(&self.definition["healthcheck"]["test"])
    }

    /// The URL its healthcheck asks: `capstone healthcheck URL`, or
    /// CAPSTONE_HEALTHCHECK_URL. The image has no curl, so nothing else.
    fn healthcheck_url(&self) -> String {
        let command = self.healthcheck_command();
        let origin = &self.container.origin;
        let at = command
            .iter()
            .position(|word| word == "healthcheck")
            .unwrap_or_else(|| {
                panic!("{origin}: healthcheck {command:?} is not `capstone healthcheck`")
            });
        command
            .get(at + 1)
            .cloned()
            .or_else(|| {
                self.container
                    .environment
                    .get("CAPSTONE_HEALTHCHECK_URL")
                    .cloned()
                    .flatten()
            })
            .unwrap_or_else(|| {
                panic!("{origin}: `capstone healthcheck` without a URL asks port 8080")
            })
    }

    /// The container ports it publishes.
    fn published_ports(&self) -> Vec<u16> {
        files::items(&self.definition["ports"])
            .iter()
            .map(|entry| {
                let port = match entry {
                    Value::Mapping(_) => files::scalar(&entry["target"]).unwrap_or_default(),
                    _ => files::scalar(entry).unwrap_or_default(),
                };
                let container = port.rsplit(':').next().unwrap_or_default();
                let container = container.trim_end_matches("/tcp");
                container
                    .parse()
                    .unwrap_or_else(|_| panic!("{}: port {port:?}", self.container.origin))
            })
            .collect()
    }
}

/// The services with an HTTP server, and the port each listens on.
fn listening() -> Vec<(AppService, u16)> {
    app_services()
        .into_iter()
        .filter_map(|service| {
            let port = service.container.http_port()?;
            Some((service, port))
        })
        .collect()
}

#[test]
fn compose_healthchecks_ask_a_health_path_on_the_port_each_service_listens_on() {
    for (service, port) in listening() {
        let url = service.healthcheck_url();
        let (host, asked) = url_host_and_port(&url);
        let origin = &service.container.origin;
        assert_eq!(
            host, "127.0.0.1",
            "{origin}: the healthcheck runs inside the container"
        );
        assert_eq!(
            asked, port,
            "{origin}: healthcheck {url} but it listens on {port}"
        );
        let path = reqwest::Url::parse(&url)
            .expect("parsed above")
            .path()
            .to_owned();
        assert!(
            routes::is_health_path(&path),
            "{origin}: healthcheck {url}: {path} is no health endpoint"
        );
    }
}

#[test]
fn compose_publishes_the_port_each_service_listens_on() {
    for (service, port) in listening() {
        let published = service.published_ports();
        assert!(
            published.iter().all(|published| *published == port),
            "{}: publishes container ports {published:?}, but it listens on {port}",
            service.container.origin
        );
    }
}

#[test]
fn prometheus_scrapes_each_compose_service_on_the_port_it_listens_on() {
    let ports: BTreeMap<String, u16> = listening()
        .into_iter()
        .map(|(service, port)| (service.name, port))
        .collect();
    let prometheus = files::yaml(files::PROMETHEUS);
    let targets = files::items(&prometheus["scrape_configs"])
        .iter()
        .flat_map(|job| files::items(&job["static_configs"]))
        .flat_map(|config| files::items(&config["targets"]))
        .filter_map(Value::as_str);
    for target in targets {
        let (host, port) = url_host_and_port(&format!("http://{target}"));
        let listens = ports.get(&host);
        assert_eq!(
            listens,
            Some(&port),
            "{}: target {target}, but compose's {host} listens on {listens:?}",
            files::PROMETHEUS
        );
    }
}

#[test]
fn the_compose_gateway_forwards_to_the_port_the_users_service_listens_on() {
    let services = listening();
    for (gateway, _) in services
        .iter()
        .filter(|(service, _)| service.container.program() == Some(Program::Gateway))
    {
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
            let users = services.iter().find(|(service, _)| {
                service.name == host && service.container.program() == Some(Program::Users)
            });
            let listens = users.map(|(_, port)| *port);
            assert_eq!(
                listens,
                Some(port),
                "{origin}: upstream {instance}, but users there listens on {listens:?}"
            );
        }
    }
}
