//! The parts a fork may leave out, what each needs, and the files that are
//! only about it.
//!
//! Leaving a part out removes its files (below) and its marked lines in
//! every other file ([`super::markers`]). A part that needs another goes
//! with it: the web app is served by the gateway, the book includes every
//! part's code, the Kubernetes manifests describe the three services.

use std::collections::BTreeSet;

use clap::ValueEnum;

/// A part of the system a fork can do without.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
pub(crate) enum Part {
    /// The worker: emails, audit trail, retries and dead letters (the users
    /// service still writes its outbox and publishes its events).
    Worker,
    /// The API gateway: routing, edge auth, rate limits, load balancing.
    Gateway,
    /// GraphQL on the users service (`/graphql`).
    Graphql,
    /// The web application (`web/`), served by the gateway.
    Web,
    /// Terraform for AWS (`infra/terraform`).
    Terraform,
    /// The Kubernetes manifests (`k8s/`).
    K8s,
    /// `docker compose up`: the compose file, its TLS edge and smoke test.
    Compose,
    /// Prometheus rules, Grafana dashboards, the collector's config.
    Observability,
    /// The book (`docs/`), its Try it scripts and the tour.
    Book,
    /// The load tests and the chaos suite (`loadtests/`).
    Loadtests,
    /// The katas (`katas/`), graded by the gateway's tests.
    Katas,
    /// Schemathesis against the running system, through the gateway.
    Contract,
    /// `capstone new` itself: a fork does not make forks.
    #[value(skip)]
    Generator,
}

impl Part {
    /// The name markers use: `fork:begin(worker)`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Worker => "worker",
            Self::Gateway => "gateway",
            Self::Graphql => "graphql",
            Self::Web => "web",
            Self::Terraform => "terraform",
            Self::K8s => "k8s",
            Self::Compose => "compose",
            Self::Observability => "observability",
            Self::Book => "book",
            Self::Loadtests => "loadtests",
            Self::Katas => "katas",
            Self::Contract => "contract",
            Self::Generator => "generator",
        }
    }

    pub(crate) fn from_name(name: &str) -> Option<Self> {
        ALL.iter().copied().find(|part| part.name() == name)
    }

    // ANCHOR: needs
    /// The parts this one cannot work without.
    fn needs(self) -> &'static [Part] {
        use Part::*;
        match self {
            Worker | Gateway | Graphql | Generator => &[],
            Web => &[Gateway, Graphql],
            // The manifests, the compose file and the dashboards describe
            // the three services together (see the fork-starter chapter for
            // trimming them by hand instead).
            K8s | Observability | Loadtests => &[Worker, Gateway],
            // The compose file mounts the dashboards and the rules.
            Compose => &[Worker, Gateway, Observability],
            // IRSA trusts the Kubernetes service accounts; the module
            // writes the manifests' secrets.
            Terraform => &[K8s],
            Katas | Contract => &[Gateway],
            // The book includes every part's code and runs every part.
            // (ALL ends with the book and the generator: the rest.)
            Book => &ALL[..ALL.len() - 2],
        }
    }
    // ANCHOR_END: needs
}

/// Every part; the book and the generator last, as the book needs all the
/// others.
pub(crate) static ALL: [Part; 13] = [
    Part::Worker,
    Part::Gateway,
    Part::Graphql,
    Part::Web,
    Part::Terraform,
    Part::K8s,
    Part::Compose,
    Part::Observability,
    Part::Loadtests,
    Part::Katas,
    Part::Contract,
    Part::Book,
    Part::Generator,
];

/// Files and directories that belong to parts: gone when any of them is.
/// Everything else is shared, and its part-specific lines are marked.
pub(crate) const FILES: &[(&str, &[Part])] = &[
    ("services/worker", &[Part::Worker]),
    ("crates/capstone/src/commands/dlq.rs", &[Part::Worker]),
    (
        "crates/capstone/tests/system",
        &[Part::Worker, Part::Gateway],
    ),
    ("services/gateway", &[Part::Gateway]),
    ("services/users/src/graphql.rs", &[Part::Graphql]),
    ("services/users/src/graphql", &[Part::Graphql]),
    ("services/users/schema.graphql", &[Part::Graphql]),
    ("services/users/tests/api/graphql.rs", &[Part::Graphql]),
    (
        "services/users/tests/api/read_replicas/sessions.rs",
        &[Part::Graphql],
    ),
    ("web", &[Part::Web]),
    ("services/gateway/src/web_app.rs", &[Part::Web]),
    ("services/gateway/tests/gateway/web_app.rs", &[Part::Web]),
    ("scripts/web.sh", &[Part::Web]),
    ("infra/terraform", &[Part::Terraform]),
    (".github/workflows/iac.yml", &[Part::Terraform]),
    ("k8s", &[Part::K8s]),
    ("compose.yaml", &[Part::Compose]),
    ("infra/compose", &[Part::Compose]),
    (".env.example", &[Part::Compose]),
    ("scripts/compose-smoke.sh", &[Part::Compose]),
    ("scripts/smoke", &[Part::Compose]),
    ("infra/observability", &[Part::Observability]),
    (
        "crates/capstone/tests/observability_config",
        &[Part::Observability],
    ),
    (
        "crates/capstone/tests/deploy_config",
        &[Part::Compose, Part::K8s],
    ),
    ("docs", &[Part::Book]),
    (
        "crates/capstone/tests/observability_config/runbooks.rs",
        &[Part::Book],
    ),
    ("scripts/check-book.py", &[Part::Book]),
    ("scripts/check-doc-includes.py", &[Part::Book]),
    ("scripts/try-it", &[Part::Book]),
    ("scripts/try-it.sh", &[Part::Book]),
    ("scripts/tour.sh", &[Part::Book]),
    ("scripts/tour-ci.sh", &[Part::Book]),
    ("scripts/timing", &[Part::Book]),
    ("loadtests", &[Part::Loadtests]),
    ("katas", &[Part::Katas]),
    ("scripts/test-tools.sh", &[Part::Compose]),
    ("CONTRIBUTING.md", &[Part::Book]),
    (".github/ISSUE_TEMPLATE/incident.yml", &[Part::Book]),
    ("scripts/contract-tests.sh", &[Part::Contract]),
    ("scripts/contract", &[Part::Contract]),
    ("crates/capstone/src/commands/new.rs", &[Part::Generator]),
    ("crates/capstone/src/commands/new", &[Part::Generator]),
    ("crates/capstone/tests/new.rs", &[Part::Generator]),
    ("scripts/check-forks.sh", &[Part::Generator]),
    (
        "docs/src/adr/0011-capstone-new-makes-forks.md",
        &[Part::Generator],
    ),
];

/// The parts a fork keeps, after what it asked to leave out and what had
/// to go with it.
#[derive(Debug, Clone)]
pub(crate) struct Selection {
    left_out: BTreeSet<Part>,
}

impl Selection {
    /// Leaves out `without`, the generator, and every part that needs one
    /// of them (repeated until nothing more goes).
    pub(crate) fn without(without: &[Part]) -> Self {
        let mut left_out: BTreeSet<Part> = without.iter().copied().collect();
        left_out.insert(Part::Generator);
        loop {
            let more: Vec<Part> = ALL
                .iter()
                .copied()
                .filter(|part| !left_out.contains(part))
                .filter(|part| part.needs().iter().any(|need| left_out.contains(need)))
                .collect();
            if more.is_empty() {
                break;
            }
            left_out.extend(more);
        }
        Self { left_out }
    }

    pub(crate) fn keeps(&self, part: Part) -> bool {
        !self.left_out.contains(&part)
    }

    /// What goes, in order; the caller says why for those not asked for.
    pub(crate) fn left_out(&self) -> impl Iterator<Item = Part> + '_ {
        self.left_out.iter().copied()
    }

    /// Whether a repository path survives: not under a left-out part's files.
    pub(crate) fn keeps_path(&self, path: &str) -> bool {
        FILES.iter().all(|(prefix, parts)| {
            let under = path == *prefix
                || path
                    .strip_prefix(prefix)
                    .is_some_and(|rest| rest.starts_with('/'));
            !under || parts.iter().all(|part| self.keeps(*part))
        })
    }
}

impl super::markers::Keeps for Selection {
    /// A marker naming a part that does not exist is caught by the
    /// template's own test; here it counts as kept.
    fn keeps(&self, name: &str) -> bool {
        Part::from_name(name).is_none_or(|part| Selection::keeps(self, part))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_part_goes_with_what_it_needs() {
        let selection = Selection::without(&[Part::Gateway]);
        for gone in [
            Part::Web,
            Part::Book,
            Part::K8s,
            Part::Terraform,
            Part::Katas,
        ] {
            assert!(!selection.keeps(gone), "{gone:?}");
        }
        for kept in [Part::Worker, Part::Graphql] {
            assert!(selection.keeps(kept), "{kept:?}");
        }
    }

    #[test]
    fn everything_kept_still_leaves_out_the_generator() {
        let selection = Selection::without(&[]);
        assert_eq!(selection.left_out().collect::<Vec<_>>(), [Part::Generator]);
        assert!(!selection.keeps_path("crates/capstone/src/commands/new/parts.rs"));
        assert!(selection.keeps_path("crates/capstone/src/commands/newer.rs"));
        assert!(selection.keeps_path("docs/src/tour.md"));
    }

    #[test]
    fn a_path_shared_by_two_parts_goes_with_either() {
        let selection = Selection::without(&[Part::K8s]);
        assert!(!selection.keeps_path("crates/capstone/tests/deploy_config/main.rs"));
        assert!(selection.keeps_path("compose.yaml"));
    }

    #[test]
    fn leaving_out_any_part_leaves_out_the_book_and_nothing_else_needs_the_book() {
        for part in ALL {
            if part == Part::Generator {
                continue;
            }
            assert!(!Selection::without(&[part]).keeps(Part::Book), "{part:?}");
        }
        let without_book = Selection::without(&[Part::Book]);
        let gone: Vec<Part> = without_book.left_out().collect();
        assert_eq!(gone, [Part::Book, Part::Generator]);
    }

    #[test]
    fn every_part_has_a_distinct_name() {
        for part in ALL {
            assert_eq!(Part::from_name(part.name()), Some(part));
        }
    }
}
