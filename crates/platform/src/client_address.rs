//! Who is on the other end: the client's IP address, even behind proxies.
//!
//! The TCP peer is the only address nobody can forge, but behind the gateway
//! (or nginx) every request's peer is the proxy. Proxies append the address
//! they received the request from to `X-Forwarded-For`, so the list reads
//! `client, proxy1, proxy2` and the peer is the last proxy. Anyone can *send*
//! that header, though, so it is believed only as far as the proxies we
//! trust: walk it from the right, skipping trusted proxies, and the first
//! address that is not one of ours is the client. A header from an untrusted
//! peer is ignored entirely.

use std::{
    future::{Ready, ready},
    net::IpAddr,
};

use actix_web::{FromRequest, HttpRequest, dev::Payload, http::header::HeaderMap, web};

use crate::trusted_proxy::TrustedProxy;

/// The `X-Forwarded-For` header (de-facto standard; RFC 7239 `Forwarded` is
/// what the gateway also sends, but this is what everything reads).
pub const X_FORWARDED_FOR: &str = "x-forwarded-for";

/// The proxies whose `X-Forwarded-For` is believed (`http.trusted_proxies`).
/// Installed as app data; without it no header is believed.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(pub Vec<TrustedProxy>);

// ANCHOR: client_address
/// The client's address: the peer, or, when the peer is a trusted proxy, the
/// right-most address in `X-Forwarded-For` that is not a trusted proxy.
pub fn client_address(
    peer: Option<IpAddr>,
    headers: &HeaderMap,
    trusted: &[TrustedProxy],
) -> Option<IpAddr> {
    let peer = peer?;
    if !TrustedProxy::any_contains(trusted, peer) {
        return Some(peer);
    }
    let mut nearest = peer;
    // Several headers are one list, in order (RFC 9110 §5.3).
    let hops: Vec<&str> = headers
        .get_all(X_FORWARDED_FOR)
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .collect();
    for hop in hops.iter().rev() {
        let Ok(address) = hop.trim().parse::<IpAddr>() else {
            // Garbage in the list: nothing left of it can be believed.
            break;
        };
        nearest = address;
        if !TrustedProxy::any_contains(trusted, address) {
            break;
        }
    }
    Some(nearest)
}
// ANCHOR_END: client_address

// ANCHOR: limit_key
/// What a per-address limit counts `address` as: an IPv4 address whole, an
/// IPv6 address by its /64 network. One IPv6 subscriber is routinely given
/// a whole /64 (SLAAC picks addresses inside it, privacy extensions rotate
/// them hourly), so counting single IPv6 addresses would hand one client
/// 2^64 budgets. An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, what a
/// dual-stack socket reports) counts as the IPv4 address it carries.
pub fn limit_key(address: IpAddr) -> String {
    match address {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let network = u128::from(v6) & !((1_u128 << 64) - 1);
                format!("{}/64", std::net::Ipv6Addr::from(network))
            }
        },
    }
}
// ANCHOR_END: limit_key

/// Extractor: the caller's address as [`client_address`] decides it.
/// `None` only for connections without a peer address (unit tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddress(pub Option<IpAddr>);

impl FromRequest for ClientAddress {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let trusted = req
            .app_data::<web::Data<TrustedProxies>>()
            .map(|trusted| trusted.0.as_slice())
            .unwrap_or_default();
        let peer = req.peer_addr().map(|peer| peer.ip());
        ready(Ok(Self(client_address(peer, req.headers(), trusted))))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn ipv6_clients_are_counted_by_their_64_and_ipv4_ones_whole() {
        let key = |text: &str| super::limit_key(text.parse().expect("an address"));
        assert_eq!(key("2001:db8:1:2::1"), "2001:db8:1:2::/64");
        assert_eq!(key("2001:db8:1:2:ffff:ffff:ffff:ffff"), "2001:db8:1:2::/64");
        assert_ne!(key("2001:db8:1:3::1"), key("2001:db8:1:2::1"));
        assert_eq!(key("203.0.113.7"), "203.0.113.7");
        assert_ne!(key("203.0.113.7"), key("203.0.113.8"));
        assert_eq!(key("::ffff:203.0.113.7"), "203.0.113.7");
    }

    use actix_web::http::header::{HeaderName, HeaderValue};

    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("test address")
    }

    fn trust(text: &str) -> TrustedProxy {
        text.parse().expect("test proxy")
    }

    fn forwarded_for(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(
                HeaderName::from_static(X_FORWARDED_FOR),
                HeaderValue::from_str(value).expect("header"),
            );
        }
        headers
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_claims() {
        let headers = forwarded_for(&["203.0.113.9"]);
        let client = client_address(Some(ip("198.51.100.7")), &headers, &[trust("127.0.0.1")]);
        assert_eq!(client, Some(ip("198.51.100.7")));
    }

    #[test]
    fn behind_a_trusted_proxy_the_forwarded_address_is_the_client() {
        let headers = forwarded_for(&["203.0.113.9"]);
        let client = client_address(Some(ip("127.0.0.1")), &headers, &[trust("127.0.0.1")]);
        assert_eq!(client, Some(ip("203.0.113.9")));
    }

    #[test]
    fn a_forged_left_part_is_ignored_behind_a_chain_of_trusted_proxies() {
        // The client forged "1.2.3.4"; nginx (10.0.0.2) appended the real
        // client; the gateway (10.0.0.3) is the peer.
        let headers = forwarded_for(&["1.2.3.4, 203.0.113.9", "10.0.0.2"]);
        let trusted = [trust("10.0.0.2"), trust("10.0.0.3")];
        let client = client_address(Some(ip("10.0.0.3")), &headers, &trusted);
        assert_eq!(client, Some(ip("203.0.113.9")));
    }

    #[test]
    fn garbage_stops_the_walk_at_the_last_believable_hop() {
        let headers = forwarded_for(&["203.0.113.9, not-an-ip"]);
        let client = client_address(Some(ip("127.0.0.1")), &headers, &[trust("127.0.0.1")]);
        assert_eq!(client, Some(ip("127.0.0.1")));
    }

    #[test]
    fn a_trusted_network_covers_proxies_whose_addresses_change() {
        // Kubernetes: the gateway pod's address is anywhere in the pod network.
        let headers = forwarded_for(&["203.0.113.9"]);
        let client = client_address(Some(ip("10.244.7.12")), &headers, &[trust("10.244.0.0/16")]);
        assert_eq!(client, Some(ip("203.0.113.9")));
    }

    #[test]
    fn without_a_header_the_trusted_peer_is_all_we_know() {
        let client = client_address(Some(ip("::1")), &HeaderMap::new(), &[trust("::1")]);
        assert_eq!(client, Some(ip("::1")));
    }
}
