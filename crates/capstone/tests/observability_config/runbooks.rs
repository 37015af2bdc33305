//! Each alert's runbook is a section of the book's SLO chapter
//! (docs/src/slo.md): the link must land on a heading that exists.

use std::collections::BTreeSet;

use crate::{files, rules::rules};

const SLO_CHAPTER: &str = "docs/src/slo.md";

/// The id mdBook (and GitHub) gives a heading: lowercase, spaces to `-`,
/// anything but letters, digits, `-` and `_` dropped.
fn heading_anchor(heading: &str) -> String {
    heading
        .trim()
        .chars()
        .filter_map(|c| match c {
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c.to_ascii_lowercase()),
            c if c.is_whitespace() => Some('-'),
            _ => None,
        })
        .collect()
}

/// The anchors of the SLO chapter's headings, outside code blocks.
fn slo_chapter_anchors() -> BTreeSet<String> {
    let mut in_code = false;
    let mut anchors = BTreeSet::new();
    for line in files::read(SLO_CHAPTER).lines() {
        if line.starts_with("```") {
            in_code = !in_code;
        } else if !in_code && line.starts_with('#') {
            anchors.insert(heading_anchor(line.trim_start_matches('#')));
        }
    }
    anchors
}

#[test]
fn every_alert_runbook_is_a_heading_of_the_slo_chapter() {
    let anchors = slo_chapter_anchors();
    for rule in rules().iter().filter(|rule| rule.alert().is_some()) {
        let runbook = rule.runbook();
        let (page, anchor) = runbook.split_once('#').unwrap_or((runbook, ""));
        assert!(
            page.starts_with("https://") && page.ends_with(SLO_CHAPTER),
            "{runbook}"
        );
        assert!(
            anchors.contains(anchor),
            "{runbook}: no such heading in {SLO_CHAPTER}"
        );
    }
}

#[test]
fn headings_become_the_anchors_mdbook_gives_them() {
    assert_eq!(
        heading_anchor(" CapstoneOutboxDelayed"),
        "capstoneoutboxdelayed"
    );
    assert_eq!(
        heading_anchor(" Error budget: the arithmetic"),
        "error-budget-the-arithmetic"
    );
}
