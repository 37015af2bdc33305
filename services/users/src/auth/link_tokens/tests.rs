use capstone_platform::{sealing::SealingSettings, settings::Environment};

use super::*;

fn tokens(secret: &str) -> LinkTokens {
    let sealer = Sealer::from_settings(&SealingSettings::default(), Environment::Development)
        .expect("the development key");
    LinkTokens::new(
        &SecretString::from(secret.to_owned()),
        "capstone-users",
        LinkLifetimes {
            verify_email: TimeDelta::hours(24),
            reset_password: TimeDelta::minutes(30),
            confirm_email_change: TimeDelta::hours(24),
            undo_email_change: TimeDelta::days(7),
        },
        Arc::new(sealer),
    )
}

const SECRET: &str = "a test secret that is at least 32 bytes long";

/// The plain token inside a sealed one.
fn plain(links: &LinkTokens, sealed: &SealedLinkToken, purpose: LinkPurpose, user: Uuid) -> String {
    links
        .open(sealed, purpose, user)
        .expect("opens")
        .expose_secret()
        .to_owned()
}

#[test]
fn a_verification_link_checks_for_its_purpose_only() {
    let links = tokens(SECRET);
    let user = Uuid::now_v7();
    let sealed = links
        .email_verification(user, "ada@example.com")
        .expect("sealed");
    let token = plain(&links, &sealed, LinkPurpose::VerifyEmail, user);
    let checked = links
        .check(LinkPurpose::VerifyEmail, &token)
        .expect("valid");
    assert_eq!(checked.user_id, user);
    assert_eq!(checked.bound_to, "ada@example.com");
    for other in [
        LinkPurpose::ResetPassword,
        LinkPurpose::ConfirmEmailChange,
        LinkPurpose::UndoEmailChange,
    ] {
        assert_eq!(links.check(other, &token), Err(InvalidLink), "{other:?}");
    }
}

#[test]
fn a_sealed_link_holds_nothing_readable_and_opens_only_for_its_purpose_and_user() {
    let links = tokens(SECRET);
    let user = Uuid::now_v7();
    let sealed = links
        .password_reset(user, Some("$argon2id$old"))
        .expect("sealed");
    assert!(
        !sealed.sealed.contains("eyJ"),
        "no JWT shows through: {}",
        sealed.sealed
    );
    assert!(links.open(&sealed, LinkPurpose::VerifyEmail, user).is_err());
    assert!(
        links
            .open(&sealed, LinkPurpose::ResetPassword, Uuid::now_v7())
            .is_err()
    );
    let token = plain(&links, &sealed, LinkPurpose::ResetPassword, user);
    let checked = links
        .check(LinkPurpose::ResetPassword, &token)
        .expect("valid");
    assert_eq!(
        checked.bound_to,
        password_fingerprint(Some("$argon2id$old"))
    );
    assert_ne!(
        checked.bound_to,
        password_fingerprint(Some("$argon2id$new"))
    );
}

#[test]
fn address_change_links_carry_both_addresses() {
    let links = tokens(SECRET);
    let user = Uuid::now_v7();
    let sealed = links
        .email_change_confirmation(user, "old@example.com", "new@example.com")
        .expect("sealed");
    let token = plain(&links, &sealed, LinkPurpose::ConfirmEmailChange, user);
    let checked = links
        .check(LinkPurpose::ConfirmEmailChange, &token)
        .expect("valid");
    assert_eq!(checked.bound_to, "new@example.com");
    assert_eq!(checked.from.as_deref(), Some("old@example.com"));
    assert_eq!(
        links.check(LinkPurpose::UndoEmailChange, &token),
        Err(InvalidLink)
    );
}

#[test]
fn forged_expired_and_foreign_tokens_are_refused() {
    let links = tokens(SECRET);
    let other = tokens("another secret that is also long enough!!");
    let user = Uuid::now_v7();
    let forged = other
        .email_verification(user, "a@example.com")
        .expect("sealed");
    let forged = plain(&other, &forged, LinkPurpose::VerifyEmail, user);
    assert_eq!(
        links.check(LinkPurpose::VerifyEmail, &forged),
        Err(InvalidLink)
    );
    let mut expired_links = links.clone();
    expired_links.lifetimes.verify_email = TimeDelta::minutes(-5);
    let expired = expired_links
        .email_verification(user, "a@example.com")
        .expect("sealed");
    let expired = plain(&links, &expired, LinkPurpose::VerifyEmail, user);
    assert_eq!(
        links.check(LinkPurpose::VerifyEmail, &expired),
        Err(InvalidLink)
    );
    assert_eq!(
        links.check(LinkPurpose::VerifyEmail, "garbage"),
        Err(InvalidLink)
    );
}
