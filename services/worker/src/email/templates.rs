//! What each email says, as plain text and as HTML.
//!
//! Plain `format!` and constants, no template engine: three short emails do
//! not earn a dependency, and the compiler checks every placeholder. Each
//! event fills in a [`Letter`]; one text layout and one HTML layout turn any
//! letter into both parts, so the two can never say different things.

use capstone_contracts::events::{Event, LinkToken};
use chrono::{DateTime, Utc};

/// An email ready to be wrapped in MIME: recipient, subject and both bodies.
#[derive(Debug)]
pub(super) struct RenderedEmail {
    pub(super) to_address: String,
    pub(super) to_name: String,
    pub(super) subject: String,
    pub(super) text: String,
    pub(super) html: String,
}

/// The parts of an email that differ between events.
struct Letter<'a> {
    subject: String,
    /// Display name, control characters removed; escaped later for HTML.
    name: String,
    /// One paragraph of plain text before the link.
    intro: &'static str,
    /// The HTML link's label.
    action: &'static str,
    link: String,
    expires_at: DateTime<Utc>,
    /// One paragraph after the expiry, if any.
    closing: Option<&'a str>,
}

const VERIFY_EMAIL_PATH: &str = "verify-email";
const RESET_PASSWORD_PATH: &str = "reset-password";
const SIGNATURE: &str = "The Capstone team";
const WELCOME_INTRO: &str =
    "Thanks for signing up. Please confirm your email address by opening this link:";
const VERIFY_INTRO: &str = "Please confirm your email address by opening this link:";
const VERIFY_CLOSING: &str = "If you did not ask for this email, you can ignore it.";
const RESET_INTRO: &str =
    "Someone asked to reset the password of your Capstone account. Choose a new one here:";
const RESET_CLOSING: &str =
    "If you did not ask to reset your password, ignore this email: your password stays as it is.";

/// The email `event` causes, or `None` for events that send none.
pub(super) fn render(event: &Event, link_base_url: &str) -> Option<RenderedEmail> {
    let (email, display_name, letter) = match event {
        Event::UserRegistered(registered) => (
            &registered.email,
            &registered.display_name,
            Letter {
                subject: format!(
                    "Welcome to Capstone, {}",
                    single_line(&registered.display_name)
                ),
                name: single_line(&registered.display_name),
                intro: WELCOME_INTRO,
                action: "Confirm your email address",
                link: link(link_base_url, VERIFY_EMAIL_PATH, &registered.verification),
                expires_at: registered.verification.expires_at,
                closing: None,
            },
        ),
        Event::UserEmailVerificationRequested(requested) => (
            &requested.email,
            &requested.display_name,
            Letter {
                subject: "Confirm your email address".into(),
                name: single_line(&requested.display_name),
                intro: VERIFY_INTRO,
                action: "Confirm your email address",
                link: link(link_base_url, VERIFY_EMAIL_PATH, &requested.verification),
                expires_at: requested.verification.expires_at,
                closing: Some(VERIFY_CLOSING),
            },
        ),
        Event::PasswordResetRequested(requested) => (
            &requested.email,
            &requested.display_name,
            Letter {
                subject: "Reset your password".into(),
                name: single_line(&requested.display_name),
                intro: RESET_INTRO,
                action: "Reset your password",
                link: link(link_base_url, RESET_PASSWORD_PATH, &requested.reset),
                expires_at: requested.reset.expires_at,
                closing: Some(RESET_CLOSING),
            },
        ),
        // Nothing to tell the user: these feed the audit trail only.
        Event::UserUpdated(_) | Event::UserDeleted(_) => return None,
    };
    Some(RenderedEmail {
        to_address: email.clone(),
        to_name: single_line(display_name),
        text: text_layout(&letter),
        html: html_layout(&letter),
        subject: letter.subject,
    })
}

fn text_layout(letter: &Letter<'_>) -> String {
    let Letter {
        name,
        intro,
        link,
        closing,
        ..
    } = letter;
    let expiry = expiry(letter.expires_at);
    // The link stands alone on its line: mail clients make it clickable, and
    // it is never wrapped (see `message.rs`), so copying it works.
    let closing = closing
        .map(|text| format!("{text}\n\n"))
        .unwrap_or_default();
    format!(
        "Hi {name},\n\n{intro}\n\n{link}\n\nThis link expires at {expiry}.\n\n{closing}{SIGNATURE}\n"
    )
}

fn html_layout(letter: &Letter<'_>) -> String {
    let subject = escape_html(&letter.subject);
    let name = escape_html(&letter.name);
    let intro = escape_html(letter.intro);
    let action = escape_html(letter.action);
    let link = escape_html(&letter.link);
    let expiry = expiry(letter.expires_at);
    let closing = letter
        .closing
        .map(|text| format!("<p>{}</p>\n", escape_html(text)))
        .unwrap_or_default();
    format!(
        "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<title>{subject}</title>\n</head>\n<body>\n\
         <p>Hi {name},</p>\n<p>{intro}</p>\n<p><a href=\"{link}\">{action}</a></p>\n\
         <p>If the link does not open, copy it into your browser:<br>\n{link}</p>\n\
         <p>This link expires at {expiry}.</p>\n{closing}<p>{SIGNATURE}</p>\n</body>\n</html>\n"
    )
}

/// `{base}/{path}?token={token}`. The token is form-encoded although JWTs
/// need none: a link must survive whatever a token ever contains.
fn link(base: &str, path: &str, token: &LinkToken) -> String {
    let token: String = url::form_urlencoded::byte_serialize(token.token.as_bytes()).collect();
    format!("{}/{path}?token={token}", base.trim_end_matches('/'))
}

/// Always UTC, and said so: the reader's time zone is unknown.
fn expiry(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// Control characters (newlines included) become spaces: a display name is
/// user input and must not start new lines in a subject or a body.
fn single_line(value: &str) -> String {
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

#[cfg(test)]
pub(super) mod tests {
    use capstone_contracts::events::{
        PasswordResetRequested, UserEmailVerificationRequested, UserRegistered,
    };
    use chrono::TimeZone;
    use uuid::Uuid;

    use super::*;

    pub(crate) const BASE: &str = "http://localhost:8080";

    /// A JWT-sized token: long enough that any line wrapping would show.
    pub(crate) fn token() -> LinkToken {
        LinkToken {
            token: format!("eyJhbGciOiJFZERTQSJ9.{}.sig-_nature", "a1B2c3D4".repeat(36)),
            expires_at: Utc
                .with_ymd_and_hms(2026, 11, 24, 11, 30, 0)
                .single()
                .expect("valid"),
        }
    }

    pub(crate) fn registered(display_name: &str) -> Event {
        Event::UserRegistered(UserRegistered {
            user_id: Uuid::now_v7(),
            email: "ada@example.com".into(),
            display_name: display_name.into(),
            role: capstone_contracts::Role::User,
            verification: token(),
        })
    }

    fn all_three() -> [(Event, &'static str, &'static str); 3] {
        [
            (
                registered("Ada"),
                "Welcome to Capstone, Ada",
                "/verify-email?token=",
            ),
            (
                Event::UserEmailVerificationRequested(UserEmailVerificationRequested {
                    user_id: Uuid::now_v7(),
                    email: "ada@example.com".into(),
                    display_name: "Ada".into(),
                    verification: token(),
                }),
                "Confirm your email address",
                "/verify-email?token=",
            ),
            (
                Event::PasswordResetRequested(PasswordResetRequested {
                    user_id: Uuid::now_v7(),
                    email: "ada@example.com".into(),
                    display_name: "Ada".into(),
                    reset: token(),
                }),
                "Reset your password",
                "/reset-password?token=",
            ),
        ]
    }

    #[test]
    fn each_email_event_renders_text_and_html_with_the_link_and_its_expiry() {
        for (event, subject, path) in all_three() {
            let email = render(&event, BASE).expect("an email");
            let link = format!("{BASE}{path}{}", token().token);
            assert_eq!(email.subject, subject);
            assert_eq!(email.to_address, "ada@example.com");
            assert!(
                email.text.lines().any(|line| line == link),
                "{}",
                email.text
            );
            assert!(
                email.html.contains(&format!("href=\"{link}\"")),
                "{}",
                email.html
            );
            for body in [&email.text, &email.html] {
                assert!(body.contains("2026-11-24 11:30 UTC"), "{body}");
            }
        }
    }

    #[test]
    fn the_reset_email_says_to_ignore_it_if_not_asked_for() {
        let [_, _, (reset, _, _)] = all_three();
        let email = render(&reset, BASE).expect("an email");
        assert!(email.text.contains("If you did not ask"), "{}", email.text);
    }

    #[test]
    fn a_trailing_slash_on_the_base_url_does_not_double() {
        let email = render(&registered("Ada"), "https://app.example.com/").expect("an email");
        assert!(
            email
                .text
                .contains("https://app.example.com/verify-email?token=")
        );
    }

    #[test]
    fn a_script_in_the_display_name_is_escaped_in_the_html() {
        let email = render(&registered("<script>alert(1)</script>"), BASE).expect("an email");
        assert!(!email.html.contains("<script>"), "{}", email.html);
        assert!(email.html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    }

    #[test]
    fn escape_html_escapes_the_five_special_characters() {
        assert_eq!(
            escape_html(r#"a & b < c > d " e ' f"#),
            "a &amp; b &lt; c &gt; d &quot; e &#39; f"
        );
    }

    #[test]
    fn a_newline_in_the_display_name_does_not_reach_the_subject() {
        let email = render(&registered("Ada\r\nBcc: x@evil.test"), BASE).expect("an email");
        assert_eq!(email.subject, "Welcome to Capstone, Ada  Bcc: x@evil.test");
    }
}
