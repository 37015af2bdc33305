//! The refresh token for browsers: in a cookie no script can read.
//!
//! A program (a CLI, a mobile app, a service) keeps its refresh token where
//! it likes and sends it in the JSON body. A page cannot keep it anywhere
//! safe: whatever script runs in the page (an injected one included) can
//! read `localStorage`, `sessionStorage` and every variable. So a browser
//! client sends `X-Refresh-Token-Transport: cookie` on login, refresh,
//! logout and password change, and the token then travels only as
//!
//! ```text
//! Set-Cookie: capstone_refresh=…; HttpOnly; Secure; SameSite=Strict; Path=/api/v1/auth; Max-Age=1209600
//! ```
//!
//! | attribute | why |
//! |---|---|
//! | `HttpOnly` | no script reads it: an XSS can use the session while the page is open, not carry the token away |
//! | `Secure` | never sent over plain HTTP (browsers treat `http://localhost` as secure, so development works) |
//! | `SameSite=Strict` | never sent with a request another site starts: the first defence against cross-site request forgery |
//! | `Path=/api/v1/auth` | sent to refresh and logout only, never to `/graphql` or `/api/v1/users`: it is not a credential anywhere else |
//! | `Max-Age` | as long as the token can live unused; the server's expiry is the real one |
//!
//! The header is the second CSRF defence, and why the cookie alone is never
//! enough: an HTML form cannot set a header, and a script on another origin
//! that tries needs a CORS preflight this API does not grant. Without the
//! header the cookie is ignored. The access token stays in the page's
//! memory, never stored. Explained in docs/src/security.md ("Tokens in a
//! browser").

use actix_web::{
    FromRequest, HttpRequest, HttpResponse,
    cookie::{Cookie, SameSite, time::Duration},
    dev::Payload,
    http::StatusCode,
};
use capstone_platform::{Problem, extract::ValidatedJson};
use futures_util::future::LocalBoxFuture;
use secrecy::{ExposeSecret as _, SecretString};

use super::{RefreshRequest, TokenResponse};
use crate::accounts::TokenPair;

// ANCHOR: names
/// The header a browser client sends to get and give its refresh token as
/// a cookie; its only value is `cookie`.
pub const TRANSPORT_HEADER: &str = "x-refresh-token-transport";
/// The cookie's name.
pub const COOKIE_NAME: &str = "capstone_refresh";
/// Where the browser sends it: refresh and logout live under here.
pub const COOKIE_PATH: &str = "/api/v1/auth";
// ANCHOR_END: names

/// Where the client wants its refresh token: in the body (the default) or
/// in the cookie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshTransport {
    Body,
    Cookie,
}

impl FromRequest for RefreshTransport {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        std::future::ready(transport_of(request))
    }
}

fn transport_of(request: &HttpRequest) -> Result<RefreshTransport, actix_web::Error> {
    match request.headers().get(TRANSPORT_HEADER) {
        None => Ok(RefreshTransport::Body),
        Some(value) if value.as_bytes() == b"cookie" => Ok(RefreshTransport::Cookie),
        Some(_) => Err(Problem::from_status(StatusCode::BAD_REQUEST)
            .with_detail("X-Refresh-Token-Transport takes one value, `cookie`; leave it out to get the token in the body.")
            .into()),
    }
}

// ANCHOR: respond
impl RefreshTransport {
    /// `200 OK` with a new pair, the refresh token where the client wants it.
    pub fn respond(self, pair: TokenPair) -> HttpResponse {
        match self {
            RefreshTransport::Body => TokenResponse::from(pair).into_response(),
            RefreshTransport::Cookie => {
                let cookie = refresh_cookie(&pair.refresh_token, pair.refresh_expires_in);
                let body = TokenResponse {
                    refresh_token: None,
                    ..TokenResponse::from(pair)
                };
                TokenResponse::uncached().cookie(cookie).json(body)
            }
        }
    }

    /// `204 No Content` after a logout: a cookie client's cookie is removed.
    pub fn logged_out(self) -> HttpResponse {
        let mut response = HttpResponse::NoContent();
        if self == RefreshTransport::Cookie {
            response.cookie(refresh_cookie(&SecretString::from(""), 0));
        }
        response.finish()
    }
}

fn refresh_cookie(token: &SecretString, max_age_secs: i64) -> Cookie<'static> {
    Cookie::build(COOKIE_NAME, token.expose_secret().to_owned())
        .http_only(true)
        .secure(true)
        .same_site(SameSite::Strict)
        .path(COOKIE_PATH)
        .max_age(Duration::seconds(max_age_secs))
        .finish()
}
// ANCHOR_END: respond

/// The refresh token a client presented, and how: from the JSON body, or
/// (with the header) from the cookie, when it sent one.
#[derive(Debug)]
pub struct PresentedRefreshToken {
    pub transport: RefreshTransport,
    /// `None`: none was sent (a cookie client whose cookie expired or was
    /// cleared, or a body without one).
    pub token: Option<SecretString>,
}

impl FromRequest for PresentedRefreshToken {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    // The body is read either way (a JSON object, as documented): the token
    // in it if there is one, else the cookie, and the cookie only when the
    // header asks for it.
    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let transport = transport_of(request);
        let cookie = request
            .cookie(COOKIE_NAME)
            .map(|cookie| SecretString::from(cookie.value().to_owned()));
        let body = ValidatedJson::<RefreshRequest>::from_request(request, payload);
        Box::pin(async move {
            let transport = transport?;
            let ValidatedJson(body) = body.await?;
            let from_body = body
                .refresh_token
                .map(|token| SecretString::from(token.expose_secret()));
            let token = match transport {
                RefreshTransport::Body => from_body,
                RefreshTransport::Cookie => from_body.or(cookie),
            };
            Ok(Self { transport, token })
        })
    }
}
