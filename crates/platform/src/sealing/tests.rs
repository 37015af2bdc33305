use base64::Engine;
use secrecy::ExposeSecret;

use super::*;

fn key(id: &str, byte: u8) -> SealingKeySettings {
    SealingKeySettings {
        id: id.into(),
        key: Some(
            base64::engine::general_purpose::STANDARD
                .encode([byte; 32])
                .into(),
        ),
        key_file: None,
    }
}

fn sealer(keys: Vec<SealingKeySettings>) -> Sealer {
    Sealer::from_settings(&SealingSettings { keys }, Environment::Production).expect("sealer")
}

#[test]
fn a_sealed_secret_opens_for_its_context_only() {
    let sealer = sealer(vec![key("k1", 1)]);
    let sealed = sealer
        .seal("eyJ.the.token", "verify-email:ada")
        .expect("sealed");

    assert!(sealed.starts_with("v1.k1."), "{sealed}");
    assert!(!sealed.contains("eyJ"), "nothing of the secret shows");
    let opened = sealer.open(&sealed, "verify-email:ada").expect("opens");
    assert_eq!(opened.expose_secret(), "eyJ.the.token");
    assert!(
        sealer.open(&sealed, "reset-password:ada").is_err(),
        "other purpose"
    );
    assert!(
        sealer.open(&sealed, "verify-email:grace").is_err(),
        "other user"
    );
}

#[test]
fn sealing_twice_gives_two_values() {
    let sealer = sealer(vec![key("k1", 1)]);
    let one = sealer.seal("same", "c").expect("sealed");
    let two = sealer.seal("same", "c").expect("sealed");
    assert_ne!(one, two, "a fresh nonce each time");
}

#[test]
fn a_changed_bit_or_an_unknown_key_does_not_open() {
    let sealer = sealer(vec![key("k1", 1)]);
    let sealed = sealer.seal("secret", "c").expect("sealed");
    let (head, payload) = sealed.rsplit_once('.').expect("three parts");
    let mut bytes = URL_SAFE_NO_PAD.decode(payload).expect("base64");
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    let tampered = format!("{head}.{}", URL_SAFE_NO_PAD.encode(bytes));

    assert!(sealer.open(&tampered, "c").is_err());
    let other = self::sealer(vec![key("k2", 2)]);
    assert_eq!(
        other.open(&sealed, "c").err(),
        Some(SealingError::DoesNotOpen {
            key_id: "k1".into()
        })
    );
    for garbage in ["", "v1", "v1.k1", "v1.k1.!!", "v2.k1.AAAA", "v1.k1.AAAA"] {
        assert!(sealer.open(garbage, "c").is_err(), "{garbage}");
    }
}

#[test]
fn the_newest_key_seals_and_every_configured_key_opens() {
    let before = sealer(vec![key("old", 1)]);
    let during = sealer(vec![key("old", 1), key("new", 2)]);
    let sealed_before = before.seal("early", "c").expect("sealed");
    let sealed_during = during.seal("late", "c").expect("sealed");

    assert!(sealed_during.starts_with("v1.new."));
    assert_eq!(
        during
            .open(&sealed_before, "c")
            .expect("old key")
            .expose_secret(),
        "early"
    );
    assert!(
        before.open(&sealed_during, "c").is_err(),
        "the old set lacks the new key"
    );
}

#[test]
fn production_needs_a_real_key_of_32_bytes() {
    let production =
        |keys| Sealer::from_settings(&SealingSettings { keys }, Environment::Production);
    assert_eq!(production(vec![]).err(), Some(SealingError::NoKey));
    let development = key(DEVELOPMENT_KEY_ID, 7);
    assert!(matches!(
        production(vec![development]),
        Err(SealingError::InvalidKey(_))
    ));
    let short = SealingKeySettings {
        key: Some(
            base64::engine::general_purpose::STANDARD
                .encode([1_u8; 16])
                .into(),
        ),
        ..key("short", 0)
    };
    let error = production(vec![short]).expect_err("refused");
    assert!(
        error.to_string().contains("16 bytes, expected 32"),
        "{error}"
    );
    let dev = Sealer::from_settings(&SealingSettings::default(), Environment::Development);
    assert!(dev.expect("the development key").seal("x", "c").is_ok());
}
