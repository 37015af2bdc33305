//! Which hops the services believe X-Forwarded-For from
//! (`http.trusted_proxies`; the client is the right-most address that is
//! not one of them, crates/platform/src/client_address.rs). In production
//! the gateway's peer is an ingress controller pod and the users service's
//! a gateway pod, and every pod takes its address from a private subnet
//! that Terraform makes. These checks tie the prod overlay to Terraform's
//! defaults (no `terraform` binary: the few facts needed are read from the
//! .tf files and `cidrsubnet` is computed here), and keep every overlay
//! from trusting the whole internet or trusting different hops per service.

use crate::{
    files, kubernetes, kustomize,
    terraform::{block, quoted},
};

const NETWORK: &str = "infra/terraform/modules/network/main.tf";
const CAPSTONE_VARIABLES: &str = "infra/terraform/modules/capstone/variables.tf";
const CAPSTONE_OUTPUTS: &str = "infra/terraform/modules/capstone/outputs.tf";
const PROD_MAIN: &str = "infra/terraform/envs/prod/main.tf";
const PROD_VARIABLES: &str = "infra/terraform/envs/prod/variables.tf";
const PROD_OUTPUTS: &str = "infra/terraform/envs/prod/outputs.tf";

/// An IPv4 range: first address and prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Cidr {
    address: u32,
    prefix: u32,
}

impl Cidr {
    fn parse(text: &str) -> Cidr {
        let (address, prefix) = text
            .split_once('/')
            .unwrap_or_else(|| panic!("{text}: not a CIDR"));
        let address: std::net::Ipv4Addr = address
            .parse()
            .unwrap_or_else(|_| panic!("{text}: not an IPv4 CIDR"));
        let prefix: u32 = prefix.parse().unwrap_or_else(|_| panic!("{text}: prefix"));
        assert!(prefix <= 32, "{text}: prefix over 32");
        Cidr {
            address: u32::from(address),
            prefix,
        }
    }

    fn mask(&self) -> u32 {
        u32::MAX.checked_shl(32 - self.prefix).unwrap_or(0)
    }

    /// Terraform's `cidrsubnet(self, newbits, number)`.
    fn subnet(&self, newbits: u32, number: u32) -> Cidr {
        let prefix = self.prefix + newbits;
        Cidr {
            address: (self.address & self.mask()) | (number << (32 - prefix)),
            prefix,
        }
    }

    fn overlaps(&self, other: &Cidr) -> bool {
        let mask = self.mask() & other.mask();
        self.address & mask == other.address & mask
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            formatter,
            "{}/{}",
            std::net::Ipv4Addr::from(self.address),
            self.prefix
        )
    }
}

/// The value after `default =` in a variable block.
fn default_of<'a>(relative: &str, block: &'a str) -> &'a str {
    let (_, rest) = block
        .split_once("\n  default")
        .unwrap_or_else(|| panic!("{relative}: the variable has no default"));
    rest.trim_start()
        .trim_start_matches('=')
        .lines()
        .next()
        .unwrap_or_default()
}

/// The private subnets Terraform makes for prod with its defaults.
fn terraform_private_subnets() -> Vec<Cidr> {
    let variables = files::read(CAPSTONE_VARIABLES);
    let vpc_cidr = quoted(default_of(
        CAPSTONE_VARIABLES,
        block(CAPSTONE_VARIABLES, &variables, "variable \"vpc_cidr\""),
    ));
    let prod = files::read(PROD_MAIN);
    assert!(
        !prod.contains("vpc_cidr"),
        "{PROD_MAIN} sets vpc_cidr: read it here instead of the module's default"
    );
    let prod_variables = files::read(PROD_VARIABLES);
    let zones = quoted(default_of(
        PROD_VARIABLES,
        block(
            PROD_VARIABLES,
            &prod_variables,
            "variable \"availability_zones\"",
        ),
    ));
    let network = files::read(NETWORK);
    let private = block(NETWORK, &network, "resource \"aws_subnet\" \"private\"");
    // The layout this test computes; a change there must change it here.
    assert!(
        private.contains("cidr_block        = cidrsubnet(var.cidr_block, 4, count.index + 1)"),
        "{NETWORK}: the private subnets are no longer cidrsubnet(vpc, 4, zone + 1)"
    );
    let vpc = Cidr::parse(vpc_cidr.first().expect("a vpc_cidr default"));
    assert!(!zones.is_empty(), "{PROD_VARIABLES}: no default zones");
    (0..zones.len() as u32)
        .map(|zone| vpc.subnet(4, zone + 1))
        .collect()
}

/// gateway's and users' TRUSTED_PROXIES in an overlay, as ranges.
fn trusted_proxies(overlay: &str) -> (Vec<Cidr>, Vec<Cidr>) {
    let maps = kustomize::config_maps(overlay);
    let list = |map: &str, variable: &str| -> Vec<Cidr> {
        let value = maps
            .get(map)
            .and_then(|variables| variables.get(variable))
            .unwrap_or_else(|| panic!("overlay {overlay}: {map} has no {variable}"));
        let entries: Vec<String> = serde_json::from_str(value)
            .unwrap_or_else(|error| panic!("overlay {overlay}: {variable}={value}: {error}"));
        let mut cidrs: Vec<Cidr> = entries.iter().map(|entry| Cidr::parse(entry)).collect();
        cidrs.sort();
        cidrs
    };
    (
        list("gateway-config", "CAPSTONE_GATEWAY__HTTP__TRUSTED_PROXIES"),
        list("users-config", "CAPSTONE_USERS__HTTP__TRUSTED_PROXIES"),
    )
}

#[test]
fn the_cidr_arithmetic_matches_terraform() {
    let vpc = Cidr::parse("10.0.0.0/16");
    assert_eq!(vpc.subnet(4, 1).to_string(), "10.0.16.0/20");
    assert_eq!(vpc.subnet(8, 2).to_string(), "10.0.2.0/24");
    assert!(vpc.overlaps(&Cidr::parse("10.0.64.0/24")));
    assert!(!Cidr::parse("10.0.16.0/20").overlaps(&Cidr::parse("10.0.32.0/20")));
    assert!(Cidr::parse("0.0.0.0/0").overlaps(&Cidr::parse("192.0.2.1/32")));
}

#[test]
fn prod_trusts_exactly_the_private_subnets_terraform_makes_for_pods() {
    let mut expected = terraform_private_subnets();
    expected.sort();
    let (gateway, users) = trusted_proxies("prod");
    assert_eq!(
        gateway, expected,
        "prod gateway-config: TRUSTED_PROXIES vs Terraform's private subnets"
    );
    assert_eq!(
        users, expected,
        "prod users-config: TRUSTED_PROXIES vs Terraform's private subnets"
    );
    // Not the load balancers' public subnets, not the data subnets.
    let vpc = Cidr::parse(
        &quoted(default_of(
            CAPSTONE_VARIABLES,
            block(
                CAPSTONE_VARIABLES,
                &files::read(CAPSTONE_VARIABLES),
                "variable \"vpc_cidr\"",
            ),
        ))[0],
    );
    let others: Vec<Cidr> = (0..3)
        .map(|zone| vpc.subnet(8, zone))
        .chain([vpc.subnet(4, 4)])
        .collect();
    for trusted in &gateway {
        for other in &others {
            assert!(
                !trusted.overlaps(other),
                "prod trusts {trusted}, which overlaps {other}"
            );
        }
    }
}

#[test]
fn terraform_outputs_the_trusted_proxy_ranges_for_the_overlay() {
    let network = files::read("infra/terraform/modules/network/outputs.tf");
    assert!(network.contains("value       = aws_subnet.private[*].cidr_block"));
    let module = files::read(CAPSTONE_OUTPUTS);
    assert!(
        block(CAPSTONE_OUTPUTS, &module, "output \"trusted_proxy_cidrs\"")
            .contains("module.network.private_subnet_cidrs"),
        "{CAPSTONE_OUTPUTS}: trusted_proxy_cidrs must be the private subnets"
    );
    let prod = files::read(PROD_OUTPUTS);
    assert!(
        block(PROD_OUTPUTS, &prod, "output \"trusted_proxy_cidrs\"")
            .contains("module.capstone.trusted_proxy_cidrs")
    );
}

#[test]
fn every_overlay_trusts_the_same_hops_for_gateway_and_users_and_never_everyone() {
    for overlay in kubernetes::overlays() {
        let (gateway, users) = trusted_proxies(&overlay);
        assert_eq!(
            gateway, users,
            "overlay {overlay}: gateway and users trust different hops"
        );
        assert!(
            !gateway.is_empty(),
            "overlay {overlay}: no trusted proxy at all"
        );
        for cidr in &gateway {
            // A /8 is the widest private range (the base's 10.0.0.0/8).
            assert!(
                cidr.prefix >= 8,
                "overlay {overlay}: trusts {cidr}, far too wide"
            );
        }
    }
}
