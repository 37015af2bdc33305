//! `{n}` templates: a URL path or a request body in which every `{n}` becomes
//! a number unique across the run, so that e.g. each registration uses a new
//! email (`u{n}@load.test`) instead of failing with 409 after the first.
//!
//! A text without `{n}` is turned into [`Bytes`] once and cloned per request
//! (a reference-count increment): the hot path allocates nothing for it.

use bytes::Bytes;

/// The placeholder replaced by the request number.
pub const PLACEHOLDER: &str = "{n}";

/// A text, either fixed or with `{n}` placeholders.
#[derive(Debug, Clone)]
pub enum Template {
    /// No placeholder: the same bytes every time.
    Fixed(Bytes),
    /// The text split at each placeholder; the number goes between pieces.
    Numbered(Vec<String>),
}

impl Template {
    /// Splits `text` at its placeholders, if any.
    pub fn parse(text: &str) -> Self {
        if text.contains(PLACEHOLDER) {
            Self::Numbered(text.split(PLACEHOLDER).map(str::to_owned).collect())
        } else {
            Self::Fixed(Bytes::copy_from_slice(text.as_bytes()))
        }
    }

    /// Whether rendering needs a number (callers draw one only then).
    pub fn is_numbered(&self) -> bool {
        matches!(self, Self::Numbered(_))
    }

    /// The text with every placeholder replaced by `number`.
    pub fn render(&self, number: u64) -> Bytes {
        match self {
            Self::Fixed(bytes) => bytes.clone(),
            Self::Numbered(pieces) => {
                let number = number.to_string();
                let length = pieces.iter().map(String::len).sum::<usize>()
                    + number.len() * (pieces.len() - 1);
                let mut text = String::with_capacity(length);
                for (position, piece) in pieces.iter().enumerate() {
                    if position > 0 {
                        text.push_str(&number);
                    }
                    text.push_str(piece);
                }
                Bytes::from(text)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_without_placeholder_is_rendered_unchanged_whatever_the_number() {
        let template = Template::parse(r#"{"name":"x"}"#);

        assert!(!template.is_numbered());
        assert_eq!(template.render(7), Bytes::from_static(br#"{"name":"x"}"#));
    }

    #[test]
    fn every_placeholder_gets_the_same_number() {
        let template = Template::parse(r#"{"email":"u{n}@load.test","name":"user {n}"}"#);

        assert!(template.is_numbered());
        assert_eq!(
            template.render(42),
            Bytes::from_static(br#"{"email":"u42@load.test","name":"user 42"}"#)
        );
    }

    #[test]
    fn placeholders_at_both_ends_are_replaced() {
        assert_eq!(Template::parse("{n}-{n}").render(3), "3-3");
    }

    #[test]
    fn other_braces_are_left_alone() {
        assert_eq!(Template::parse("/users/{N}/{n}").render(9), "/users/{N}/9");
    }
}
