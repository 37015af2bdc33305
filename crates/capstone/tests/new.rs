//! `capstone new` as a user runs it: the real binary, this repository as the
//! template, a fork written to a scratch directory. Whether a fork builds,
//! passes its tests and starts is scripts/check-forks.sh's job (it takes
//! minutes); these check what the generator writes, in seconds.

use std::{
    fs,
    path::{Path, PathBuf},
    process::{Command, Output},
};

/// A directory of its own under the system's temp dir, removed at the end.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let path = std::env::temp_dir().join(format!(
            "capstone-new-test-{name}-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .expect("clock")
                .as_nanos()
        ));
        Self(path)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn new(target: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_capstone"))
        .arg("new")
        .arg(target)
        .args(["--from", repository().to_str().expect("UTF-8 path")])
        .args(args)
        .output()
        .expect("capstone runs")
}

fn read(path: PathBuf) -> String {
    fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

#[test]
fn a_minimal_fork_is_renamed_and_loses_the_parts_left_out_with_what_referred_to_them() {
    let scratch = Scratch::new("minimal");
    let output = new(
        &scratch.0,
        &["--name", "Acme Shop", "--without", "worker,gateway,graphql"],
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{output:?}");
    // What had to go with the parts asked for, and why.
    assert!(
        stdout.contains("without book (it needs a part left out)"),
        "{stdout}"
    );
    assert!(stdout.contains("without worker (asked)"), "{stdout}");
    assert!(
        stdout.contains("without web (it needs a part left out)"),
        "{stdout}"
    );

    let fork = &scratch.0;
    for gone in [
        "services/worker",
        "services/gateway",
        "web",
        "docs",
        "k8s",
        "katas",
    ] {
        assert!(!fork.join(gone).exists(), "{gone} is still there");
    }
    // Renamed paths and contents: the CLI crate is the product's.
    let manifest = read(fork.join("crates/acme-shop/Cargo.toml"));
    assert!(manifest.contains("name = \"acme-shop\""), "{manifest}");
    assert!(
        !manifest.contains("gateway") && !manifest.contains("worker"),
        "{manifest}"
    );
    let workspace = read(fork.join("Cargo.toml"));
    assert!(workspace.contains("acme-shop-users = { path = \"services/users\" }"));
    assert!(!workspace.contains("services/worker"), "{workspace}");
    // No marker survives in a fork.
    assert!(!workspace.contains("fork:begin"), "{workspace}");
    let up = read(fork.join("crates/acme-shop/src/commands/up.rs"));
    assert!(up.contains("acme_shop_users::Application"), "{up}");
    assert!(
        [
            "worker::Application",
            "worker::Settings",
            "gateway::Application",
            "gateway::Settings"
        ]
        .iter()
        .all(|service| !up.contains(service)),
        "{up}"
    );
    let startup = read(fork.join("services/users/src/startup.rs"));
    assert!(!startup.contains("graphql"), "{startup}");
    // The generator does not travel.
    assert!(!fork.join("crates/acme-shop/src/commands/new.rs").exists());
    assert!(!read(fork.join("crates/acme-shop/src/cli.rs")).contains("New("));
    // Configuration and metric prefixes.
    assert!(
        read(fork.join("crates/platform/src/metrics/names.rs"))
            .contains("\"acme_shop_http_requests_total\"")
    );
    assert!(read(fork.join("crates/platform/src/config.rs")).contains("ACME_SHOP_"));
    // The attribution, and the license as it was.
    let readme = read(fork.join("README.md"));
    assert!(
        readme.starts_with("# Acme Shop\n\nGenerated from [Capstone]"),
        "{readme}"
    );
    assert!(read(fork.join("LICENSE")).contains("The Capstone authors"));
    // A git repository, every file staged.
    assert!(fork.join(".git").is_dir());
}

#[test]
fn a_full_fork_keeps_every_part_under_the_names_chosen() {
    let scratch = Scratch::new("full");
    let output = new(
        &scratch.0,
        &[
            "--name",
            "Acme",
            "--crate-prefix",
            "acme-co",
            "--env-prefix",
            "ACME",
            "--metric-prefix",
            "acmemetrics",
            "--repository",
            "acme-corp/acme",
        ],
    );
    assert!(output.status.success(), "{output:?}");
    let fork = &scratch.0;
    for kept in [
        "services/worker",
        "services/gateway",
        "web/dist",
        "docs/src",
        "k8s/base",
    ] {
        assert!(fork.join(kept).exists(), "{kept} is missing");
    }
    assert!(read(fork.join("services/gateway/Cargo.toml")).contains("name = \"acme-co-gateway\""));
    assert!(
        read(fork.join("crates/platform/src/metrics/names.rs"))
            .contains("\"acmemetrics_http_requests_total\"")
    );
    assert!(read(fork.join(".github/CODEOWNERS")).contains("@acme-corp/maintainers"));
    assert!(fork.join("infra/terraform/modules/acme").is_dir());
}

#[test]
fn it_refuses_a_directory_that_is_not_empty_and_names_it_cannot_use() {
    let scratch = Scratch::new("refusals");
    fs::create_dir_all(&scratch.0).expect("scratch dir");
    fs::write(scratch.0.join("precious.txt"), "mine").expect("a file");

    let occupied = new(&scratch.0, &["--name", "Acme"]);
    assert_eq!(occupied.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&occupied.stderr).contains("is not empty"));
    assert_eq!(read(scratch.0.join("precious.txt")), "mine");

    let elsewhere = scratch.0.join("fork");
    for (args, says) in [
        (&["--name", "42"][..], "must start with a letter"),
        (
            &["--name", "Acme", "--env-prefix", "acme"],
            "environment prefix",
        ),
        (&["--name", "Capstone Two"], "contains `capstone`"),
    ] {
        let refused = new(&elsewhere, args);
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert_eq!(refused.status.code(), Some(1), "{args:?}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert!(!elsewhere.exists(), "{args:?} wrote something");
    }
}
