//! `http.trusted_proxies` entries: one address (`10.0.0.5`) or a whole
//! network in CIDR notation (`10.244.0.0/16`).
//!
//! Networks matter wherever proxies have no fixed address: in Kubernetes the
//! gateway's pods get a new IP each time they are scheduled, so the users
//! service trusts the pod network, not a list of addresses.

use std::{fmt, net::IpAddr, str::FromStr};

use ipnet::IpNet;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An address or network whose `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrustedProxy(IpNet);

impl TrustedProxy {
    /// Whether `address` is this proxy, or inside this network.
    pub fn contains(&self, address: IpAddr) -> bool {
        // An IPv4 peer can arrive as `::ffff:a.b.c.d` on a dual-stack socket.
        let address = match address {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
            v4 => v4,
        };
        self.0.contains(&address)
    }

    /// Whether any of `proxies` contains `address`.
    pub fn any_contains(proxies: &[TrustedProxy], address: IpAddr) -> bool {
        proxies.iter().any(|proxy| proxy.contains(address))
    }
}

impl From<IpAddr> for TrustedProxy {
    fn from(address: IpAddr) -> Self {
        Self(IpNet::from(address))
    }
}

impl FromStr for TrustedProxy {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        if let Ok(address) = text.parse::<IpAddr>() {
            return Ok(address.into());
        }
        text.parse::<IpNet>()
            // `10.1.2.3/8` means the network `10.0.0.0/8`: the host bits go.
            .map(|network| Self(network.trunc()))
            .map_err(|_| {
                format!("`{text}` is neither an IP address nor a CIDR network like 10.0.0.0/8")
            })
    }
}

impl fmt::Display for TrustedProxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.prefix_len() == self.0.max_prefix_len() {
            write!(f, "{}", self.0.addr())
        } else {
            write!(f, "{}", self.0)
        }
    }
}

impl Serialize for TrustedProxy {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for TrustedProxy {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proxy(text: &str) -> TrustedProxy {
        text.parse().expect("a proxy")
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("an address")
    }

    #[test]
    fn an_address_trusts_only_itself() {
        assert!(proxy("10.0.0.5").contains(ip("10.0.0.5")));
        assert!(!proxy("10.0.0.5").contains(ip("10.0.0.6")));
    }

    #[test]
    fn a_network_trusts_every_address_inside_it() {
        let pods = proxy("10.244.0.0/16");
        assert!(pods.contains(ip("10.244.3.17")));
        assert!(!pods.contains(ip("10.245.0.1")));
        assert!(proxy("fd00::/8").contains(ip("fd12::1")));
    }

    #[test]
    fn an_ipv4_peer_on_a_dual_stack_socket_still_matches() {
        assert!(proxy("10.244.0.0/16").contains(ip("::ffff:10.244.3.17")));
    }

    #[test]
    fn host_bits_are_dropped_and_the_text_round_trips() {
        assert_eq!(proxy("10.1.2.3/8").to_string(), "10.0.0.0/8");
        assert_eq!(proxy("::1").to_string(), "::1");
    }

    #[test]
    fn garbage_is_refused_with_an_example() {
        let error = "10.0.0.0/33".parse::<TrustedProxy>().expect_err("invalid");
        assert!(error.contains("CIDR network like 10.0.0.0/8"), "{error}");
    }
}
