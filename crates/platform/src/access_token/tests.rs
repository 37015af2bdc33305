//! Each way a token can be wrong is refused, and a good one is accepted.

use base64_engine::encode;
use capstone_contracts::{AccessClaims, Role};
use jsonwebtoken::{Algorithm, EncodingKey, Header, jwk::JwkSet};
use uuid::Uuid;

use super::{SigningKey, TokenError, TokenVerifier};

pub(super) const ISSUER: &str = "capstone-users";
pub(super) const AUDIENCE: &str = "capstone";

mod base64_engine {
    /// base64url without padding, as JWTs use.
    pub(super) fn encode(bytes: &[u8]) -> String {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    }
}

pub(super) fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs() as i64)
        .unwrap_or_default()
}

pub(super) fn claims() -> AccessClaims {
    let now = now();
    AccessClaims {
        iss: ISSUER.into(),
        aud: AUDIENCE.into(),
        sub: Uuid::now_v7(),
        role: Role::User,
        ver: 0,
        iat: now,
        nbf: now,
        exp: now + 900,
        jti: Uuid::now_v7(),
        sid: None,
    }
}

pub(super) fn new_key(kid: &str) -> SigningKey {
    SigningKey::generate(kid).expect("a key")
}

pub(super) fn verifier_for(keys: &[&SigningKey]) -> TokenVerifier {
    let jwks = JwkSet {
        keys: keys.iter().map(|key| key.public_jwk().clone()).collect(),
    };
    TokenVerifier::from_jwks(&jwks, ISSUER, AUDIENCE).expect("verifier")
}

#[test]
fn a_well_formed_token_is_accepted_with_its_claims() {
    let key = new_key("k1");
    let claims = claims();

    let verified = verifier_for(&[&key]).verify(&key.sign(&claims).expect("signed"));

    assert_eq!(verified, Ok(claims));
}

#[test]
fn an_expired_token_is_refused() {
    let key = new_key("k1");
    let mut claims = claims();
    claims.exp = now() - super::LEEWAY_SECS as i64 - 5;

    let verified = verifier_for(&[&key]).verify(&key.sign(&claims).expect("signed"));

    assert_eq!(verified, Err(TokenError::Expired));
}

#[test]
fn a_token_expired_within_the_leeway_still_passes() {
    let key = new_key("k1");
    let mut claims = claims();
    claims.exp = now() - 5;

    let verified = verifier_for(&[&key]).verify(&key.sign(&claims).expect("signed"));

    assert!(verified.is_ok(), "{verified:?}");
}

#[test]
fn a_not_yet_valid_token_is_refused() {
    let key = new_key("k1");
    let mut claims = claims();
    claims.nbf = now() + 600;

    let verified = verifier_for(&[&key]).verify(&key.sign(&claims).expect("signed"));

    assert_eq!(verified, Err(TokenError::NotYetValid));
}

#[test]
fn wrong_issuer_and_wrong_audience_are_refused() {
    let key = new_key("k1");
    let verifier = verifier_for(&[&key]);
    let mut foreign_issuer = claims();
    foreign_issuer.iss = "someone-else".into();
    let mut foreign_audience = claims();
    foreign_audience.aud = "another-api".into();

    assert_eq!(
        verifier.verify(&key.sign(&foreign_issuer).expect("signed")),
        Err(TokenError::WrongIssuer)
    );
    assert_eq!(
        verifier.verify(&key.sign(&foreign_audience).expect("signed")),
        Err(TokenError::WrongAudience)
    );
}

#[test]
fn a_tampered_payload_breaks_the_signature() {
    let key = new_key("k1");
    let token = key.sign(&claims()).expect("signed");
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let mut elevated = claims();
    elevated.role = Role::Admin;
    parts[1] = encode(&serde_json::to_vec(&elevated).expect("json"));

    let verified = verifier_for(&[&key]).verify(&parts.join("."));

    assert_eq!(verified, Err(TokenError::BadSignature));
}

#[test]
fn a_token_signed_by_a_key_we_do_not_trust_is_refused() {
    let trusted = new_key("k1");
    let impostor = new_key("k1"); // same kid, different key material

    let verified = verifier_for(&[&trusted]).verify(&impostor.sign(&claims()).expect("signed"));

    assert_eq!(verified, Err(TokenError::BadSignature));
}

#[test]
fn an_unknown_kid_is_refused_and_named() {
    let key = new_key("k1");
    let other = new_key("k2");

    let verified = verifier_for(&[&key]).verify(&other.sign(&claims()).expect("signed"));

    assert_eq!(verified, Err(TokenError::UnknownKeyId("k2".into())));
}

#[test]
fn after_rotation_tokens_from_both_keys_verify() {
    let old = new_key("2026-10");
    let new = new_key("2026-11");
    let verifier = verifier_for(&[&old, &new]);

    assert!(
        verifier
            .verify(&old.sign(&claims()).expect("signed"))
            .is_ok()
    );
    assert!(
        verifier
            .verify(&new.sign(&claims()).expect("signed"))
            .is_ok()
    );
}

#[test]
fn alg_none_is_refused() {
    let header = encode(br#"{"alg":"none","typ":"JWT","kid":"k1"}"#);
    let payload = encode(&serde_json::to_vec(&claims()).expect("json"));
    let unsigned = format!("{header}.{payload}.");

    let verified = verifier_for(&[&new_key("k1")]).verify(&unsigned);

    assert_eq!(verified, Err(TokenError::Malformed));
}

#[test]
fn hs256_signed_with_the_public_key_is_refused() {
    // Algorithm confusion: an attacker "signs" with HMAC, using the public key
    // (which anyone can fetch) as the secret, hoping the verifier uses it too.
    let key = new_key("k1");
    let public = serde_json::to_value(key.public_jwk()).expect("json");
    let secret = public["x"].as_str().expect("x").as_bytes().to_vec();
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some("k1".into());
    let forged = jsonwebtoken::encode(&header, &claims(), &EncodingKey::from_secret(&secret))
        .expect("encodes");

    let verified = verifier_for(&[&key]).verify(&forged);

    assert_eq!(
        verified,
        Err(TokenError::AlgorithmNotAllowed("HS256".into()))
    );
}

#[test]
fn a_token_without_kid_or_garbage_is_refused() {
    assert_eq!(
        verifier_for(&[&new_key("k1")]).verify("not.a.jwt"),
        Err(TokenError::Malformed)
    );
    assert_eq!(
        verifier_for(&[&new_key("k1")]).verify(""),
        Err(TokenError::Malformed)
    );
}

#[test]
fn the_published_jwk_holds_no_private_material() {
    let key = new_key("k1");
    let public = serde_json::to_value(key.public_jwk()).expect("json");

    assert_eq!(public["kty"], "OKP");
    assert_eq!(public["crv"], "Ed25519");
    assert_eq!(public["kid"], "k1");
    assert!(
        public.get("d").is_none(),
        "no private key in the JWK: {public}"
    );
}

/// Made with `openssl genpkey -algorithm ed25519` for this test alone; it
/// protects nothing anywhere.
const TEST_ONLY_ED25519_PEM: &str = "-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIPuvLuNAKpCEPnyf7TCowIiGw0j0z5KyTO3PHyzDpRbi
-----END PRIVATE KEY-----
";

#[test]
fn a_key_from_an_openssl_pem_signs_verifiable_tokens() {
    let key = SigningKey::from_pem("from-pem", TEST_ONLY_ED25519_PEM).expect("parses");

    let verified = verifier_for(&[&key]).verify(&key.sign(&claims()).expect("signed"));

    assert!(verified.is_ok(), "{verified:?}");
}

#[test]
fn a_pem_that_is_not_an_ed25519_key_is_a_clear_error() {
    let error = SigningKey::from_pem(
        "broken",
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
    )
    .expect_err("not a key");

    assert!(matches!(error, TokenError::InvalidKey(message) if message.starts_with("broken")));
}
