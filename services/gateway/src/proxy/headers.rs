//! What the gateway does to headers on the way through.
//!
//! Requests, client → upstream:
//! * hop-by-hop headers (`Connection`, `Keep-Alive`, `TE`, `Upgrade`,
//!   `Transfer-Encoding`, …, and any header `Connection` names) describe one
//!   connection, not the request: dropped, as RFC 9110 §7.6.1 requires;
//! * `Host` is the upstream's (the client's goes on as `X-Forwarded-Host`);
//! * `X-Forwarded-For/Proto/Host` and RFC 7239 `Forwarded` are set, and a
//!   client's own copies are kept only when the peer is a trusted proxy;
//! * `x-capstone-*` headers are the gateway's to set: any a client sent are
//!   removed, then the verified identity is added;
//! * `X-Request-Id` carries the id this request is logged under, and
//!   `traceparent`/`tracestate` pass through untouched.
//!
//! Responses, upstream → client: hop-by-hop headers dropped, everything else
//! (status, `Set-Cookie`, `Cache-Control`, …) passed through.

use std::net::IpAddr;

use actix_web::http::header::{HeaderMap, HeaderName};
use capstone_contracts::AccessClaims;
use capstone_platform::client_address::X_FORWARDED_FOR;

/// The headers that carry the verified caller to upstreams.
pub const USER_ID_HEADER: &str = "x-capstone-user-id";
pub const USER_ROLE_HEADER: &str = "x-capstone-user-role";
/// Every header in this namespace is set by the gateway alone.
const GATEWAY_HEADER_PREFIX: &str = "x-capstone-";

/// Connection-level headers (RFC 9110 §7.6.1, plus `Proxy-Connection` and
/// `Keep-Alive` from older practice).
const HOP_BY_HOP: [&str; 9] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// What the gateway knows about the request's origin.
#[derive(Debug, Clone)]
pub struct Origin {
    /// The TCP peer (the client, or the proxy in front of us).
    pub peer: Option<IpAddr>,
    /// Whether the peer is a trusted proxy whose forwarding headers stand.
    pub peer_is_trusted: bool,
    /// The scheme and `Host` the client used (as far as we can tell).
    pub proto: String,
    pub host: Option<String>,
    pub request_id: String,
}

// ANCHOR: upstream_request_headers
/// The headers to send upstream for a client request with `incoming` headers.
pub fn upstream_request_headers(
    incoming: &HeaderMap,
    origin: &Origin,
    identity: Option<&AccessClaims>,
) -> reqwest::header::HeaderMap {
    let mut outgoing = reqwest::header::HeaderMap::with_capacity(incoming.len() + 6);
    let dropped = connection_named(incoming.get_all("connection").map(|value| value.as_bytes()));
    for (name, value) in incoming {
        let name = name.as_str();
        let forwarding = matches!(
            name,
            X_FORWARDED_FOR | "x-forwarded-proto" | "x-forwarded-host" | "forwarded"
        );
        if is_hop_by_hop(name, &dropped)
            || name == "host"
            || name == "x-request-id"
            || name.starts_with(GATEWAY_HEADER_PREFIX)
            || (forwarding && !origin.peer_is_trusted)
        {
            continue;
        }
        append(&mut outgoing, name, value.as_bytes());
    }
    add_forwarding(&mut outgoing, origin);
    set(&mut outgoing, "x-request-id", &origin.request_id);
    if let Some(claims) = identity {
        set(&mut outgoing, USER_ID_HEADER, &claims.sub.to_string());
        set(&mut outgoing, USER_ROLE_HEADER, claims.role.as_str());
    }
    outgoing
}
// ANCHOR_END: upstream_request_headers

/// Appends this hop to `X-Forwarded-For` and `Forwarded`; sets
/// `X-Forwarded-Proto/Host` unless a trusted proxy already did.
fn add_forwarding(outgoing: &mut reqwest::header::HeaderMap, origin: &Origin) {
    let Some(peer) = origin.peer else { return };
    append(outgoing, X_FORWARDED_FOR, peer.to_string().as_bytes());
    if !outgoing.contains_key("x-forwarded-proto") {
        set(outgoing, "x-forwarded-proto", &origin.proto);
    }
    if let Some(host) = &origin.host
        && !outgoing.contains_key("x-forwarded-host")
    {
        set(outgoing, "x-forwarded-host", host);
    }
    // RFC 7239: IPv6 addresses are quoted and bracketed.
    let node = match peer {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => format!("\"[{v6}]\""),
    };
    let mut element = format!("for={node};proto={}", origin.proto);
    if let Some(host) = &origin.host {
        element.push_str(&format!(";host=\"{host}\""));
    }
    append(outgoing, "forwarded", element.as_bytes());
}

/// The response headers to pass to the client. `Content-Length` is left to
/// the server, which writes it from the body it sends.
pub fn client_response_headers(
    incoming: &reqwest::header::HeaderMap,
) -> impl Iterator<Item = (HeaderName, actix_web::http::header::HeaderValue)> + '_ {
    let dropped = connection_named(
        incoming
            .get_all("connection")
            .iter()
            .map(|value| value.as_bytes()),
    );
    incoming.iter().filter_map(move |(name, value)| {
        let name = name.as_str();
        if is_hop_by_hop(name, &dropped) || name == "content-length" {
            return None;
        }
        // actix-web 4 uses the `http` 0.2 types, reqwest the 1.x ones: copy bytes.
        Some((
            HeaderName::from_bytes(name.as_bytes()).ok()?,
            actix_web::http::header::HeaderValue::from_bytes(value.as_bytes()).ok()?,
        ))
    })
}

fn is_hop_by_hop(name: &str, named_by_connection: &[String]) -> bool {
    HOP_BY_HOP.contains(&name) || named_by_connection.iter().any(|named| named == name)
}

/// Header names listed in `Connection` values (they are hop-by-hop too).
/// Takes raw values: requests and responses use different `http` versions.
fn connection_named<'a>(values: impl Iterator<Item = &'a [u8]>) -> Vec<String> {
    values
        .filter_map(|value| std::str::from_utf8(value).ok())
        .flat_map(|value| value.split(','))
        .map(|name| name.trim().to_ascii_lowercase())
        .collect()
}

fn append(headers: &mut reqwest::header::HeaderMap, name: &str, value: &[u8]) {
    if let (Ok(name), Ok(value)) = (
        reqwest::header::HeaderName::from_bytes(name.as_bytes()),
        reqwest::header::HeaderValue::from_bytes(value),
    ) {
        headers.append(name, value);
    }
}

fn set(headers: &mut reqwest::header::HeaderMap, name: &str, value: &str) {
    if let (Ok(name), Ok(value)) = (
        reqwest::header::HeaderName::from_bytes(name.as_bytes()),
        reqwest::header::HeaderValue::from_str(value),
    ) {
        headers.insert(name, value);
    }
}

#[cfg(test)]
mod tests;
