//! The verified-token cache saves work and nothing else: every token it
//! serves is one a full check would accept at that moment.

use capstone_contracts::AccessClaims;

use super::{
    LEEWAY_SECS, TokenError,
    tests::{claims, new_key, now, verifier_for},
    verified_tokens::{VerifiedTokens, still_valid},
};

#[test]
fn a_token_that_verified_once_is_answered_from_memory_with_the_same_claims() {
    let key = new_key("k1");
    let token = key.sign(&claims()).expect("signed");
    let verifier = verifier_for(&[&key]);

    let first = verifier.verify(&token).expect("verifies");
    assert_eq!(verifier.verified.len(), 1);
    let second = verifier.verify(&token).expect("still verifies");

    assert_eq!(first, second);
    assert_eq!(verifier.verified.len(), 1);
}

#[test]
fn a_token_that_differs_in_one_byte_is_checked_in_full_and_refused() {
    let key = new_key("k1");
    let token = key.sign(&claims()).expect("signed");
    let verifier = verifier_for(&[&key]);
    verifier.verify(&token).expect("verifies");

    // The same token with one character of its signature changed: one in the
    // middle, where every base64url character carries six whole bits (the
    // last one carries two, and most replacements there do not decode).
    let middle = token.len() - 20;
    let replacement = if &token[middle..=middle] == "A" {
        "B"
    } else {
        "A"
    };
    let forged = format!("{}{replacement}{}", &token[..middle], &token[middle + 1..]);

    assert_eq!(verifier.verify(&forged), Err(TokenError::BadSignature));
}

#[test]
fn refused_tokens_are_never_remembered() {
    let key = new_key("k1");
    let stranger = new_key("k1"); // same kid, another key
    let verifier = verifier_for(&[&key]);
    let mut expired = claims();
    expired.exp = now() - 3600;

    for token in [
        "not a token".to_owned(),
        stranger.sign(&claims()).expect("signed"),
        key.sign(&expired).expect("signed"),
    ] {
        assert!(verifier.verify(&token).is_err());
    }

    assert_eq!(verifier.verified.len(), 0);
}

#[test]
fn a_remembered_token_is_served_exactly_as_long_as_it_would_verify() {
    let exp = now() + 60;
    let claims = AccessClaims { exp, ..claims() };
    let leeway = LEEWAY_SECS as i64;

    assert!(still_valid(&claims, exp));
    assert!(still_valid(&claims, exp + leeway));
    assert!(!still_valid(&claims, exp + leeway + 1));
}

#[test]
fn an_entry_whose_token_has_expired_is_not_served() {
    let cache = VerifiedTokens::new();
    // As if it verified long ago and the cache's own timer has not fired yet.
    let stale = AccessClaims {
        exp: now() - LEEWAY_SECS as i64 - 1,
        ..claims()
    };
    cache.insert("a token", &stale);

    assert_eq!(cache.get("a token"), None);
}

#[test]
fn a_new_key_set_starts_with_nothing_remembered() {
    let retired = new_key("2026-10");
    let current = new_key("2026-11");
    let token = retired.sign(&claims()).expect("signed");
    let before_rotation = verifier_for(&[&retired, &current]);
    before_rotation.verify(&token).expect("verifies");

    // The gateway refetches the JWKS once the old key is gone.
    let after_rotation = verifier_for(&[&current]);

    assert_eq!(
        after_rotation.verify(&token),
        Err(TokenError::UnknownKeyId("2026-10".into()))
    );
}

#[test]
fn clones_share_what_they_remember() {
    let key = new_key("k1");
    let verifier = verifier_for(&[&key]);
    let clone = verifier.clone();

    clone
        .verify(&key.sign(&claims()).expect("signed"))
        .expect("verifies");

    assert_eq!(verifier.verified.len(), 1);
}
