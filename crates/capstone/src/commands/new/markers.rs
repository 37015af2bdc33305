//! Fork markers: the lines of a file that belong to one part of the system.
//!
//! A part that is more than its own directories (the worker is also a
//! workspace member, a dependency of the CLI, a job in `capstone up`, a
//! step of `.ci/run`…) marks those lines where they are, in the file's own
//! comment syntax, so the file stays valid and builds as it is:
//!
//! ```text
//! // fork:begin(worker)
//! let worker = build::<capstone_worker::Application>(settings).await?;
//! // fork:end(worker)
//! ```
//!
//! A fork without the worker loses the block; a fork with it keeps the
//! lines and loses only the two markers. What a fork needs *instead*, when a
//! part is left out, goes in an `else` branch, written as comments whose
//! leader carries a `+` (`//+`, `#+`): they stay comments here and become
//! code in a fork without the part.
//!
//! ```text
//! # fork:begin(gateway)
//! bash scripts/tour-ci.sh
//! # fork:else(gateway)
//! #+ echo "no gateway: no tour"
//! # fork:end(gateway)
//! ```
//!
//! A marker is a line that starts (after indentation) with a comment leader
//! (`//`, `#`, `<!--`, `--`) followed by `fork:begin(`, `fork:else(` or
//! `fork:end(`; prose that mentions the syntax is not a marker.

use std::fmt;

/// Which parts a fork keeps. The markers ask it about each part they name.
pub(crate) trait Keeps {
    fn keeps(&self, part: &str) -> bool;
}

/// A file whose markers do not pair up, or whose `else` lines are not
/// commented out: the file is wrong in the template itself.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct MarkerError {
    /// 1-based.
    pub(crate) line: usize,
    pub(crate) message: String,
}

impl fmt::Display for MarkerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for MarkerError {}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Marker<'a> {
    Begin(&'a str),
    Else(&'a str),
    End(&'a str),
}

/// One open `begin`: its part, whether the fork keeps it, and whether the
/// lines now read are its `else` branch.
struct Open<'a> {
    part: &'a str,
    kept: bool,
    in_else: bool,
}

impl Open<'_> {
    /// Lines of the `begin` branch stay when the part is kept; lines of the
    /// `else` branch when it is not.
    fn shows(&self) -> bool {
        self.kept != self.in_else
    }
}

/// The text a fork gets: blocks of left-out parts removed, `else` branches
/// of left-out parts uncommented, every marker line gone.
pub(crate) fn apply(text: &str, keeps: &dyn Keeps) -> Result<String, MarkerError> {
    let mut out = String::with_capacity(text.len());
    let mut open: Vec<Open<'_>> = Vec::new();
    for (index, line) in text.split_inclusive('\n').enumerate() {
        let number = index + 1;
        let error = |message: String| MarkerError {
            line: number,
            message,
        };
        match marker(line) {
            Some(Marker::Begin(part)) => open.push(Open {
                part,
                kept: keeps.keeps(part),
                in_else: false,
            }),
            Some(Marker::Else(part)) => match open.last_mut() {
                Some(top) if top.part == part && !top.in_else => top.in_else = true,
                _ => return Err(error(format!("fork:else({part}) without its fork:begin"))),
            },
            Some(Marker::End(part)) => match open.pop() {
                Some(top) if top.part == part => {}
                Some(top) => {
                    return Err(error(format!(
                        "fork:end({part}) closes fork:begin({})",
                        top.part
                    )));
                }
                None => return Err(error(format!("fork:end({part}) without its fork:begin"))),
            },
            None => {
                let in_else = open.last().is_some_and(|top| top.in_else);
                let shown = open.iter().all(Open::shows);
                match (in_else, shown) {
                    (true, true) => out.push_str(&uncomment(line).ok_or_else(|| {
                        error("a fork:else line must be commented out with `//+` or `#+`".into())
                    })?),
                    (true, false) => {
                        uncomment(line).ok_or_else(|| {
                            error(
                                "a fork:else line must be commented out with `//+` or `#+`".into(),
                            )
                        })?;
                    }
                    (false, true) => out.push_str(line),
                    (false, false) => {}
                }
            }
        }
    }
    if let Some(top) = open.last() {
        return Err(MarkerError {
            line: text.lines().count(),
            message: format!("fork:begin({}) is never closed", top.part),
        });
    }
    Ok(out)
}

/// The parts a text's markers name, in order, with repeats (the template's
/// own test checks each is a part).
#[cfg(test)]
pub(crate) fn parts_named(text: &str) -> Vec<&str> {
    text.lines()
        .filter_map(marker)
        .map(|marker| match marker {
            Marker::Begin(part) | Marker::Else(part) | Marker::End(part) => part,
        })
        .collect()
}

const LEADERS: [&str; 4] = ["//", "#", "<!--", "--"];

fn marker(line: &str) -> Option<Marker<'_>> {
    let rest = line.trim_start();
    let rest = LEADERS
        .iter()
        .find_map(|leader| rest.strip_prefix(leader))?
        .trim_start();
    let (kind, rest) = ["begin", "else", "end"].iter().find_map(|kind| {
        rest.strip_prefix("fork:")?
            .strip_prefix(kind)?
            .strip_prefix('(')
            .map(|rest| (*kind, rest))
    })?;
    let part = &rest[..rest.find(')')?];
    Some(match kind {
        "begin" => Marker::Begin(part),
        "else" => Marker::Else(part),
        _ => Marker::End(part),
    })
}

/// `    //+ code` → `    code`; `#+` likewise. None if the line is not
/// written that way (blank lines included: an `else` line says what it is).
fn uncomment(line: &str) -> Option<String> {
    let indent = &line[..line.len() - line.trim_start().len()];
    let rest = line.trim_start();
    let rest = rest
        .strip_prefix("//+")
        .or_else(|| rest.strip_prefix("#+"))?;
    let rest = rest.strip_prefix(' ').unwrap_or(rest);
    // A bare `//+` is a blank line in the fork.
    if rest.trim().is_empty() {
        return Some(if line.ends_with('\n') { "\n" } else { "" }.to_string());
    }
    Some(format!("{indent}{rest}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Without(&'static [&'static str]);

    impl Keeps for Without {
        fn keeps(&self, part: &str) -> bool {
            !self.0.contains(&part)
        }
    }

    const ALL: Without = Without(&[]);

    #[test]
    fn a_kept_part_loses_only_its_marker_lines() {
        let text = "a\n// fork:begin(worker) the consumers\nb\n// fork:end(worker)\nc\n";
        assert_eq!(apply(text, &ALL).expect("applies"), "a\nb\nc\n");
    }

    #[test]
    fn a_left_out_part_loses_its_block() {
        let text = "a\n# fork:begin(worker)\nb\n# fork:end(worker)\nc";
        assert_eq!(apply(text, &Without(&["worker"])).expect("applies"), "a\nc");
    }

    #[test]
    fn an_else_branch_becomes_code_only_without_the_part() {
        let text = "  // fork:begin(gateway)\n  via_gateway();\n  // fork:else(gateway)\n  //+ direct();\n  //+\n  // fork:end(gateway)\n";
        assert_eq!(apply(text, &ALL).expect("applies"), "  via_gateway();\n");
        assert_eq!(
            apply(text, &Without(&["gateway"])).expect("applies"),
            "  direct();\n\n"
        );
    }

    #[test]
    fn nested_blocks_go_with_their_outer_part() {
        let text = "#fork:begin(gateway)\ng\n# fork:begin(web)\nw\n# fork:end(web)\n# fork:end(gateway)\nz\n";
        assert_eq!(apply(text, &Without(&["gateway"])).expect("applies"), "z\n");
        assert_eq!(apply(text, &Without(&["web"])).expect("applies"), "g\nz\n");
        assert_eq!(apply(text, &ALL).expect("applies"), "g\nw\nz\n");
    }

    #[test]
    fn prose_about_markers_is_not_a_marker() {
        let text = "Write `fork:begin(worker)` before the block.\n";
        assert_eq!(apply(text, &Without(&["worker"])).expect("applies"), text);
        assert!(parts_named(text).is_empty());
    }

    #[test]
    fn markers_that_do_not_pair_up_are_errors_with_their_line() {
        let unclosed = apply("a\n// fork:begin(worker)\nb\n", &ALL).expect_err("refused");
        assert!(unclosed.message.contains("never closed"), "{unclosed}");
        let crossed = apply(
            "# fork:begin(a)\n# fork:begin(b)\n# fork:end(a)\n# fork:end(b)\n",
            &ALL,
        )
        .expect_err("refused");
        assert_eq!(crossed.line, 3);
        let stray = apply("x\n# fork:end(a)\n", &ALL).expect_err("refused");
        assert_eq!(stray.line, 2);
    }

    #[test]
    fn an_else_line_that_is_live_code_is_an_error_whatever_is_kept() {
        let text = "# fork:begin(a)\nx\n# fork:else(a)\ny\n# fork:end(a)\n";
        assert_eq!(apply(text, &ALL).expect_err("refused").line, 4);
        assert_eq!(apply(text, &Without(&["a"])).expect_err("refused").line, 4);
    }

    #[test]
    fn parts_named_lists_every_marker() {
        let text = "<!-- fork:begin(book) -->\n-- fork:begin(k8s)\n-- fork:end(k8s)\n<!-- fork:end(book) -->\n";
        assert_eq!(parts_named(text), ["book", "k8s", "k8s", "book"]);
    }
}
