//! The image: which binaries the Dockerfile's runtime stage copies to
//! /usr/local/bin, the variables it sets, and the commands it runs; and the
//! check that every command in compose and Kubernetes names one of those
//! binaries, each of them a bin target of the workspace.

use std::{
    collections::{BTreeMap, BTreeSet},
    process::Command,
};

use crate::{compose, files, kubernetes};

const BINARIES: &str = "/usr/local/bin/";

/// The runtime (last) stage's instructions, continuation lines joined and
/// comments dropped, as Docker reads them.
fn runtime_stage() -> Vec<String> {
    let mut instructions = Vec::new();
    let mut current = String::new();
    for line in files::read(files::DOCKERFILE).lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match line.strip_suffix('\\') {
            Some(head) => {
                current.push_str(head);
                current.push(' ');
            }
            None => {
                current.push_str(line);
                instructions.push(std::mem::take(&mut current));
            }
        }
    }
    let from = instructions
        .iter()
        .rposition(|instruction| instruction.starts_with("FROM "))
        .expect("the Dockerfile has a FROM");
    instructions.split_off(from)
}

/// The instructions starting with `keyword`, the keyword removed.
fn arguments(keyword: &str) -> Vec<String> {
    runtime_stage()
        .into_iter()
        .filter_map(|instruction| {
            let rest = instruction.strip_prefix(keyword)?;
            rest.starts_with(' ').then(|| rest.trim().to_owned())
        })
        .collect()
}

/// The file names the runtime stage copies into /usr/local/bin.
pub(crate) fn copied_binaries() -> BTreeSet<String> {
    let mut binaries = BTreeSet::new();
    for copy in arguments("COPY") {
        let words: Vec<&str> = copy
            .split_whitespace()
            .filter(|word| !word.starts_with("--"))
            .collect();
        if let Some((destination, sources)) = words.split_last()
            && *destination == BINARIES
        {
            binaries.extend(
                sources
                    .iter()
                    .map(|source| source.rsplit('/').next().unwrap_or(source).to_owned()),
            );
        }
    }
    binaries
}

/// The image's `ENV KEY=VALUE` settings: every container of it starts with them.
pub(crate) fn environment() -> BTreeMap<String, String> {
    arguments("ENV")
        .iter()
        .flat_map(|line| line.split_whitespace())
        .map(|pair| {
            let (key, value) = pair
                .split_once('=')
                .unwrap_or_else(|| panic!("ENV {pair}: KEY=VALUE expected"));
            (key.to_owned(), value.trim_matches('"').to_owned())
        })
        .collect()
}

/// The exec-form commands of `CMD` and `HEALTHCHECK ... CMD [...]`.
fn commands() -> Vec<Vec<String>> {
    runtime_stage()
        .iter()
        .filter(|instruction| {
            instruction.starts_with("CMD ") || instruction.starts_with("HEALTHCHECK ")
        })
        .filter_map(|instruction| instruction.find('[').map(|at| &instruction[at..]))
        .map(|list| serde_json::from_str(list).unwrap_or_else(|error| panic!("{list}: {error}")))
        .collect()
}

/// The names of the workspace's bin targets, from `cargo metadata`.
fn workspace_binaries() -> BTreeSet<String> {
    let output = Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--no-deps",
            "--format-version",
            "1",
            "--manifest-path",
        ])
        .arg(files::path("Cargo.toml"))
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "cargo metadata: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("cargo metadata prints JSON");
    let packages = metadata["packages"]
        .as_array()
        .expect("metadata lists packages");
    packages
        .iter()
        .flat_map(|package| package["targets"].as_array().cloned().unwrap_or_default())
        .filter(|target| {
            target["kind"]
                .as_array()
                .is_some_and(|kinds| kinds.iter().any(|kind| kind == "bin"))
        })
        .filter_map(|target| target["name"].as_str().map(str::to_owned))
        .collect()
}

#[test]
fn the_image_holds_only_binaries_the_workspace_builds() {
    let copied = copied_binaries();
    let built = workspace_binaries();
    assert!(
        !copied.is_empty(),
        "{}: no COPY to {BINARIES}",
        files::DOCKERFILE
    );
    let strangers: Vec<_> = copied.difference(&built).collect();
    assert!(
        strangers.is_empty(),
        "{} copies {strangers:?} to {BINARIES}, but the workspace's bin targets are {built:?}",
        files::DOCKERFILE
    );
}

#[test]
fn every_command_runs_a_binary_the_image_holds() {
    let mut commands: Vec<(String, Vec<String>)> = commands()
        .into_iter()
        .map(|command| (files::DOCKERFILE.to_owned(), command))
        .collect();
    for service in compose::app_services() {
        let origin = service.container.origin.clone();
        commands.push((
            format!("{origin} (healthcheck)"),
            service.healthcheck_command(),
        ));
        commands.push((origin, service.container.command));
    }
    for overlay in kubernetes::overlays() {
        for workload in kubernetes::workloads(&overlay) {
            commands.push((workload.container.origin, workload.container.command));
        }
    }
    let copied = copied_binaries();
    let missing: Vec<String> = commands
        .iter()
        .flat_map(|(origin, command)| command.iter().map(move |word| (origin, word)))
        .filter_map(|(origin, word)| {
            let binary = word.strip_prefix(BINARIES)?;
            (!copied.contains(binary)).then(|| format!("{origin}: {word}"))
        })
        .collect();
    assert!(
        missing.is_empty(),
        "not in the image ({copied:?}):\n{}",
        missing.join("\n")
    );
}
