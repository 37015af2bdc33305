//! Just enough of kustomize for the checks (no kustomize binary where the
//! tests run): the ConfigMaps an overlay ends up with (the base's env files,
//! then the overlay's generators: `behavior: merge` adds and overrides keys)
//! and the overlay's JSON patches of what the checks read in a pod. A patch
//! this cannot place fails loudly rather than being skipped.

use std::collections::BTreeMap;

use serde_norway::Value;

use crate::files;

/// ConfigMap name -> its variables.
pub(crate) type ConfigMaps = BTreeMap<String, BTreeMap<String, String>>;

pub(crate) fn config_maps(overlay: &str) -> ConfigMaps {
    let mut maps = ConfigMaps::new();
    generate(&mut maps, files::KUSTOMIZE_BASE);
    generate(&mut maps, &format!("{}/{overlay}", files::OVERLAYS));
    maps
}

fn generate(maps: &mut ConfigMaps, directory: &str) {
    let kustomization = files::yaml(&format!("{directory}/kustomization.yaml"));
    for generator in files::items(&kustomization["configMapGenerator"]) {
        let name = generator["name"]
            .as_str()
            .expect("a generator has a name")
            .to_owned();
        let mut variables = BTreeMap::new();
        for file in files::items(&generator["envs"])
            .iter()
            .filter_map(Value::as_str)
        {
            variables.extend(env_file(&format!("{directory}/{file}")));
        }
        for literal in files::items(&generator["literals"])
            .iter()
            .filter_map(Value::as_str)
        {
            let (variable, value) = assignment(literal, directory);
            variables.insert(variable, value);
        }
        match generator["behavior"].as_str().unwrap_or("create") {
            "create" => {
                let previous = maps.insert(name.clone(), variables);
                assert!(
                    previous.is_none(),
                    "{directory}: ConfigMap {name} is created twice"
                );
            }
            "merge" => maps
                .get_mut(&name)
                .unwrap_or_else(|| {
                    panic!("{directory}: merges into {name}, which the base does not generate")
                })
                .extend(variables),
            "replace" => {
                let previous = maps.insert(name.clone(), variables);
                assert!(
                    previous.is_some(),
                    "{directory}: replaces {name}, which the base does not generate"
                );
            }
            other => panic!("{directory}: ConfigMap {name}: behavior {other}?"),
        }
    }
}

/// A kustomize env file: `KEY=VALUE` lines, `#` comments.
fn env_file(relative: &str) -> BTreeMap<String, String> {
    files::read(relative)
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| assignment(line, relative))
        .collect()
}

fn assignment(line: &str, origin: &str) -> (String, String) {
    let (key, value) = line
        .split_once('=')
        .unwrap_or_else(|| panic!("{origin}: {line}: KEY=VALUE expected"));
    (key.to_owned(), value.to_owned())
}

/// Paths of a workload whose patching changes what the checks read.
const WATCHED: [&str; 9] = [
    "/spec/template/metadata/annotations",
    "/spec/template/spec/containers/0/command",
    "/spec/template/spec/containers/0/args",
    "/spec/template/spec/containers/0/env",
    "/spec/template/spec/containers/0/envFrom",
    "/spec/template/spec/containers/0/ports",
    "/spec/template/spec/containers/0/startupProbe",
    "/spec/template/spec/containers/0/livenessProbe",
    "/spec/template/spec/containers/0/readinessProbe",
];

fn watched(path: &str) -> bool {
    // Below a watched path, or an ancestor of one (replacing it wholesale).
    WATCHED
        .iter()
        .any(|watched| path.starts_with(watched) || watched.starts_with(path))
}

/// Applies the overlay's JSON patches that change a watched path of the
/// workload `kind`/`name`.
pub(crate) fn patch(overlay: &str, kind: &str, name: &str, workload: &mut Value) {
    let directory = format!("{}/{overlay}", files::OVERLAYS);
    let kustomization = files::yaml(&format!("{directory}/kustomization.yaml"));
    for legacy in ["patchesJson6902", "patchesStrategicMerge"] {
        assert!(
            kustomization[legacy].is_null(),
            "{directory}: {legacy} is not read here: use patches"
        );
    }
    for entry in files::items(&kustomization["patches"]) {
        let documents = match (entry["path"].as_str(), entry["patch"].as_str()) {
            (Some(file), _) => files::yaml_documents(&format!("{directory}/{file}")),
            (None, Some(inline)) => vec![serde_norway::from_str(inline).expect("an inline patch")],
            _ => panic!("{directory}: a patch with neither path nor patch"),
        };
        let origin = format!(
            "{directory}: patch {:?}",
            entry["path"].as_str().unwrap_or("(inline)")
        );
        for document in documents {
            let Some(operations) = document.as_sequence() else {
                let patched_kind = document["kind"].as_str().unwrap_or_default();
                assert!(
                    !matches!(patched_kind, "Deployment" | "Job"),
                    "{origin}: a strategic-merge patch of a workload is not read here"
                );
                continue;
            };
            let relevant: Vec<&Value> = operations
                .iter()
                .filter(|operation| operation["path"].as_str().is_some_and(watched))
                .collect();
            if relevant.is_empty() {
                continue;
            }
            let target = &entry["target"];
            let (Some(target_kind), Some(target_name)) =
                (target["kind"].as_str(), target["name"].as_str())
            else {
                panic!(
                    "{origin}: changes a pod; name its target's kind and name so the checks can place it"
                );
            };
            let plain = |text: &str| text.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
            assert!(
                plain(target_kind) && plain(target_name),
                "{origin}: a pattern target is not read here"
            );
            if target_kind == kind && target_name == name {
                relevant
                    .into_iter()
                    .for_each(|operation| apply(workload, operation, &origin));
            }
        }
    }
}

/// One JSON patch (RFC 6902) `add`, `replace` or `remove`.
fn apply(document: &mut Value, operation: &Value, origin: &str) {
    let path = operation["path"]
        .as_str()
        .expect("watched paths are strings");
    let mut segments: Vec<String> = path
        .split('/')
        .skip(1)
        .map(|segment| segment.replace("~1", "/").replace("~0", "~"))
        .collect();
    let last = segments.pop().expect("a path below the root");
    let parent = segments.iter().fold(document, |node, segment| match node {
        Value::Sequence(items) => &mut items[segment.parse::<usize>().expect("an index")],
        _ => node
            .get_mut(segment.as_str())
            .unwrap_or_else(|| panic!("{origin}: {path}: no {segment}")),
    });
    let value = operation["value"].clone();
    match (operation["op"].as_str().unwrap_or_default(), parent) {
        ("add", Value::Sequence(items)) if last == "-" => items.push(value),
        ("add", Value::Sequence(items)) => items.insert(index(&last), value),
        ("replace", Value::Sequence(items)) => items[index(&last)] = value,
        ("remove", Value::Sequence(items)) => {
            items.remove(index(&last));
        }
        ("add" | "replace", Value::Mapping(entries)) => {
            entries.insert(Value::String(last), value);
        }
        ("remove", Value::Mapping(entries)) => {
            entries.remove(last.as_str());
        }
        (op, _) => panic!("{origin}: {op} {path} is not applied here"),
    }
}

fn index(segment: &str) -> usize {
    segment
        .parse()
        .unwrap_or_else(|_| panic!("{segment}: an index expected"))
}
