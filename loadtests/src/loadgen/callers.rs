//! Many callers instead of one: `--tokens FILE` holds one access token per
//! line, and each request carries one of them as `Authorization: Bearer`.
//! Which one is either each in turn or, with `--token-sequence FILE`, the
//! order that file gives (whitespace-separated indices into the tokens):
//! request `i` sends token `sequence[i % len]`. The harness draws that
//! sequence from a seeded skewed distribution, so two runs send the same
//! callers in the same order (the routing-affinity scenario).
//!
//! In open loop `i` is the request's index in the schedule, so the caller of
//! each due time is fixed whatever the connections do; in closed loop it is
//! the order requests are built in.

use std::{
    fs,
    path::Path,
    sync::atomic::{AtomicU64, Ordering},
};

use anyhow::{Context, bail};
use hyper::header::HeaderValue;

/// The `Authorization` values, built once, and the order to send them in.
#[derive(Debug)]
pub(crate) struct Callers {
    authorizations: Vec<HeaderValue>,
    /// Indices into `authorizations`; empty: each in turn.
    sequence: Vec<usize>,
    /// The next index for requests that bring none (closed loop).
    next: AtomicU64,
}

impl Callers {
    /// Reads `--tokens` and, if given, `--token-sequence`.
    pub(crate) fn load(tokens: &Path, sequence: Option<&Path>) -> anyhow::Result<Self> {
        let tokens_text = fs::read_to_string(tokens)
            .with_context(|| format!("reading the tokens in {}", tokens.display()))?;
        let sequence_text = sequence
            .map(|path| {
                fs::read_to_string(path)
                    .with_context(|| format!("reading the token sequence in {}", path.display()))
            })
            .transpose()?;
        Self::parse(&tokens_text, sequence_text.as_deref())
    }

    /// Tokens one per line (blank lines skipped); the sequence as
    /// whitespace-separated indices, each below the number of tokens.
    pub(crate) fn parse(tokens: &str, sequence: Option<&str>) -> anyhow::Result<Self> {
        let authorizations = tokens
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty())
            .enumerate()
            .map(|(line, token)| {
                HeaderValue::from_str(&format!("Bearer {token}"))
                    .with_context(|| format!("token {line} is not a valid header value"))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        if authorizations.is_empty() {
            bail!("the tokens file holds no token");
        }
        let sequence = match sequence {
            None => Vec::new(),
            Some(text) => {
                let indices = text
                    .split_whitespace()
                    .map(|index| {
                        index
                            .parse::<usize>()
                            .ok()
                            .filter(|&index| index < authorizations.len())
                            .with_context(|| {
                                format!(
                                    "`{index}` in the token sequence is not an index below {}",
                                    authorizations.len()
                                )
                            })
                    })
                    .collect::<anyhow::Result<Vec<_>>>()?;
                if indices.is_empty() {
                    bail!("the token sequence is empty");
                }
                indices
            }
        };
        Ok(Self {
            authorizations,
            sequence,
            next: AtomicU64::new(0),
        })
    }

    /// The `Authorization` value of request `index` (the next in turn when
    /// `None`).
    pub(crate) fn authorization(&self, index: Option<u64>) -> &HeaderValue {
        let index = index.unwrap_or_else(|| self.next.fetch_add(1, Ordering::Relaxed));
        let caller = if self.sequence.is_empty() {
            wrap(index, self.authorizations.len())
        } else {
            self.sequence[wrap(index, self.sequence.len())]
        };
        &self.authorizations[caller]
    }
}

/// `index % len`, as an index (`len` > 0).
fn wrap(index: u64, len: usize) -> usize {
    // `len` fits in u64 and the remainder is below it, so back into usize.
    (index % len as u64) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_sequence_each_token_goes_in_turn() {
        let callers = Callers::parse("a\n\nb\n", None).expect("valid");

        let sent: Vec<_> = (0..3)
            .map(|_| callers.authorization(None).clone())
            .collect();

        assert_eq!(sent, ["Bearer a", "Bearer b", "Bearer a"]);
    }

    #[test]
    fn a_sequence_fixes_the_caller_of_each_index_and_wraps() {
        let callers = Callers::parse("a\nb\nc\n", Some("2 2 0\n1")).expect("valid");

        assert_eq!(callers.authorization(Some(0)), "Bearer c");
        assert_eq!(callers.authorization(Some(2)), "Bearer a");
        assert_eq!(callers.authorization(Some(3)), "Bearer b");
        assert_eq!(callers.authorization(Some(4)), "Bearer c");
        assert_eq!(callers.authorization(Some(6)), "Bearer a");
    }

    #[test]
    fn an_index_past_the_tokens_or_no_token_at_all_is_refused() {
        assert!(Callers::parse("a\nb\n", Some("0 2")).is_err());
        assert!(Callers::parse("a\n", Some("x")).is_err());
        assert!(Callers::parse("a\n", Some(" \n")).is_err());
        assert!(Callers::parse("\n\n", None).is_err());
        assert!(Callers::parse("bad\ntoken\u{7f}", None).is_err());
    }
}
