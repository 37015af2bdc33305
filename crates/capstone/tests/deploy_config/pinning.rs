//! Everything we run that someone else publishes is pinned to exact
//! content: each GitHub Action by a full commit SHA (with its release as a
//! comment) here, each third-party image by digest in `image_pins`. A tag
//! can be moved by whoever controls it; a SHA or a digest cannot.
//! Dependabot keeps the pins fresh, so it must cover every kind of file
//! that holds one.

use serde_norway::Value;

use crate::files;

const WORKFLOWS: &str = ".github/workflows";
const DEPENDABOT: &str = ".github/dependabot.yml";

pub(crate) fn workflow_files() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(files::path(WORKFLOWS))
        .expect(".github/workflows is a directory")
        .map(|entry| entry.expect("a directory entry").file_name())
        .map(|name| name.to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".yml") || name.ends_with(".yaml"))
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|name| format!("{WORKFLOWS}/{name}"))
        .collect()
}

pub(crate) fn is_hex(text: &str, length: usize) -> bool {
    text.len() == length
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
}

/// Why a `uses:` value (and the comment after it) is not pinned, if it is not.
fn unpinned_action(value: &str, comment: Option<&str>) -> Option<&'static str> {
    if value.starts_with("./") {
        return None; // a workflow or action of this repository
    }
    let Some((_, reference)) = value.rsplit_once('@') else {
        return Some("no @ref");
    };
    if !is_hex(reference, 40) {
        return Some("the ref is not a full 40-hex commit SHA");
    }
    let release = comment.map(str::trim).unwrap_or_default();
    let is_release = release
        .strip_prefix('v')
        .is_some_and(|version| version.starts_with(|c: char| c.is_ascii_digit()));
    (!is_release).then_some("no `# vX.Y.Z` comment names the release")
}

#[test]
fn every_workflow_action_is_pinned_to_a_commit_sha_with_its_release() {
    let mut found = 0;
    let mut unpinned = Vec::new();
    for file in workflow_files() {
        for (number, line) in files::read(&file).lines().enumerate() {
            let Some(rest) = line
                .trim_start()
                .trim_start_matches("- ")
                .strip_prefix("uses:")
            else {
                continue;
            };
            let (value, comment) = match rest.split_once(" #") {
                Some((value, comment)) => (value.trim(), Some(comment)),
                None => (rest.trim(), None),
            };
            let value = value.trim_matches(|c| c == '"' || c == '\'');
            found += 1;
            if let Some(why) = unpinned_action(value, comment) {
                unpinned.push(format!("{file}:{}: {value}: {why}", number + 1));
            }
        }
    }
    assert!(found > 0, "no `uses:` found under {WORKFLOWS}");
    assert!(
        unpinned.is_empty(),
        "unpinned actions:\n{}",
        unpinned.join("\n")
    );
}

#[test]
fn the_action_check_refuses_tags_short_shas_and_missing_releases() {
    let sha = "93cb6efe18208431cddfb8368fd83d5badbf9bfd";
    assert_eq!(
        unpinned_action(&format!("actions/checkout@{sha}"), Some(" v5.0.1")),
        None
    );
    assert_eq!(unpinned_action("./.github/workflows/cd.yml", None), None);
    assert!(unpinned_action("actions/checkout@v5", Some(" v5")).is_some());
    assert!(unpinned_action("actions/checkout@93cb6ef", Some(" v5.0.1")).is_some());
    assert!(unpinned_action(&format!("actions/checkout@{sha}"), None).is_some());
    assert!(unpinned_action(&format!("actions/checkout@{sha}"), Some(" main")).is_some());
}

#[test]
fn dependabot_updates_actions_the_dockerfile_and_compose() {
    let dependabot = files::yaml(DEPENDABOT);
    let covered: Vec<(String, String)> = files::items(&dependabot["updates"])
        .iter()
        .flat_map(|update| {
            let ecosystem = update["package-ecosystem"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            let mut directories: Vec<String> = files::items(&update["directories"])
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect();
            directories.extend(update["directory"].as_str().map(str::to_owned));
            directories
                .into_iter()
                .map(move |directory| (ecosystem.clone(), directory))
        })
        .collect();
    // The workflows, and the Dockerfile and compose.yaml at the root.
    for ecosystem in ["github-actions", "docker", "docker-compose"] {
        assert!(
            covered.contains(&(ecosystem.to_owned(), "/".to_owned())),
            "{DEPENDABOT}: no `{ecosystem}` update for directory / (has {covered:?})"
        );
    }
}
