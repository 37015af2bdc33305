//! `capstone new`: a new project made from this repository, renamed, with
//! the parts it does not need left out (ADR 0011; docs/src/fork-starter.md).
//!
//! The repository stays a normal workspace that builds as it is: the
//! generator copies the files git tracks, drops the files and the marked
//! lines of left-out parts ([`markers`]), renames `capstone` in contents and
//! paths ([`names`]), and leaves a fresh git repository whose Cargo.lock is
//! trimmed to what is left.

mod markers;
mod names;
mod parts;
mod tree;

pub(crate) use names::Chosen;
pub(crate) use parts::Part;

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use names::Names;
use parts::Selection;

/// What `capstone new` was asked for.
#[derive(Debug)]
pub(crate) struct Request {
    pub(crate) directory: PathBuf,
    pub(crate) chosen: Chosen,
    pub(crate) without: Vec<Part>,
    /// The Capstone checkout to copy; default: the one around the current
    /// directory.
    pub(crate) from: Option<PathBuf>,
}

#[allow(clippy::print_stdout)] // the plan and the next steps are this command's output
pub(crate) fn run(request: Request) -> anyhow::Result<()> {
    let names = Names::new(request.chosen).context("cannot use these names")?;
    let selection = Selection::without(&request.without);
    let source = match request.from {
        Some(from) => from,
        None => tree::repository_root(Path::new("."))?,
    };
    if !source.join("crates/capstone/src/commands/new.rs").is_file() {
        bail!(
            "{} is not a Capstone checkout (no crates/capstone/src/commands/new.rs): \
             run `capstone new` inside one, or pass --from",
            source.display()
        );
    }
    let target = request.directory;
    tree::ensure_empty(&target)?;

    println!("Making {} in {}", names.name, target.display());
    print_plan(&names, &selection, &request.without);

    let written = tree::generate(&source, &target, &names, &selection)?;
    let leftovers = tree::leftovers(&target)?;
    tree::finish(&target)?;

    println!("\nWrote {written} files.");
    if !leftovers.is_empty() {
        println!(
            "\nThese lines still say `capstone` (a spelling the renames do not know): fix them by hand."
        );
        for leftover in &leftovers {
            println!("  {leftover}");
        }
    }
    println!(
        "\nNext:\n  cd {}\n  cargo test --workspace      # against Postgres, Redis and RabbitMQ, as in the README\n  \
         cargo run                   # {} up\n  git commit -m \"chore: generated from Capstone\"",
        target.display(),
        names.slug
    );
    if !leftovers.is_empty() {
        bail!("{} lines still say capstone", leftovers.len());
    }
    Ok(())
}

#[allow(clippy::print_stdout)]
fn print_plan(names: &Names, selection: &Selection, asked: &[Part]) {
    println!(
        "  packages {prefix}-users…, Rust paths {snake}_users…, binary `{slug}`\n  \
         configuration {env}_…, metrics {metric}_…, repository github.com/{repo}",
        prefix = names.crate_prefix,
        snake = names.crate_prefix.replace('-', "_"),
        slug = names.slug,
        env = names.env_prefix,
        metric = names.metric_prefix,
        repo = names.repository,
    );
    for part in selection.left_out() {
        if part == Part::Generator {
            continue;
        }
        let why = if asked.contains(&part) {
            "asked".to_string()
        } else {
            "it needs a part left out".to_string()
        };
        println!("  without {} ({why})", part.name());
    }
}

/// The template itself: the repository's markers and part files, checked
/// on every test run so a rename or a new file cannot break `capstone new`
/// unnoticed.
#[cfg(test)]
mod template_tests {
    use std::{fs, path::Path};

    use super::{markers, parts, tree};

    fn repository() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
    }

    #[test]
    fn every_part_file_exists() {
        for (path, _) in parts::FILES {
            assert!(
                repository().join(path).exists(),
                "{path} is listed in FILES but does not exist"
            );
        }
    }

    #[test]
    fn every_marker_pairs_up_and_names_a_part() {
        struct Keep(bool);
        impl markers::Keeps for Keep {
            fn keeps(&self, _: &str) -> bool {
                self.0
            }
        }
        let mut marked = 0;
        for path in tree::tracked_files(&repository()).expect("git ls-files") {
            let Ok(text) = fs::read_to_string(repository().join(&path)) else {
                continue;
            };
            for part in markers::parts_named(&text) {
                assert!(
                    parts::Part::from_name(part).is_some(),
                    "{path}: fork marker names {part:?}, which is not a part"
                );
                marked += 1;
            }
            for keep in [true, false] {
                if let Err(error) = markers::apply(&text, &Keep(keep)) {
                    panic!("{path}: {error}");
                }
            }
        }
        assert!(marked > 0, "no markers found: is this the repository?");
    }
}
