//! The layering rule, checked: routes and GraphQL → accounts → (domain,
//! repo, cache, auth). A handler or resolver that reaches a repository
//! itself skips whatever its use case does around the write (the event, the
//! cache invalidation, the end of sessions), so any mention of the
//! repositories in `src/routes*` or `src/graphql*` fails this test, naming
//! the file and the line.
//!
//! A text check, not a compiler one: Rust has no visibility that says "not
//! from this sibling module", and a few lines of reading keep the rule
//! where everyone can see it. See docs/src/frameworks.md, "The layers of a
//! service".

use std::{
    fs,
    path::{Path, PathBuf},
};

/// What a route must not say: the repository module, or a repository by name.
const FORBIDDEN: &[&str] = &[
    "crate::repo",
    "repo::",
    "UserRepository",
    "SessionRepository",
    "OutboxRepository",
];

/// The two ways in: REST handlers and GraphQL resolvers.
// fork:begin(graphql)
const ADAPTERS: &[&str] = &["routes", "graphql"];
// fork:else(graphql)
//+ const ADAPTERS: &[&str] = &["routes"];
// fork:end(graphql)

#[test]
fn routes_never_reach_the_repositories() {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    for adapter in ADAPTERS {
        let before = files.len();
        files.push(source.join(format!("{adapter}.rs")));
        rust_files(&source.join(adapter), &mut files);
        assert!(
            files.len() - before > 1,
            "no files under {}",
            source.join(adapter).display()
        );
    }

    let violations: Vec<String> = files.iter().flat_map(|file| violations_in(file)).collect();

    assert!(
        violations.is_empty(),
        "routes and resolvers must call a use case (crate::accounts), not a repository:\n{}",
        violations.join("\n")
    );
}

#[test]
fn a_grouped_import_of_repo_is_caught_too() {
    let source = "use crate::{\n    error::ApiError,\n    repo::RepoError,\n};\nuse crate::{accounts::Accounts, repo};\n";
    let found = violations_in_source(Path::new("example.rs"), source);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found[0].starts_with("example.rs:3:"), "{found:?}");
    assert!(found[1].starts_with("example.rs:5:"), "{found:?}");
}

/// Every `.rs` file under `directory`, recursively.
fn rust_files(directory: &Path, out: &mut Vec<PathBuf>) {
    let entries = fs::read_dir(directory)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", directory.display()));
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            out.push(path);
        }
    }
}

fn violations_in(file: &Path) -> Vec<String> {
    let source = fs::read_to_string(file)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", file.display()));
    // Named as from the crate's root (`src/routes/…`), where one opens it.
    let crate_root = Path::new(env!("CARGO_MANIFEST_DIR"));
    violations_in_source(file.strip_prefix(crate_root).unwrap_or(file), &source)
}

/// `file:line: text` for each line that names the repositories. Inside a
/// `use crate::{ … }` group, a bare `repo` (the module itself) counts too.
fn violations_in_source(file: &Path, source: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut in_crate_group = false;
    for (index, line) in source.lines().enumerate() {
        let code = line.split("//").next().unwrap_or_default();
        let opens_group = code.contains("use crate::{");
        in_crate_group |= opens_group;
        let names_module = in_crate_group && mentions_word(code, "repo");
        if names_module || FORBIDDEN.iter().any(|pattern| code.contains(pattern)) {
            found.push(format!("{}:{}: {}", file.display(), index + 1, line.trim()));
        }
        if in_crate_group && code.contains("};") {
            in_crate_group = false;
        }
    }
    found
}

/// `word` as a whole identifier in `code` (not `repository`, not `report`).
fn mentions_word(code: &str, word: &str) -> bool {
    code.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .any(|token| token == word)
}
