//! The names a fork takes instead of `capstone`, and the one pass that
//! puts them in.
//!
//! `capstone` is spelled five ways in this repository, and each way is a
//! different name in a fork ([Fork this as a starter]):
//!
//! | spelled | is | becomes |
//! |---|---|---|
//! | `capstone_users`, `capstone-users` (one of our crates) | a Rust path, a package | the crate prefix |
//! | `capstone_http_requests_total` (any other `capstone_…`) | a metric (and a few snake-case names beside them: test databases, the refresh cookie) | the metric prefix |
//! | `CAPSTONE_…`, `CAPSTONE` | configuration variables | the environment prefix |
//! | `Capstone` | the product, in prose | the name |
//! | `capstone` (anything else) | the binary, image, namespace, databases, Terraform prefix | the slug |
//!
//! and `capstone-rs/capstone` (`capstone-rs` alone) is the GitHub
//! repository (owner). Every occurrence is decided once, left to right, so a
//! name put in is never renamed again.
//!
//! [Fork this as a starter]: ../../../../docs/src/fork-starter.md

use std::fmt;

/// The workspace's crates, by their suffix: `capstone-<suffix>`.
const CRATES: [&str; 6] = [
    "contracts",
    "platform",
    "gateway",
    "users",
    "worker",
    "loadtests",
];

/// The names of a new project, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Names {
    /// As prose writes it: `Acme`.
    pub(crate) name: String,
    /// Lower case, for the binary, image, namespace, databases: `acme`.
    pub(crate) slug: String,
    /// Packages: `acme` gives `acme-users`, Rust paths `acme_users`.
    pub(crate) crate_prefix: String,
    /// Configuration variables: `ACME` gives `ACME_USERS__HTTP__PORT`.
    pub(crate) env_prefix: String,
    /// Metric names: `acme` gives `acme_http_requests_total`.
    pub(crate) metric_prefix: String,
    /// GitHub `owner/name`, for links, CODEOWNERS teams and image labels.
    pub(crate) repository: String,
}

/// A letter of `case` first, then letters of that case, digits and
/// underscores: `ACME_CO` for variables, `acme_co` for metrics.
fn underscored(name: &str, case: fn(&char) -> bool) -> bool {
    name.starts_with(|c: char| case(&c))
        && name
            .chars()
            .all(|c| case(&c) || c.is_ascii_digit() || c == '_')
}

/// A name a fork cannot take, and why.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct BadName(pub(crate) String);

impl fmt::Display for BadName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadName {}

/// What the user chose; anything unset follows from the name.
#[derive(Debug, Default)]
pub(crate) struct Chosen {
    pub(crate) name: String,
    pub(crate) crate_prefix: Option<String>,
    pub(crate) env_prefix: Option<String>,
    pub(crate) metric_prefix: Option<String>,
    pub(crate) repository: Option<String>,
}

impl Names {
    /// Fills in what was not chosen (from the name) and checks each name
    /// where it will be used: a package, an environment variable, a metric.
    pub(crate) fn new(chosen: Chosen) -> Result<Self, BadName> {
        let name = chosen.name.trim().to_string();
        let slug = slug(&name);
        if slug.is_empty() || !slug.starts_with(|c: char| c.is_ascii_lowercase()) {
            return Err(BadName(format!(
                "the name {name:?} must start with a letter (it gives the binary's and the image's name)"
            )));
        }
        let crate_prefix = chosen.crate_prefix.unwrap_or_else(|| slug.clone());
        let env_prefix = chosen
            .env_prefix
            .map(|prefix| prefix.trim_end_matches('_').to_string())
            .unwrap_or_else(|| slug.replace('-', "_").to_ascii_uppercase());
        let metric_prefix = chosen
            .metric_prefix
            .map(|prefix| prefix.trim_end_matches('_').to_string())
            .unwrap_or_else(|| crate_prefix.replace('-', "_"));
        let repository = chosen
            .repository
            .unwrap_or_else(|| format!("{slug}/{slug}"));
        let names = Self {
            name,
            slug,
            crate_prefix,
            env_prefix,
            metric_prefix,
            repository,
        };
        names.check()?;
        Ok(names)
    }

    fn check(&self) -> Result<(), BadName> {
        let kebab = |s: &str| {
            s.starts_with(|c: char| c.is_ascii_lowercase())
                && s.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                && !s.ends_with('-')
                && !s.contains("--")
        };
        if !kebab(&self.crate_prefix) {
            return Err(BadName(format!(
                "the crate prefix {:?} must be lower-case letters, digits and single dashes, starting with a letter (`acme` gives `acme-users`)",
                self.crate_prefix
            )));
        }
        if !underscored(&self.env_prefix, char::is_ascii_uppercase) {
            return Err(BadName(format!(
                "the environment prefix {:?} must be upper-case letters, digits and underscores, starting with a letter (`ACME` gives `ACME_USERS__HTTP__PORT`)",
                self.env_prefix
            )));
        }
        if !underscored(&self.metric_prefix, char::is_ascii_lowercase) {
            return Err(BadName(format!(
                "the metric prefix {:?} must be lower-case letters, digits and underscores, starting with a letter (Prometheus' naming rules)",
                self.metric_prefix
            )));
        }
        let github = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        };
        match self.repository.split_once('/') {
            Some((owner, repo)) if github(owner) && github(repo) => {}
            _ => {
                return Err(BadName(format!(
                    "the repository {:?} must be `owner/name`, as on GitHub",
                    self.repository
                )));
            }
        }
        // A name that contains the old one would be renamed again by the
        // next fork and hides leftovers from `git grep -i capstone`.
        for (what, value) in [
            ("name", &self.name),
            ("crate prefix", &self.crate_prefix),
            ("environment prefix", &self.env_prefix),
            ("metric prefix", &self.metric_prefix),
            ("repository", &self.repository),
        ] {
            if value.to_ascii_lowercase().contains("capstone") {
                return Err(BadName(format!(
                    "the {what} {value:?} contains `capstone`: pick a name of your own"
                )));
            }
        }
        Ok(())
    }

    fn owner(&self) -> &str {
        self.repository
            .split_once('/')
            .map_or(&*self.repository, |(owner, _)| owner)
    }

    /// `text` with every `capstone` renamed, in one pass (the table above).
    pub(crate) fn rename(&self, text: &str) -> String {
        const OLD: &str = "capstone";
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(at) = find_ignoring_case(rest, OLD) {
            out.push_str(&rest[..at]);
            let here = &rest[at..];
            let (replacement, consumed) = self.replacement(here);
            out.push_str(&replacement);
            rest = &here[consumed..];
        }
        out.push_str(rest);
        out
    }

    /// What the occurrence at the start of `here` becomes, and how many
    /// bytes of `here` that replaces.
    fn replacement(&self, here: &str) -> (String, usize) {
        let word = &here[..8];
        if let Some(after) = here.strip_prefix("capstone-rs/capstone")
            && !after.starts_with(is_name_char)
        {
            return (self.repository.clone(), "capstone-rs/capstone".len());
        }
        if here.starts_with("capstone-rs") && !here[11..].starts_with(is_name_char) {
            return (self.owner().to_string(), "capstone-rs".len());
        }
        if word == "capstone" {
            for (separator, prefix) in [
                ('_', self.crate_prefix.replace('-', "_")),
                ('-', self.crate_prefix.clone()),
            ] {
                for krate in CRATES {
                    let Some(after) = here[8..]
                        .strip_prefix(separator)
                        .and_then(|s| s.strip_prefix(krate))
                    else {
                        continue;
                    };
                    let identifier_goes_on = match separator {
                        '_' => after.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_'),
                        _ => after.starts_with(|c: char| c.is_ascii_alphanumeric()),
                    };
                    if !identifier_goes_on {
                        return (format!("{prefix}{separator}{krate}"), 9 + krate.len());
                    }
                }
            }
            if here[8..].starts_with('_') {
                return (self.metric_prefix.clone(), 8);
            }
            return (self.slug.clone(), 8);
        }
        match word {
            "CAPSTONE" => (self.env_prefix.clone(), 8),
            "Capstone" => (self.name.clone(), 8),
            // CapStone, cAPSTONE…: not a spelling this repository uses; it
            // stays, and the leftover check after generating reports it.
            other => (other.to_string(), 8),
        }
    }
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

/// The product's lower-case form: `Acme Shop` → `acme-shop`.
fn slug(name: &str) -> String {
    let mut slug = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_string()
}

/// Byte offset of the first ASCII-case-insensitive `needle` in `haystack`.
fn find_ignoring_case(haystack: &str, needle: &str) -> Option<usize> {
    haystack
        .as_bytes()
        .windows(needle.len())
        .position(|window| window.eq_ignore_ascii_case(needle.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acme() -> Names {
        Names::new(Chosen {
            name: "Acme".into(),
            crate_prefix: Some("acme-shop".into()),
            env_prefix: Some("SHOP".into()),
            metric_prefix: Some("shop".into()),
            repository: Some("acme-corp/shop".into()),
        })
        .expect("good names")
    }

    #[test]
    fn each_spelling_becomes_its_own_name() {
        let names = acme();
        let cases = [
            (
                "use capstone_users::Settings;",
                "use acme_shop_users::Settings;",
            ),
            ("capstone-users = { path }", "acme-shop-users = { path }"),
            (
                "capstone_users_cache_hits_total",
                "shop_users_cache_hits_total",
            ),
            ("capstone_http_requests_total", "shop_http_requests_total"),
            ("CAPSTONE_USERS__HTTP__PORT", "SHOP_USERS__HTTP__PORT"),
            ("CONTRACT_CAPSTONE", "CONTRACT_SHOP"),
            ("Capstone is up.", "Acme is up."),
            ("capstone up; -n capstone", "acme up; -n acme"),
            ("capstone-migrate", "acme-migrate"),
            (
                "github.com/capstone-rs/capstone/issues",
                "github.com/acme-corp/shop/issues",
            ),
            ("@capstone-rs/backend", "@acme-corp/backend"),
            ("crates/capstone/src", "crates/acme/src"),
            ("capstone_worker", "acme_shop_worker"),
        ];
        for (old, new) in cases {
            assert_eq!(names.rename(old), new, "{old}");
        }
    }

    #[test]
    fn a_crate_name_that_goes_on_is_not_a_crate() {
        // `capstone-users-db` is a Kubernetes name, not the package.
        assert_eq!(acme().rename("capstone-userspace"), "acme-userspace");
        assert_eq!(
            acme().rename("capstone_users_template_"),
            "shop_users_template_"
        );
    }

    #[test]
    fn a_name_put_in_is_not_renamed_again() {
        let names = Names::new(Chosen {
            name: "Capstoned".into(),
            ..Chosen::default()
        });
        assert!(names.is_err(), "a name containing capstone is refused");
        let names = acme();
        let once = names.rename("capstone capstone_users CAPSTONE");
        assert_eq!(names.rename(&once), once);
    }

    #[test]
    fn unset_names_follow_from_the_name() {
        let names = Names::new(Chosen {
            name: "Acme Shop".into(),
            ..Chosen::default()
        })
        .expect("good names");
        assert_eq!(names.slug, "acme-shop");
        assert_eq!(names.crate_prefix, "acme-shop");
        assert_eq!(names.env_prefix, "ACME_SHOP");
        assert_eq!(names.metric_prefix, "acme_shop");
        assert_eq!(names.repository, "acme-shop/acme-shop");
    }

    #[test]
    fn names_that_cannot_be_used_where_they_go_are_refused() {
        for chosen in [
            Chosen {
                name: "42".into(),
                ..Chosen::default()
            },
            Chosen {
                name: "Acme".into(),
                crate_prefix: Some("Acme".into()),
                ..Chosen::default()
            },
            Chosen {
                name: "Acme".into(),
                env_prefix: Some("acme".into()),
                ..Chosen::default()
            },
            Chosen {
                name: "Acme".into(),
                metric_prefix: Some("acme-metrics".into()),
                ..Chosen::default()
            },
            Chosen {
                name: "Acme".into(),
                repository: Some("acme".into()),
                ..Chosen::default()
            },
        ] {
            assert!(Names::new(chosen).is_err());
        }
    }

    #[test]
    fn text_without_the_old_name_is_untouched() {
        let text = "caps tone, capston, ünïcode ✓";
        assert_eq!(acme().rename(text), text);
    }
}
