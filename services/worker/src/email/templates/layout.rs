//! One text layout and one HTML layout that turn any [`Letter`] into both
//! parts of an email, so the two can never say different things.

use chrono::{DateTime, Utc};

use super::Letter;

const SIGNATURE: &str = "The Capstone team";

pub(super) fn text_layout(letter: &Letter) -> String {
    let Letter {
        name,
        intro,
        link,
        closing,
        ..
    } = letter;
    let expiry = expiry_sentence(letter.expires_at);
    // The link stands alone on its line: mail clients make it clickable, and
    // it is never wrapped (see `message.rs`), so copying it works.
    let closing = closing
        .as_ref()
        .map(|text| format!("{text}\n\n"))
        .unwrap_or_default();
    format!("Hi {name},\n\n{intro}\n\n{link}\n\n{expiry}{closing}{SIGNATURE}\n")
}

pub(super) fn html_layout(letter: &Letter) -> String {
    let subject = escape_html(&letter.subject);
    let name = escape_html(&letter.name);
    let intro = escape_html(&letter.intro);
    let action = escape_html(letter.action);
    let link = escape_html(&letter.link);
    let expiry = match letter.expires_at {
        Some(at) => format!("<p>This link expires at {}.</p>\n", expiry(at)),
        None => String::new(),
    };
    let closing = letter
        .closing
        .as_ref()
        .map(|text| format!("<p>{}</p>\n", escape_html(text)))
        .unwrap_or_default();
    format!(
        "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<title>{subject}</title>\n</head>\n<body>\n\
         <p>Hi {name},</p>\n<p>{intro}</p>\n<p><a href=\"{link}\">{action}</a></p>\n\
         <p>If the link does not open, copy it into your browser:<br>\n{link}</p>\n\
         {expiry}{closing}<p>{SIGNATURE}</p>\n</body>\n</html>\n"
    )
}

fn expiry_sentence(at: Option<DateTime<Utc>>) -> String {
    at.map(|at| format!("This link expires at {}.\n\n", expiry(at)))
        .unwrap_or_default()
}

/// Always UTC, and said so: the reader's time zone is unknown.
fn expiry(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// Control characters (newlines included) become spaces: a display name is
/// user input and must not start new lines in a subject or a body.
pub(super) fn single_line(value: &str) -> String {
    value
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Escapes text for HTML content and double-quoted attribute values.
/// Display names are user input: `<script>` must arrive as text.
pub(super) fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}
