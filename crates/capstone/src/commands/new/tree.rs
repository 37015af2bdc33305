//! The files: which to copy, how each is written, and the new repository.

use std::{
    fs,
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::{Context, bail};

use super::{markers, names::Names, parts::Selection};

/// Copied as they are: the license keeps Capstone's notice (MIT asks for
/// it), which is the fork's attribution.
const VERBATIM: [&str; 1] = ["LICENSE"];

/// The README a fork gets.
const FORK_README: &str = "crates/capstone/src/commands/new/README.fork.md";

/// release-please's settings: their `bootstrap-sha` names a commit of
/// Capstone's history, which a fork's fresh repository does not have.
const RELEASE_CONFIG: &str = "release-please-config.json";

/// The root of the git repository around `directory`.
pub(super) fn repository_root(directory: &Path) -> anyhow::Result<PathBuf> {
    let output = git(directory, &["rev-parse", "--show-toplevel"])?;
    Ok(PathBuf::from(output.trim()))
}

/// A new project goes into a directory that does not exist or is empty.
pub(super) fn ensure_empty(target: &Path) -> anyhow::Result<()> {
    if target.exists() {
        let mut entries =
            fs::read_dir(target).with_context(|| format!("cannot read {}", target.display()))?;
        if entries.next().is_some() {
            bail!("{} is not empty: choose a new directory", target.display());
        }
    }
    Ok(())
}

/// Writes every kept file of `source` under `target`, renamed; returns how
/// many.
pub(super) fn generate(
    source: &Path,
    target: &Path,
    names: &Names,
    selection: &Selection,
) -> anyhow::Result<usize> {
    let mut written = 0;
    for path in tracked_files(source)? {
        let path = path.as_str();
        if !selection.keeps_path(path) {
            continue;
        }
        let from = source.join(path);
        // Tracked but deleted in this checkout: nothing to copy.
        let Ok(bytes) = fs::read(&from) else {
            continue;
        };
        let contents = match String::from_utf8(bytes) {
            Ok(text) if VERBATIM.contains(&path) => text.into_bytes(),
            Ok(text) => {
                // Capstone's README presents Capstone; a fork's starts
                // from its own template, with the parts it kept.
                let (path, text) = if path == "README.md" {
                    (FORK_README, fs::read_to_string(source.join(FORK_README))?)
                } else {
                    (path, text)
                };
                let text = markers::apply(&text, selection)
                    .with_context(|| format!("{path}: fork markers"))?;
                let mut text = names.rename(&text);
                if path == FORK_README {
                    text = with_attribution(&text, source)?;
                }
                if path == RELEASE_CONFIG {
                    text = without_bootstrap_commit(&text);
                }
                text.into_bytes()
            }
            // Images: as they are.
            Err(binary) => binary.into_bytes(),
        };
        let to = target.join(names.rename(path));
        if let Some(parent) = to.parent() {
            fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        fs::write(&to, contents).with_context(|| format!("cannot write {}", to.display()))?;
        copy_permissions(&from, &to)?;
        written += 1;
    }
    Ok(written)
}

/// The README's title, then where the project came from.
fn with_attribution(readme: &str, source: &Path) -> anyhow::Result<String> {
    let commit = git(source, &["rev-parse", "--short", "HEAD"])?;
    let line = format!(
        "Generated from [Capstone](https://github.com/capstone-rs/capstone) (commit {}) by `capstone new`.\n",
        commit.trim()
    );
    Ok(match readme.split_once('\n') {
        Some((title, rest)) => format!("{title}\n\n{line}{rest}"),
        None => format!("{readme}\n\n{line}"),
    })
}

/// Without `bootstrap-sha`, release-please reads the fork's history from
/// its first commit.
fn without_bootstrap_commit(config: &str) -> String {
    config
        .lines()
        .filter(|line| !line.trim_start().starts_with("\"bootstrap-sha\""))
        .map(|line| format!("{line}\n"))
        .collect()
}

fn copy_permissions(from: &Path, to: &Path) -> anyhow::Result<()> {
    let permissions = fs::metadata(from)
        .with_context(|| format!("cannot read {}", from.display()))?
        .permissions();
    fs::set_permissions(to, permissions)
        .with_context(|| format!("cannot set the mode of {}", to.display()))
}

/// Lines of the new project that still say `capstone`, outside the
/// attribution: `path:line: text`.
pub(super) fn leftovers(target: &Path) -> anyhow::Result<Vec<String>> {
    let mut found = Vec::new();
    let mut stack = vec![target.to_path_buf()];
    while let Some(directory) = stack.pop() {
        for entry in fs::read_dir(&directory)
            .with_context(|| format!("cannot read {}", directory.display()))?
        {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let relative = path.strip_prefix(target).unwrap_or(&path);
            if VERBATIM
                .iter()
                .any(|verbatim| relative == Path::new(verbatim))
            {
                continue;
            }
            let Ok(text) = fs::read_to_string(&path) else {
                continue;
            };
            for (number, line) in text.lines().enumerate() {
                let attribution = relative == Path::new("README.md")
                    && line.starts_with("Generated from [Capstone]");
                if !attribution && line.to_ascii_lowercase().contains("capstone") {
                    found.push(format!(
                        "{}:{}: {}",
                        relative.display(),
                        number + 1,
                        line.trim()
                    ));
                }
            }
        }
    }
    found.sort();
    Ok(found)
}

/// A fresh repository with every file staged, and a Cargo.lock without the
/// packages that left (cargo trims it on its first run; done here so the
/// fork's `--locked` builds pass from the start).
pub(super) fn finish(target: &Path) -> anyhow::Result<()> {
    let metadata = Command::new("cargo")
        .args(["metadata", "--format-version", "1"])
        .current_dir(target)
        .output();
    match metadata {
        Ok(output) if output.status.success() => {}
        // Not fatal: the first `cargo build` does the same.
        _ => eprintln!(
            "note: could not trim Cargo.lock now (cargo metadata failed); the first cargo build will"
        ),
    }
    // New names have new lengths, and renamed crates sort differently in
    // `use` lists: rustfmt lays the code out again, as `cargo fmt --check`
    // in the new project's CI expects.
    let mut manifests = vec!["Cargo.toml"];
    if target.join("loadtests/Cargo.toml").is_file() {
        manifests.push("loadtests/Cargo.toml");
    }
    for manifest in manifests {
        let formatted = Command::new("cargo")
            .args(["fmt", "--all", "--manifest-path", manifest])
            .current_dir(target)
            .status();
        if !formatted.is_ok_and(|status| status.success()) {
            eprintln!("note: `cargo fmt` failed for {manifest}: run it before your first commit");
        }
    }
    git(target, &["init", "--quiet", "--initial-branch=main"])?;
    git(target, &["add", "--all"])?;
    Ok(())
}

/// The files git tracks in `repository` (what a clone would hold), as
/// repository paths.
pub(super) fn tracked_files(repository: &Path) -> anyhow::Result<Vec<String>> {
    let listing = git(repository, &["ls-files", "-z"])?;
    Ok(listing
        .split('\0')
        .filter(|path| !path.is_empty())
        .map(str::to_string)
        .collect())
}

fn git(directory: &Path, args: &[&str]) -> anyhow::Result<String> {
    let output = Command::new("git")
        .args(args)
        .current_dir(directory)
        .output()
        .with_context(|| format!("cannot run git {}", args.join(" ")))?;
    if !output.status.success() {
        bail!(
            "git {} in {} failed: {}",
            args.join(" "),
            directory.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    String::from_utf8(output.stdout).context("git printed something that is not UTF-8")
}
