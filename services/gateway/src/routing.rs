//! Which upstream pool a request goes to, and with what path.
//!
//! Routes are path prefixes from config, matched against the request's
//! [`CanonicalPath`] (made once, before routing, by the platform
//! middleware), so the path a route was chosen for is the path that goes
//! upstream. Matching is on whole segments and
//! the longest prefix wins, so `/api/v1/users/me` goes to a `/api/v1/users`
//! route even if `/api` is also configured, and `/api/v1/usersx` matches
//! neither. The table is sorted once at startup; a lookup is a scan of a
//! handful of prefixes, cheaper than any trie at this size (the
//! `edge_decisions` bench measures it).

use std::{sync::Arc, time::Duration};

use capstone_platform::canonical_path::CanonicalPath;

use crate::settings::RouteSettings;

/// A configured route, ready to use.
#[derive(Debug, Clone)]
pub struct Route {
    /// The prefix it matches; also its name in logs.
    pub prefix: Arc<str>,
    /// The upstream pool's name.
    pub upstream: Arc<str>,
    rewrite_to: Option<String>,
    pub protected: bool,
    pub rate_limit: Option<Arc<str>>,
    pub timeout: Duration,
}

/// All routes, longest prefix first.
#[derive(Debug, Clone)]
pub struct RouteTable {
    routes: Vec<Route>,
}

// ANCHOR: route_match
impl RouteTable {
    pub fn new(settings: &[RouteSettings]) -> Self {
        let mut routes: Vec<Route> = settings
            .iter()
            .map(|route| Route {
                prefix: route.prefix.as_str().into(),
                upstream: route.upstream.as_str().into(),
                rewrite_to: route.rewrite_to.clone(),
                protected: route.protected,
                rate_limit: route.rate_limit.as_deref().map(Into::into),
                timeout: Duration::from_millis(route.timeout_ms),
            })
            .collect();
        // Longest first: the first match is then the most specific one.
        routes.sort_by_key(|route| std::cmp::Reverse(route.prefix.len()));
        Self { routes }
    }

    /// The route for `path` and the path to send upstream: `path` itself,
    /// or with the route's prefix replaced by its (canonical) `rewrite_to`.
    pub fn find(&self, path: &CanonicalPath) -> Option<(&Route, String)> {
        let path = path.as_str();
        self.routes.iter().find_map(|route| {
            let rest = strip_segment_prefix(path, &route.prefix)?;
            Some((route, route.upstream_path(path, rest)))
        })
    }
}

/// `path` without `prefix`, if `prefix` covers whole segments of it.
fn strip_segment_prefix<'a>(path: &'a str, prefix: &str) -> Option<&'a str> {
    if prefix == "/" {
        return Some(path);
    }
    let rest = path.strip_prefix(prefix)?;
    (rest.is_empty() || rest.starts_with('/')).then_some(rest)
}
// ANCHOR_END: route_match

impl Route {
    fn upstream_path(&self, path: &str, rest: &str) -> String {
        match &self.rewrite_to {
            None => path.to_owned(),
            Some(target) => {
                let target = target.trim_end_matches('/');
                match (target.is_empty(), rest.is_empty()) {
                    (true, true) => "/".to_owned(),
                    (true, false) => rest.to_owned(),
                    (false, _) => format!("{target}{rest}"),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(prefix: &str, upstream: &str, rewrite_to: Option<&str>) -> RouteSettings {
        RouteSettings {
            prefix: prefix.into(),
            upstream: upstream.into(),
            rewrite_to: rewrite_to.map(Into::into),
            protected: false,
            rate_limit: None,
            timeout_ms: 1_000,
        }
    }

    fn resolve(table: &RouteTable, path: &str) -> Option<(String, String)> {
        let path = CanonicalPath::parse(path).expect("test paths are canonical");
        table
            .find(&path)
            .map(|(route, upstream_path)| (route.upstream.to_string(), upstream_path))
    }

    #[test]
    fn the_longest_matching_prefix_wins() {
        let table = RouteTable::new(&[
            route("/api", "legacy", None),
            route("/api/v1/users", "users", None),
        ]);
        assert_eq!(
            resolve(&table, "/api/v1/users/42"),
            Some(("users".into(), "/api/v1/users/42".into()))
        );
        assert_eq!(
            resolve(&table, "/api/v2"),
            Some(("legacy".into(), "/api/v2".into()))
        );
    }

    #[test]
    fn prefixes_match_whole_segments_only() {
        let table = RouteTable::new(&[route("/api/v1/users", "users", None)]);
        assert!(resolve(&table, "/api/v1/users").is_some());
        assert!(resolve(&table, "/api/v1/users/").is_some());
        assert!(resolve(&table, "/api/v1/usersx").is_none());
        assert!(resolve(&table, "/api/v1").is_none());
    }

    #[test]
    fn rewriting_replaces_the_prefix() {
        let table = RouteTable::new(&[
            route("/legacy/people", "users", Some("/api/v1/users")),
            route("/svc", "users", Some("/")),
        ]);
        assert_eq!(
            resolve(&table, "/legacy/people/7"),
            Some(("users".into(), "/api/v1/users/7".into()))
        );
        assert_eq!(
            resolve(&table, "/svc/health/ready"),
            Some(("users".into(), "/health/ready".into()))
        );
        assert_eq!(resolve(&table, "/svc"), Some(("users".into(), "/".into())));
    }

    #[test]
    fn a_root_route_catches_everything_else() {
        let table = RouteTable::new(&[route("/", "web", None), route("/api", "api", None)]);
        assert_eq!(
            resolve(&table, "/index.html"),
            Some(("web".into(), "/index.html".into()))
        );
        assert_eq!(
            resolve(&table, "/api/x"),
            Some(("api".into(), "/api/x".into()))
        );
    }
}
