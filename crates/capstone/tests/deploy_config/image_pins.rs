//! Every third-party image is pinned by tag and digest (`name:tag@sha256:`),
//! wherever it is named: the Dockerfile's FROM lines, compose.yaml, every
//! Kubernetes manifest and the workflows' containers. The digest is what
//! runs; the tag says which release it is. Our own `capstone` image is the
//! exception: CD pins its digest at deploy time. The copies of an image that
//! Dependabot does not read (ci.yml's service containers, the dev overlay's
//! datastores) must equal compose.yaml's, which it does read.

use std::collections::BTreeMap;

use serde_norway::Value;

use crate::{
    files,
    pinning::{is_hex, workflow_files},
};

const DEV_DATASTORES: &str = "k8s/overlays/dev/datastores";

/// Our own image: built here, pinned by CD at deploy time.
fn is_ours(image: &str) -> bool {
    image == "capstone" || image.starts_with("capstone:") || image.starts_with("capstone@")
}

/// Why an image reference is not `name:tag@sha256:<64 hex>`, if it is not.
fn unpinned_image(image: &str) -> Option<&'static str> {
    let Some((name_and_tag, digest)) = image.split_once("@sha256:") else {
        return Some("no @sha256: digest");
    };
    if !is_hex(digest, 64) {
        return Some("the digest is not 64 hex digits");
    }
    // The tag follows the last `:` after the last `/` (a registry may
    // have a port).
    let last_segment = name_and_tag.rsplit('/').next().unwrap_or(name_and_tag);
    match last_segment.split_once(':') {
        Some((_, tag)) if !tag.is_empty() => None,
        _ => Some("no tag beside the digest to say which release it is"),
    }
}

/// Every third-party image: (where, reference).
fn third_party_images() -> Vec<(String, String)> {
    let mut images = Vec::new();
    // Dockerfile: FROM lines that are not a previous stage.
    let dockerfile = files::read(files::DOCKERFILE);
    let mut stages = Vec::new();
    for line in dockerfile.lines().filter(|line| line.starts_with("FROM ")) {
        let words: Vec<&str> = line.split_whitespace().collect();
        let image = words.iter().skip(1).find(|word| !word.starts_with("--"));
        let image = image.expect("FROM names an image").to_string();
        if !stages.contains(&image) {
            images.push((files::DOCKERFILE.to_owned(), image));
        }
        if let Some(position) = words
            .iter()
            .position(|word| word.eq_ignore_ascii_case("AS"))
        {
            stages.push(words[position + 1].to_owned());
        }
    }
    // compose.yaml: every service's image.
    for (origin, image) in compose_images() {
        images.push((origin, image));
    }
    // Kubernetes: every container and init container, in every file.
    for file in yaml_files_under("k8s") {
        for document in files::yaml_documents(&file) {
            collect_container_images(&document, &file, &mut images);
        }
    }
    // Workflows: service containers and job containers.
    for (origin, image) in workflow_images() {
        images.push((origin, image));
    }
    images.retain(|(_, image)| !is_ours(image));
    images
}

fn compose_images() -> Vec<(String, String)> {
    let compose = files::yaml(files::COMPOSE);
    let services = compose["services"]
        .as_mapping()
        .expect("compose.yaml has services");
    services
        .iter()
        .filter_map(|(name, definition)| {
            let image = definition["image"].as_str()?;
            let name = name.as_str().unwrap_or_default();
            Some((
                format!("{} service {name}", files::COMPOSE),
                image.to_owned(),
            ))
        })
        .collect()
}

fn workflow_images() -> Vec<(String, String)> {
    let mut images = Vec::new();
    for file in workflow_files() {
        let workflow = files::yaml(&file);
        for (job, definition) in workflow["jobs"].as_mapping().into_iter().flatten() {
            let job = job.as_str().unwrap_or_default();
            for (service, container) in definition["services"].as_mapping().into_iter().flatten() {
                if let Some(image) = container["image"].as_str() {
                    let service = service.as_str().unwrap_or_default();
                    images.push((
                        format!("{file} job {job} service {service}"),
                        image.to_owned(),
                    ));
                }
            }
            let container = &definition["container"];
            if let Some(image) = container.as_str().or_else(|| container["image"].as_str()) {
                images.push((format!("{file} job {job} container"), image.to_owned()));
            }
        }
    }
    images
}

fn yaml_files_under(directory: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut pending = vec![directory.to_owned()];
    while let Some(current) = pending.pop() {
        for entry in std::fs::read_dir(files::path(&current)).expect("a directory") {
            let entry = entry.expect("a directory entry");
            let relative = format!("{current}/{}", entry.file_name().to_string_lossy());
            if entry.path().is_dir() {
                pending.push(relative);
            } else if relative.ends_with(".yaml") || relative.ends_with(".yml") {
                found.push(relative);
            }
        }
    }
    found.sort();
    found
}

/// The `image` of every entry of a `containers` or `initContainers` list.
fn collect_container_images(value: &Value, origin: &str, images: &mut Vec<(String, String)>) {
    match value {
        Value::Mapping(entries) => {
            for (key, child) in entries {
                if matches!(key.as_str(), Some("containers" | "initContainers")) {
                    for container in files::items(child) {
                        if let Some(image) = container["image"].as_str() {
                            images.push((origin.to_owned(), image.to_owned()));
                        }
                    }
                }
                collect_container_images(child, origin, images);
            }
        }
        Value::Sequence(items) => items
            .iter()
            .for_each(|item| collect_container_images(item, origin, images)),
        _ => {}
    }
}

#[test]
fn every_third_party_image_is_pinned_by_tag_and_digest() {
    let images = third_party_images();
    assert!(images.len() >= 10, "too few images found: {images:?}");
    let unpinned: Vec<String> = images
        .iter()
        .filter_map(|(origin, image)| {
            unpinned_image(image).map(|why| format!("{origin}: {image}: {why}"))
        })
        .collect();
    assert!(
        unpinned.is_empty(),
        "unpinned images:\n{}",
        unpinned.join("\n")
    );
}

#[test]
fn the_image_check_refuses_bare_tags_and_bare_digests() {
    let digest = "a".repeat(64);
    assert_eq!(
        unpinned_image(&format!("postgres:17.6@sha256:{digest}")),
        None
    );
    assert_eq!(
        unpinned_image(&format!("registry:5000/team/app:1.0@sha256:{digest}")),
        None
    );
    assert!(unpinned_image("postgres:17.6").is_some());
    assert!(unpinned_image(&format!("postgres@sha256:{digest}")).is_some());
    assert!(unpinned_image(&format!("registry:5000/app@sha256:{digest}")).is_some());
    assert!(unpinned_image("postgres:17.6@sha256:abc").is_some());
    assert!(is_ours("capstone:dev") && !is_ours("capstone-smoke/postgres:bookworm"));
}

/// The repository part of a reference: `postgres:17.6@sha256:...` -> `postgres`.
fn repository(image: &str) -> &str {
    let without_digest = image.split('@').next().unwrap_or(image);
    match without_digest.rsplit_once(':') {
        Some((name, tag)) if !tag.contains('/') => name,
        _ => without_digest,
    }
}

#[test]
fn ci_services_and_dev_datastores_use_compose_images_exactly() {
    let compose: BTreeMap<String, String> = compose_images()
        .into_iter()
        .filter(|(_, image)| !is_ours(image))
        .map(|(_, image)| (repository(&image).to_owned(), image))
        .collect();
    let mut copies = workflow_images();
    for file in yaml_files_under(DEV_DATASTORES) {
        for document in files::yaml_documents(&file) {
            collect_container_images(&document, &file, &mut copies);
        }
    }
    assert!(copies.len() >= 7, "too few copies found: {copies:?}");
    let drifted: Vec<String> = copies
        .iter()
        .filter_map(|(origin, image)| match compose.get(repository(image)) {
            Some(expected) if expected == image => None,
            Some(expected) => Some(format!(
                "{origin}: {image}, but compose.yaml has {expected}"
            )),
            None => Some(format!(
                "{origin}: {image}, which compose.yaml does not run"
            )),
        })
        .collect();
    assert!(drifted.is_empty(), "{}", drifted.join("\n"));
}
