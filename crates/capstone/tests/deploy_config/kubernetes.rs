//! Each overlay's workloads of the capstone image: k8s/base's Deployments
//! and Job, with the overlay's ConfigMaps and patches applied (kustomize.rs).
//! kubernetes_ports.rs checks their ports, the environment checks their
//! environment.

use std::collections::BTreeMap;

use serde_norway::Value;

use crate::{container::Container, dockerfile, files, kustomize};

#[derive(Debug)]
pub(crate) struct Workload {
    /// `spec.template`, patched.
    pub(crate) template: Value,
    pub(crate) container: Container,
}

/// The overlays: one per environment (k8s/overlays/*).
pub(crate) fn overlays() -> Vec<String> {
    let mut overlays: Vec<String> = std::fs::read_dir(files::path(files::OVERLAYS))
        .expect("k8s/overlays is a directory")
        .map(|entry| entry.expect("a directory entry"))
        .filter(|entry| entry.path().join("kustomization.yaml").is_file())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    overlays.sort();
    overlays
}

/// Every document the base's `resources` list.
pub(crate) fn base_documents() -> Vec<Value> {
    let kustomization = files::yaml(&format!("{}/kustomization.yaml", files::KUSTOMIZE_BASE));
    files::items(&kustomization["resources"])
        .iter()
        .filter_map(Value::as_str)
        .flat_map(|resource| {
            files::yaml_documents(&format!("{}/{resource}", files::KUSTOMIZE_BASE))
        })
        .collect()
}

pub(crate) fn workloads(overlay: &str) -> Vec<Workload> {
    let config_maps = kustomize::config_maps(overlay);
    base_documents()
        .into_iter()
        .filter(|document| matches!(document["kind"].as_str(), Some("Deployment" | "Job")))
        .filter(|document| {
            let image = &document["spec"]["template"]["spec"]["containers"][0]["image"];
            image
                .as_str()
                .is_some_and(|image| image.starts_with("capstone"))
        })
        .map(|mut document| {
            let kind = document["kind"].as_str().unwrap_or_default().to_owned();
            let name = document["metadata"]["name"]
                .as_str()
                .expect("a name")
                .to_owned();
            kustomize::patch(overlay, &kind, &name, &mut document);
            let origin = format!("{}/{overlay}: {kind} {name}", files::OVERLAYS);
            let template = document["spec"]["template"].clone();
            let containers = files::items(&template["spec"]["containers"]);
            assert_eq!(
                containers.len(),
                1,
                "{origin}: one container per pod is what the checks read"
            );
            let mut command = files::words(&containers[0]["command"]);
            command.extend(files::words(&containers[0]["args"]));
            let environment = environment(&containers[0], &config_maps, &origin);
            Workload {
                container: Container {
                    origin,
                    command,
                    environment,
                },
                template,
            }
        })
        .collect()
}

/// The image's `ENV`, then `envFrom` ConfigMaps, then `env`, each over the last.
fn environment(
    container: &Value,
    config_maps: &kustomize::ConfigMaps,
    origin: &str,
) -> BTreeMap<String, Option<String>> {
    let mut environment: BTreeMap<String, Option<String>> = dockerfile::environment()
        .into_iter()
        .map(|(variable, value)| (variable, Some(value)))
        .collect();
    for source in files::items(&container["envFrom"]) {
        let Some(name) = source["configMapRef"]["name"].as_str() else {
            panic!(
                "{origin}: envFrom {source:?}: only a configMapRef shows which variables it sets"
            );
        };
        let variables = config_maps.get(name).unwrap_or_else(|| {
            panic!("{origin}: envFrom ConfigMap {name}, which no configMapGenerator makes")
        });
        environment.extend(
            variables
                .iter()
                .map(|(variable, value)| (variable.clone(), Some(value.clone()))),
        );
    }
    for variable in files::items(&container["env"]) {
        let name = variable["name"]
            .as_str()
            .expect("an env entry has a name")
            .to_owned();
        environment.insert(name, variable["value"].as_str().map(str::to_owned));
    }
    environment
}

impl Workload {
    pub(crate) fn first_container(&self) -> &Value {
        &self.template["spec"]["containers"][0]
    }

    /// A probe's or Service's `port`: a number, or a port's name.
    pub(crate) fn resolve_port(&self, port: &Value) -> Option<u16> {
        if let Some(number) = port.as_u64() {
            return u16::try_from(number).ok();
        }
        let name = port.as_str()?;
        files::items(&self.first_container()["ports"])
            .iter()
            .find(|declared| declared["name"].as_str() == Some(name))
            .and_then(|declared| declared["containerPort"].as_u64())
            .and_then(|number| u16::try_from(number).ok())
    }

    pub(crate) fn labels(&self) -> &Value {
        &self.template["metadata"]["labels"]
    }
}
