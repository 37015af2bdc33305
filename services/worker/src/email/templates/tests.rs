use std::sync::OnceLock;

use capstone_contracts::events::{
    PasswordResetRequested, UserEmailChangeRequested, UserEmailChanged,
    UserEmailVerificationRequested, UserRegistered, UserRegistrationAttempted,
};
use capstone_platform::{sealing::SealingSettings, settings::Environment};
use chrono::TimeZone;

use super::layout::escape_html;
use super::*;

pub(crate) const BASE: &str = "http://localhost:8080";

/// The development key: what the users service seals with in tests too.
pub(crate) fn sealer() -> &'static Sealer {
    static SEALER: OnceLock<Sealer> = OnceLock::new();
    SEALER.get_or_init(|| {
        Sealer::from_settings(&SealingSettings::default(), Environment::Development)
            .expect("the development key")
    })
}

/// An owned development-key sealer, for a `Mailer`.
pub(crate) fn own_sealer() -> std::sync::Arc<Sealer> {
    std::sync::Arc::new(
        Sealer::from_settings(&SealingSettings::default(), Environment::Development)
            .expect("the development key"),
    )
}

pub(crate) fn links(base: &str) -> LinkWriter<'_> {
    LinkWriter {
        base,
        sealer: sealer(),
    }
}

/// A JWT-sized token: long enough that any line wrapping would show.
pub(crate) fn token() -> String {
    format!("eyJhbGciOiJFZERTQSJ9.{}.sig-_nature", "a1B2c3D4".repeat(36))
}

/// [`token`], sealed for `kind` and `user_id` as the users service would.
pub(crate) fn sealed(kind: LinkKind, user_id: Uuid) -> SealedLinkToken {
    SealedLinkToken {
        sealed: sealer()
            .seal(&token(), &kind.sealing_context(user_id))
            .expect("sealed"),
        expires_at: Utc
            .with_ymd_and_hms(2026, 11, 24, 11, 30, 0)
            .single()
            .expect("valid"),
    }
}

pub(crate) fn registered(display_name: &str) -> Event {
    let user_id = Uuid::now_v7();
    Event::UserRegistered(UserRegistered {
        user_id,
        email: "ada@example.com".into(),
        display_name: display_name.into(),
        role: capstone_contracts::Role::User,
        verification: sealed(LinkKind::VerifyEmail, user_id),
    })
}

/// Every event with a link: (event, subject, recipient, link path).
fn with_links() -> Vec<(Event, &'static str, &'static str, &'static str)> {
    let user_id = Uuid::now_v7();
    vec![
        (
            registered("Ada"),
            "Welcome to Capstone, Ada",
            "ada@example.com",
            "/verify-email?token=",
        ),
        (
            Event::UserEmailVerificationRequested(UserEmailVerificationRequested {
                user_id,
                email: "ada@example.com".into(),
                display_name: "Ada".into(),
                verification: sealed(LinkKind::VerifyEmail, user_id),
            }),
            "Confirm your email address",
            "ada@example.com",
            "/verify-email?token=",
        ),
        (
            Event::PasswordResetRequested(PasswordResetRequested {
                user_id,
                email: "ada@example.com".into(),
                display_name: "Ada".into(),
                reset: sealed(LinkKind::ResetPassword, user_id),
            }),
            "Reset your password",
            "ada@example.com",
            "/reset-password?token=",
        ),
        (
            Event::UserEmailChangeRequested(UserEmailChangeRequested {
                user_id,
                new_email: "ada@new.example".into(),
                display_name: "Ada".into(),
                confirmation: sealed(LinkKind::ConfirmEmailChange, user_id),
            }),
            "Confirm your new email address",
            "ada@new.example",
            "/confirm-email-change?token=",
        ),
        (
            Event::UserEmailChanged(UserEmailChanged {
                user_id,
                old_email: "ada@example.com".into(),
                new_email: "ada@new.example".into(),
                display_name: "Ada".into(),
                by_admin: false,
                undo: sealed(LinkKind::UndoEmailChange, user_id),
            }),
            "Your email address was changed",
            "ada@example.com",
            "/undo-email-change?token=",
        ),
    ]
}

fn render_ok(event: &Event, base: &str) -> RenderedEmail {
    render(event, links(base))
        .expect("renders")
        .expect("an email")
}

#[test]
fn each_email_event_renders_text_and_html_with_the_opened_link_and_its_expiry() {
    for (event, subject, to, path) in with_links() {
        let email = render_ok(&event, BASE);
        let link = format!("{BASE}{path}{}", token());
        assert_eq!(email.subject, subject);
        assert_eq!(email.to_address, to);
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
fn a_token_sealed_for_another_purpose_or_user_is_a_permanent_failure() {
    let user_id = Uuid::now_v7();
    let moved = Event::PasswordResetRequested(PasswordResetRequested {
        user_id,
        email: "ada@example.com".into(),
        display_name: "Ada".into(),
        // A verification token put where a reset token belongs.
        reset: sealed(LinkKind::VerifyEmail, user_id),
    });
    let error = render(&moved, links(BASE)).expect_err("does not open");
    assert!(!error.is_transient(), "{error}");
    let stolen = Event::PasswordResetRequested(PasswordResetRequested {
        user_id: Uuid::now_v7(),
        email: "mallory@example.com".into(),
        display_name: "Mallory".into(),
        reset: sealed(LinkKind::ResetPassword, user_id),
    });
    assert!(
        render(&stolen, links(BASE)).is_err(),
        "another user's token"
    );
}

#[test]
fn the_address_change_notice_says_who_changed_it_and_to_what() {
    let user_id = Uuid::now_v7();
    let changed = |by_admin| {
        Event::UserEmailChanged(UserEmailChanged {
            user_id,
            old_email: "ada@example.com".into(),
            new_email: "mallory@evil.example".into(),
            display_name: "Ada".into(),
            by_admin,
            undo: sealed(LinkKind::UndoEmailChange, user_id),
        })
    };
    let by_user = render_ok(&changed(false), BASE);
    assert!(
        by_user.text.contains("Someone signed in as you"),
        "{}",
        by_user.text
    );
    assert!(
        by_user.text.contains("mallory@evil.example"),
        "{}",
        by_user.text
    );
    let by_admin = render_ok(&changed(true), BASE);
    assert!(
        by_admin.text.contains("An administrator"),
        "{}",
        by_admin.text
    );
}

#[test]
fn a_registration_attempt_notice_carries_no_token() {
    let attempt = Event::UserRegistrationAttempted(UserRegistrationAttempted {
        user_id: Uuid::now_v7(),
        email: "ada@example.com".into(),
        display_name: "Ada".into(),
    });
    let email = render_ok(&attempt, BASE);
    assert_eq!(email.to_address, "ada@example.com");
    assert!(
        email.text.contains(&format!("{BASE}/forgot-password\n")),
        "{}",
        email.text
    );
    assert!(!email.text.contains("token="), "{}", email.text);
    assert!(!email.text.contains("expires"), "{}", email.text);
}

#[test]
fn the_reset_email_says_to_ignore_it_if_not_asked_for() {
    let (reset, ..) = with_links().swap_remove(2);
    let email = render_ok(&reset, BASE);
    assert!(email.text.contains("If you did not ask"), "{}", email.text);
}

#[test]
fn a_trailing_slash_on_the_base_url_does_not_double() {
    let email = render_ok(&registered("Ada"), "https://app.example.com/");
    assert!(
        email
            .text
            .contains("https://app.example.com/verify-email?token=")
    );
}

#[test]
fn a_script_in_the_display_name_is_escaped_in_the_html() {
    let email = render_ok(&registered("<script>alert(1)</script>"), BASE);
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
    let email = render_ok(&registered("Ada\r\nBcc: x@evil.test"), BASE);
    assert_eq!(email.subject, "Welcome to Capstone, Ada  Bcc: x@evil.test");
}
