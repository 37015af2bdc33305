//! Authentication: proving who a caller is.
//!
//! | module | role |
//! |---|---|
//! | [`password_hasher`] | argon2id hashing and constant-cost verification |
//! | [`access_tokens`] | signing short-lived EdDSA JWTs; the JWKS |
//! | [`link_tokens`] | signed, single-purpose, short-lived tokens for links in emails, sealed for the worker |
//! | [`refresh_tokens`] | opaque single-use refresh tokens, stored hashed |
//! | [`random`] | unguessable URL-safe strings (tokens, generated passwords) |
//! | [`reauthentication`] | the current password again, throttled like logins, for changes that hand the account over |
//! | [`login_throttle`] | failed-login counters in Redis; 429 past the limit |
//! | [`account_check`] | a verified token still refused: account deleted, disabled, or changed since |
//! | [`extractors`] | `AuthenticatedUser`, `RequireRole<Admin>`: the rule in the signature |
//!
//! Explained in docs/src/security.md.

pub mod access_tokens;
pub mod account_check;
pub mod extractors;
pub mod link_tokens;
pub mod login_throttle;
pub mod password_hasher;
pub mod random;
pub mod reauthentication;
pub mod refresh_tokens;

pub use access_tokens::{AccessTokenIssuer, IssuedToken, SigningKeySettings};
pub use account_check::{StaleToken, current_account};
pub use capstone_contracts::AccessClaims;
pub use extractors::{Admin, AuthenticatedUser, RequireRole, authenticate};
pub use link_tokens::{CheckedLink, InvalidLink, LinkLifetimes, LinkPurpose, LinkTokens};
pub use login_throttle::{LoginThrottle, LoginThrottleSettings};
pub use password_hasher::{Argon2Settings, PasswordHashError, PasswordHasher};
pub use reauthentication::Reauthentication;
pub use refresh_tokens::{NewRefreshToken, hash_refresh_token};
