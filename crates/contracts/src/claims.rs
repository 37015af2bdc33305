//! The claims inside an access token (a JWT), shared by the service that
//! issues tokens (users) and every service that checks them (the gateway).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Role;

// ANCHOR: access_claims
/// What an access token asserts. Registered claims (RFC 7519) plus `role`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    /// Issuer: which service signed it (`users.auth.issuer`).
    pub iss: String,
    /// Audience: who it is for; verifiers refuse tokens meant for others.
    pub aud: String,
    /// Subject: the user's id.
    pub sub: Uuid,
    /// The user's role when the token was issued.
    pub role: Role,
    /// The account's auth version when the token was issued. The users
    /// service bumps it when what a token asserts may no longer hold (role
    /// changed, account disabled, password or address changed) and refuses
    /// tokens that carry an older one; absent in tokens from before it
    /// existed, which then count as version 0.
    #[serde(default)]
    pub ver: i32,
    /// Issued at, not before and expires at: seconds since the Unix epoch.
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    /// Token id: unique per token, for logs and future revocation lists.
    pub jti: Uuid,
    /// Session id: the refresh-token family this token was issued to, so a
    /// client can tell its own session in a list of them. Absent in tokens
    /// minted outside a session (tests, benches) and in older tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<Uuid>,
}
// ANCHOR_END: access_claims

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_round_trip_through_json_with_registered_names() {
        let claims = AccessClaims {
            iss: "capstone-users".into(),
            aud: "capstone".into(),
            sub: Uuid::nil(),
            role: Role::Admin,
            ver: 3,
            iat: 1,
            nbf: 1,
            exp: 901,
            jti: Uuid::nil(),
            sid: None,
        };
        let json = serde_json::to_value(&claims).expect("serialises");
        assert_eq!(json["role"], "admin");
        assert_eq!(json["sub"], "00000000-0000-0000-0000-000000000000");
        let back: AccessClaims = serde_json::from_value(json).expect("parses");
        assert_eq!(back, claims);
    }
}
