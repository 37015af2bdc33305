//! The keys that seal link tokens (`link_sealing`,
//! crates/platform/src/sealing.rs): the users service seals with the last
//! key it lists, the worker opens with any key it lists. Both read the keys
//! as files of one Secret, `link-sealing`, mounted read-only; the dev
//! overlay generates it from dev-only files, prod syncs it from Secrets
//! Manager, where Terraform generates each key and lets both services' roles
//! read it. These checks tie the two lists, the mounts, each overlay's
//! Secret and Terraform together, and hold at every step of a rotation
//! (k8s/README.md, "Rotating the link-sealing key").

use std::{
    collections::{BTreeMap, BTreeSet},
    path::{Path, PathBuf},
    sync::atomic::{AtomicUsize, Ordering},
};

use capstone_platform::{
    load_settings,
    sealing::{Sealer, SealingKeySettings, SealingSettings},
};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use serde_norway::Value;

use crate::{
    files,
    kubernetes::{self, Workload},
    settings::Program,
    terraform::{block, quoted},
};

const VARIABLE: &str = "CAPSTONE_LINK_SEALING__KEYS";
const SECRET: &str = "link-sealing";
const MOUNT_PATH: &str = "/run/secrets/link-sealing";
const SECRETS_MODULE: &str = "infra/terraform/modules/secrets/main.tf";
const SECRETS_OUTPUTS: &str = "infra/terraform/modules/secrets/outputs.tf";
const SECRETS_VERSIONS: &str = "infra/terraform/modules/secrets/versions.tf";
const IDENTITIES: &str = "infra/terraform/modules/capstone/identities.tf";
/// What Terraform names prod's link-sealing key `<id>`.
const PROD_SECRET_PREFIX: &str = "capstone/prod/shared/link-sealing/";

/// One key a service lists: its id, and its file in the mounted Secret.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ListedKey {
    id: String,
    file: String,
}

/// Where an overlay's Secret `link-sealing` takes one key from.
#[derive(Debug)]
enum KeySource {
    /// A secretGenerator file, relative to the repository root.
    File(String),
    /// A secretGenerator literal.
    Literal(String),
    /// An ExternalSecret's `remoteRef.key` (the value is not in the repository).
    Remote(String),
}

/// The users and the worker workloads of an overlay.
fn ends(overlay: &str) -> (Workload, Workload) {
    let (mut users, mut worker) = (None, None);
    for workload in kubernetes::workloads(overlay) {
        match workload.container.program() {
            Some(Program::Users) => users = Some(workload),
            Some(Program::Worker) => worker = Some(workload),
            _ => {}
        }
    }
    (
        users.unwrap_or_else(|| panic!("overlay {overlay}: no users Deployment")),
        worker.unwrap_or_else(|| panic!("overlay {overlay}: no worker Deployment")),
    )
}

/// `[link_sealing]` and nothing else: other sections are ignored, as the
/// services ignore the sections of others.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
struct LinkSealingSection {
    link_sealing: SealingSettings,
}

/// A file of its own for each call, removed by the caller.
fn scratch_file(contents: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let path = std::env::temp_dir().join(format!(
        "capstone-deploy-config-link-sealing-{}-{}.toml",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::write(&path, contents).expect("write a scratch file");
    path
}

/// The keys `workload` lists in CAPSTONE_LINK_SEALING__KEYS, read by the
/// services' own loader into their own types (`deny_unknown_fields`
/// included). The variable's `[{id="k1", key_file="..."}]` is figment's
/// syntax for a list of dictionaries, which is also TOML's, so a TOML file
/// holds the value unchanged.
fn listed_settings(workload: &Workload) -> Vec<SealingKeySettings> {
    let origin = &workload.container.origin;
    let value = match workload.container.environment.get(VARIABLE) {
        Some(Some(value)) => value,
        Some(None) => panic!(
            "{origin}: {VARIABLE} comes from a Secret; it only names files, so set it in the ConfigMap"
        ),
        None => panic!("{origin}: {VARIABLE} is not set"),
    };
    let file = scratch_file(&format!("[link_sealing]\nkeys = {value}\n"));
    let loaded = load_settings::<LinkSealingSection>(Some(&file));
    let _ = std::fs::remove_file(&file);
    loaded
        .unwrap_or_else(|error| panic!("{origin}: {VARIABLE}={value}: {error}"))
        .link_sealing
        .keys
}

/// The keys `workload` lists, each a file of the mounted Secret: never an
/// inline key (it would sit in a ConfigMap, readable by anyone who may read
/// those).
fn listed_keys(workload: &Workload) -> Vec<ListedKey> {
    let origin = &workload.container.origin;
    let keys: Vec<ListedKey> = listed_settings(workload)
        .into_iter()
        .map(|key| {
            assert!(
                key.key.is_none(),
                "{origin}: {VARIABLE}: key {} is inline; use key_file, a file of the Secret {SECRET}",
                key.id
            );
            let path = key
                .key_file
                .unwrap_or_else(|| panic!("{origin}: {VARIABLE}: key {} has no key_file", key.id));
            assert_eq!(
                path.parent(),
                Some(Path::new(MOUNT_PATH)),
                "{origin}: {VARIABLE}: key {} is not a file in {MOUNT_PATH}",
                key.id
            );
            let file = path
                .file_name()
                .and_then(|name| name.to_str())
                .expect("a file name")
                .to_owned();
            ListedKey { id: key.id, file }
        })
        .collect();
    assert!(!keys.is_empty(), "{origin}: {VARIABLE} lists no key");
    let ids: BTreeSet<&str> = keys.iter().map(|key| key.id.as_str()).collect();
    assert_eq!(ids.len(), keys.len(), "{origin}: {VARIABLE}: an id twice");
    keys
}

/// The Secret mounted at MOUNT_PATH, if any: read-only and whole, so that a
/// key added to the Secret for a rotation appears as a file by itself.
fn mounted_secret(workload: &Workload) -> Option<String> {
    let origin = &workload.container.origin;
    let mount = files::items(&workload.first_container()["volumeMounts"])
        .iter()
        .find(|mount| mount["mountPath"].as_str() == Some(MOUNT_PATH))?;
    assert_eq!(
        mount["readOnly"].as_bool(),
        Some(true),
        "{origin}: {MOUNT_PATH} must be mounted readOnly"
    );
    assert!(
        mount["subPath"].is_null(),
        "{origin}: {MOUNT_PATH} with a subPath hides keys added later"
    );
    let name = mount["name"].as_str().expect("a mount names its volume");
    let volume = files::items(&workload.template["spec"]["volumes"])
        .iter()
        .find(|volume| volume["name"].as_str() == Some(name))
        .unwrap_or_else(|| panic!("{origin}: mounts the volume {name}, which the pod lacks"));
    assert!(
        volume["secret"]["items"].is_null(),
        "{origin}: volume {name} picks `items`: mount the whole Secret, so that a rotation only adds a key to it"
    );
    let secret = volume["secret"]["secretName"]
        .as_str()
        .unwrap_or_else(|| panic!("{origin}: volume {name} is not a Secret"));
    Some(secret.to_owned())
}

/// Each key of the Secret `link-sealing` in `overlay`: from a secretGenerator
/// in the overlay, or an ExternalSecret in its external-secrets/.
fn secret_keys(overlay: &str) -> BTreeMap<String, KeySource> {
    let directory = format!("{}/{overlay}", files::OVERLAYS);
    let kustomization = files::yaml(&format!("{directory}/kustomization.yaml"));
    let generator = files::items(&kustomization["secretGenerator"])
        .iter()
        .find(|generator| generator["name"].as_str() == Some(SECRET));
    if let Some(generator) = generator {
        let mut keys = BTreeMap::new();
        for entry in files::items(&generator["files"])
            .iter()
            .filter_map(Value::as_str)
        {
            let (key, file) = entry.split_once('=').unwrap_or_else(|| {
                let name = entry.rsplit('/').next().unwrap_or(entry);
                (name, entry)
            });
            keys.insert(
                key.to_owned(),
                KeySource::File(format!("{directory}/{file}")),
            );
        }
        for entry in files::items(&generator["literals"])
            .iter()
            .filter_map(Value::as_str)
        {
            let (key, value) = entry
                .split_once('=')
                .unwrap_or_else(|| panic!("{directory}: {SECRET}: {entry}: KEY=VALUE expected"));
            keys.insert(key.to_owned(), KeySource::Literal(value.to_owned()));
        }
        return keys;
    }
    let external = format!("{directory}/external-secrets");
    assert!(
        files::path(&format!("{external}/kustomization.yaml")).is_file(),
        "overlay {overlay}: nothing makes the Secret {SECRET} (a secretGenerator, or an ExternalSecret in external-secrets/)"
    );
    let kustomization = files::yaml(&format!("{external}/kustomization.yaml"));
    for resource in files::items(&kustomization["resources"])
        .iter()
        .filter_map(Value::as_str)
    {
        for document in files::yaml_documents(&format!("{external}/{resource}")) {
            if document["kind"].as_str() == Some("ExternalSecret")
                && document["spec"]["target"]["name"].as_str() == Some(SECRET)
            {
                return files::items(&document["spec"]["data"])
                    .iter()
                    .map(|entry| {
                        let key = entry["secretKey"].as_str().expect("a secretKey");
                        let remote = entry["remoteRef"]["key"].as_str().expect("a remoteRef.key");
                        (key.to_owned(), KeySource::Remote(remote.to_owned()))
                    })
                    .collect();
            }
        }
    }
    panic!("overlay {overlay}: no ExternalSecret in {external} makes the Secret {SECRET}")
}

/// The settings `keys` would be with each file read from where the overlay's
/// Secret takes it; `None` when a value is not in the repository.
fn with_repository_values(
    keys: &[ListedKey],
    sources: &BTreeMap<String, KeySource>,
) -> Option<SealingSettings> {
    let keys = keys
        .iter()
        .map(|listed| {
            let source = sources.get(&listed.file).unwrap_or_else(|| {
                panic!(
                    "{SECRET} has no key {} (for key id {})",
                    listed.file, listed.id
                )
            });
            let (key, key_file) = match source {
                KeySource::File(file) => (None, Some(files::path(file))),
                KeySource::Literal(value) => (Some(SecretString::from(value.clone())), None),
                KeySource::Remote(_) => return None,
            };
            Some(SealingKeySettings {
                id: listed.id.clone(),
                key,
                key_file,
            })
        })
        .collect::<Option<Vec<_>>>()?;
    Some(SealingSettings { keys })
}

/// The key ids Terraform generates a secret for.
fn terraform_key_ids() -> Vec<String> {
    let module = files::read(SECRETS_MODULE);
    let line = module
        .lines()
        .find(|line| line.trim_start().starts_with("link_sealing_key_ids"))
        .unwrap_or_else(|| panic!("{SECRETS_MODULE}: no link_sealing_key_ids"));
    let ids = quoted(line);
    assert!(!ids.is_empty(), "{SECRETS_MODULE}: no link-sealing key");
    ids
}

/// `text` with every run of whitespace made one space, so that checks do
/// not depend on `terraform fmt`'s alignment.
fn squeezed(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn users_and_worker_mount_the_same_link_sealing_secret_read_only_and_the_gateway_does_not() {
    for overlay in kubernetes::overlays() {
        let (users, worker) = ends(&overlay);
        for end in [&users, &worker] {
            assert_eq!(
                mounted_secret(end).as_deref(),
                Some(SECRET),
                "{}: the Secret {SECRET} must be mounted at {MOUNT_PATH}",
                end.container.origin
            );
        }
        for gateway in kubernetes::workloads(&overlay)
            .iter()
            .filter(|workload| workload.container.program() == Some(Program::Gateway))
        {
            let volumes = files::items(&gateway.template["spec"]["volumes"]);
            assert!(
                !volumes
                    .iter()
                    .any(|volume| volume["secret"]["secretName"].as_str() == Some(SECRET)),
                "{}: the gateway has no use for the link-sealing keys",
                gateway.container.origin
            );
        }
    }
}

#[test]
fn the_worker_holds_every_link_sealing_key_the_users_service_lists() {
    // Equal lists but while a rotation is under way, when the worker holds
    // the new key before the users service seals with it (or still holds the
    // old one): what users seals, the worker must open.
    for overlay in kubernetes::overlays() {
        let (users, worker) = ends(&overlay);
        let worker_keys = listed_keys(&worker);
        for key in listed_keys(&users) {
            assert!(
                worker_keys.contains(&key),
                "overlay {overlay}: the users service lists link-sealing key {} ({MOUNT_PATH}/{}), the worker does not (it has {worker_keys:?}); add it to the worker first",
                key.id,
                key.file
            );
        }
    }
}

#[test]
fn every_link_sealing_key_file_is_a_key_of_the_secret_each_overlay_makes() {
    for overlay in kubernetes::overlays() {
        let sources = secret_keys(&overlay);
        let (users, worker) = ends(&overlay);
        for end in [&users, &worker] {
            for key in listed_keys(end) {
                assert!(
                    sources.contains_key(&key.file),
                    "{}: link-sealing key {} reads {MOUNT_PATH}/{}, which overlay {overlay}'s Secret {SECRET} lacks (it has {:?})",
                    end.container.origin,
                    key.id,
                    key.file,
                    sources.keys().collect::<Vec<_>>()
                );
            }
        }
    }
}

#[test]
fn where_the_keys_are_in_the_repository_the_worker_opens_what_users_seals() {
    let mut checked = Vec::new();
    for overlay in kubernetes::overlays() {
        let sources = secret_keys(&overlay);
        let (users, worker) = ends(&overlay);
        let (Some(users_settings), Some(worker_settings)) = (
            with_repository_values(&listed_keys(&users), &sources),
            with_repository_values(&listed_keys(&worker), &sources),
        ) else {
            continue; // prod: the values live in Secrets Manager
        };
        // As each service would start: with its environment's rules (the
        // base runs every overlay as production, which refuses weak keys).
        let sealer = |workload: &Workload, settings: &SealingSettings| {
            Sealer::from_settings(settings, workload.container.runs_as()).unwrap_or_else(|error| {
                panic!(
                    "{}: the link-sealing keys would not load: {error}",
                    workload.container.origin
                )
            })
        };
        let context = "deploy-config check";
        let sealed = sealer(&users, &users_settings)
            .seal("a link token", context)
            .expect("users seals");
        let opened = sealer(&worker, &worker_settings)
            .open(&sealed, context)
            .unwrap_or_else(|error| panic!("overlay {overlay}: the worker cannot open: {error}"));
        assert_eq!(opened.expose_secret(), "a link token");
        checked.push(overlay);
    }
    assert!(
        checked.contains(&"dev".to_owned()),
        "the dev overlay's keys are in the repository and must be checked"
    );
}

#[test]
fn prod_syncs_each_link_sealing_key_from_the_secret_terraform_generates_for_it() {
    let ids = terraform_key_ids();
    let sources = secret_keys("prod");
    assert!(!sources.is_empty(), "prod: the Secret {SECRET} has no key");
    for (key, source) in &sources {
        let KeySource::Remote(remote) = source else {
            panic!("prod: {SECRET} key {key} is not synced from Secrets Manager: {source:?}");
        };
        assert_eq!(
            remote,
            &format!("{PROD_SECRET_PREFIX}{key}"),
            "prod: {SECRET} key {key} must come from Terraform's secret for key id {key}"
        );
        assert!(
            ids.contains(key),
            "prod: {SECRET} key {key}: Terraform generates no such key (it has {ids:?})"
        );
    }
    // The file name is the key id, in both lists.
    let (users, worker) = ends("prod");
    for key in listed_keys(&users).into_iter().chain(listed_keys(&worker)) {
        assert_eq!(
            key.file, key.id,
            "prod: key id {} reads another id's file",
            key.id
        );
    }
}

#[test]
fn terraform_generates_32_byte_link_sealing_keys_that_users_and_worker_may_read() {
    let module = files::read(SECRETS_MODULE);
    let resource = |header: &str| squeezed(block(SECRETS_MODULE, &module, header));
    let bytes = resource("resource \"random_bytes\" \"link_sealing_key\"");
    assert!(
        bytes.contains("for_each = toset(local.link_sealing_key_ids)")
            && bytes.contains("length = 32"),
        "{SECRETS_MODULE}: one random_bytes of length 32 per key id: {bytes}"
    );
    assert!(
        squeezed(&module).contains(
            "link_sealing_keys = { for id in local.link_sealing_key_ids : \"shared/link-sealing/${id}\" => id }"
        ),
        "{SECRETS_MODULE}: each key's secret is shared/link-sealing/<id> (k8s/overlays/prod reads that name)"
    );
    assert!(
        resource("resource \"aws_secretsmanager_secret\" \"link_sealing\"")
            .contains("for_each = local.link_sealing_keys")
    );
    let version = resource("resource \"aws_secretsmanager_secret_version\" \"link_sealing\"");
    assert!(
        version.contains("for_each = local.link_sealing_keys")
            && version.contains("secret_string = random_bytes.link_sealing_key[each.value].base64"),
        "{SECRETS_MODULE}: each secret holds its key as base64, what key_file must hold: {version}"
    );

    // Listed in the module's outputs: `arns` feeds the roles, External
    // Secrets' included (it reads every secret).
    let outputs = files::read(SECRETS_OUTPUTS);
    assert!(
        squeezed(block(SECRETS_OUTPUTS, &outputs, "locals"))
            .contains("aws_secretsmanager_secret.link_sealing"),
        "{SECRETS_OUTPUTS}: all_secrets must hold the link-sealing keys"
    );
    assert!(
        squeezed(block(
            SECRETS_OUTPUTS,
            &outputs,
            "output \"link_sealing_key_names\""
        ))
        .contains("value = keys(local.link_sealing_keys)")
    );

    // Both ends read every key; the gateway none.
    let identities = files::read(IDENTITIES);
    assert!(
        squeezed(&identities).contains("link_sealing_keys = module.secrets.link_sealing_key_names"),
        "{IDENTITIES}: local.link_sealing_keys must be the secrets module's list"
    );
    let read_by = block(IDENTITIES, &identities, "secrets_read_by = {");
    let service_line = |service: &str| {
        read_by
            .lines()
            .find(|line| line.trim_start().starts_with(&format!("{service} ")))
            .unwrap_or_else(|| panic!("{IDENTITIES}: secrets_read_by has no {service}"))
    };
    for service in ["users", "worker"] {
        assert!(
            service_line(service).contains("local.link_sealing_keys"),
            "{IDENTITIES}: {service} must read every link-sealing key"
        );
    }
    assert!(!service_line("gateway").contains("link_sealing"));

    // random_bytes is in the random provider from 3.5.0 on.
    let versions = files::read(SECRETS_VERSIONS);
    let constraint = quoted(block(SECRETS_VERSIONS, &versions, "random = {"))
        .into_iter()
        .find(|text| text.starts_with(">=") || text.starts_with("~>"))
        .unwrap_or_else(|| panic!("{SECRETS_VERSIONS}: no lower bound for the random provider"));
    let minimum: Vec<u32> = constraint
        .trim_start_matches(['>', '=', '~'])
        .trim()
        .split('.')
        .map(|part| part.parse().expect("a version number"))
        .collect();
    assert!(
        minimum >= vec![3, 5],
        "{SECRETS_VERSIONS}: random {constraint} allows providers without random_bytes (3.5.0)"
    );
}
