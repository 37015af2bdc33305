//! The edges in front of the gateway (compose's nginx, and the ingress-nginx
//! controller in Kubernetes) must not forward a request path the gateway
//! refuses: nginx picks a location from the decoded, normalised path but
//! forwards the path as sent, so a spelling it reads one way could reach
//! the gateway meaning another. Both edges load one map of refused
//! spellings (k8s/ingress-nginx/refused-paths.conf). These tests run the
//! real nginx binary (Debian's nginx-light: `apt-get install nginx-light`)
//! as a private instance with each edge's configuration, send it raw request
//! lines, and check what reached a listener standing in for the gateway.

use crate::{
    files,
    nginx::{Nginx, Upstream},
};

const DEFAULT_CONF: &str = "infra/compose/nginx/default.conf";
const CONTROLLER: &str = "k8s/ingress-nginx";
const INGRESS: &str = "k8s/base/gateway/ingress.yaml";

/// Request targets that must not reach the gateway, and what the edge says.
const REFUSED: [(&str, u16); 24] = [
    ("/api/v1/auth/%2e%2e/%2e%2e/metrics", 400),
    ("..\\..\\metrics", 400),
    ("/..\\..\\metrics", 400),
    ("/api\\..\\metrics", 400),
    ("/.well-known/../health/ready", 400),
    ("/api/v1/auth/.%2e/x", 400),
    ("/api/v1/auth/%2E%2e/x", 400),
    ("/api/./v1/users/me", 400),
    ("/api/v1/users/..?next=1", 400),
    ("/api/v1/users%2fme", 400),
    ("/api/v1/users%2Fme", 400),
    ("/api/v1/users%5cme", 400),
    ("/api/v1/users/me%00", 400),
    ("/api/v1/users/me%0d%0a", 400),
    ("/api/v1/users/%7F", 400),
    ("/api/v1/auth/%252e%252e/metrics", 400),
    ("/api/v1/auth/%C0%AE%C0%AE/metrics", 400),
    ("/api/v1/users/%ED%A0%80", 400),
    ("/api/v1/users/%zz", 400),
    // `//` runs collapse, as the gateway collapses them: these meet the
    // private paths' own refusals.
    ("//metrics", 404),
    ("/health//ready", 404),
    ("///health/ready", 404),
    ("/metrics", 404),
    ("/health/ready", 404),
];

/// Request targets that must reach the gateway exactly as sent.
const FORWARDED: [&str; 3] = [
    "/api/v1/users/me",
    // UTF-8 escapes are fine: only malformed ones are refused.
    "/api/v1/users/caf%C3%A9",
    // The query is not the path: whatever it holds passes.
    "/api/v1/users/me?next=%2f..%5c",
];

#[test]
fn the_compose_edge_refuses_every_ambiguous_spelling_and_forwards_the_rest_unchanged() {
    check_edge("compose", |port, upstream| {
        format!(
            "{}\n{}",
            files::read(&refused_paths()),
            compose_server(port, upstream)
        )
    });
}

#[test]
fn the_ingress_controller_settings_refuse_every_ambiguous_spelling_and_forward_the_rest_unchanged()
{
    check_edge("ingress", |port, upstream| {
        let (http_snippet, server_snippet) = controller_snippets();
        // Like ingress-nginx: the snippets, then a location per Ingress path,
        // and the controller's own 404 for everything else.
        let locations: String = ingress_paths()
            .iter()
            .map(|(path, kind)| {
                let exact = if kind == "Exact" { "= " } else { "" };
                format!(
                    "location {exact}{path} {{ proxy_pass http://127.0.0.1:{upstream}; proxy_http_version 1.1; }}\n"
                )
            })
            .collect();
        format!(
            "{http_snippet}\nserver {{\nlisten 127.0.0.1:{port};\n{server_snippet}\n{locations}location / {{ return 404; }}\n}}\n"
        )
    });
}

#[test]
fn both_edges_load_the_one_refused_paths_map_and_refuse_before_routing() {
    let compose = files::yaml(files::COMPOSE);
    let mounts: Vec<String> = files::items(&compose["services"]["edge"]["volumes"])
        .iter()
        .filter_map(|volume| volume.as_str().map(str::to_owned))
        .collect();
    let mount = format!("./{}:/etc/nginx/conf.d/", refused_paths());
    assert!(
        mounts.iter().any(|volume| volume.starts_with(&mount)),
        "compose's edge does not load {}: {mounts:?}",
        refused_paths()
    );
    let conf = files::read(DEFAULT_CONF);
    // Directives, not comments: the first line of each.
    let line_of = |start: &str| conf.lines().position(|line| line.trim().starts_with(start));
    let refusal = line_of("if ($capstone_refused_path)").expect("default.conf refuses");
    let first_location = line_of("location ").expect("default.conf has locations");
    assert!(
        refusal < first_location,
        "{DEFAULT_CONF}: refuse before any location"
    );
    assert!(
        conf.contains("\n    merge_slashes on;\n"),
        "{DEFAULT_CONF}: merge_slashes on"
    );
    let (http_snippet, server_snippet) = controller_snippets();
    assert_eq!(http_snippet, files::read(&refused_paths()));
    assert!(
        server_snippet.contains("if ($capstone_refused_path)")
            && server_snippet.contains("return 400;")
    );
}

#[test]
fn the_ingress_routes_only_public_prefixes_and_uses_no_snippet_annotation() {
    let ingress = files::yaml(INGRESS);
    let annotations = ingress["metadata"]["annotations"]
        .as_mapping()
        .cloned()
        .unwrap_or_default();
    for (key, _) in &annotations {
        let key = key.as_str().unwrap_or_default();
        assert!(
            !key.ends_with("-snippet"),
            "{INGRESS}: {key}: snippet annotations are off by default"
        );
    }
    for (path, kind) in ingress_paths() {
        // `/` as a prefix would be every path; exactly `/` is the app's root.
        let everything = path == "/" && kind != "Exact";
        assert!(
            !everything && !path.starts_with("/metrics") && !path.starts_with("/health"),
            "{INGRESS}: {path} ({kind}) routes a private path to the gateway"
        );
    }
}

#[test]
fn the_ingress_routes_every_route_the_gateway_serves_by_default() {
    let routed = ingress_paths();
    for route in capstone_gateway::settings::GatewaySettings::default().routes {
        assert!(
            routed
                .iter()
                .any(|(path, _)| route.prefix.starts_with(path.as_str())),
            "{INGRESS}: the gateway route {} is unreachable from outside",
            route.prefix
        );
    }
}

/// The map file, as the controller's kustomization names it.
fn refused_paths() -> String {
    format!("{CONTROLLER}/refused-paths.conf")
}

/// The controller ConfigMap's http-snippet and server-snippet, read from
/// the files its generator names.
fn controller_snippets() -> (String, String) {
    let kustomization = files::yaml(&format!("{CONTROLLER}/kustomization.yaml"));
    let generator = &files::items(&kustomization["configMapGenerator"])[0];
    assert_eq!(generator["name"].as_str(), Some("ingress-nginx-controller"));
    let file_for = |key: &str| -> String {
        let entry = files::items(&generator["files"])
            .iter()
            .filter_map(|entry| entry.as_str())
            .find_map(|entry| entry.strip_prefix(&format!("{key}=")).map(str::to_owned))
            .unwrap_or_else(|| panic!("{CONTROLLER}: no {key}"));
        files::read(&format!("{CONTROLLER}/{entry}"))
    };
    (file_for("http-snippet"), file_for("server-snippet"))
}

/// Each Ingress path with its `pathType`.
fn ingress_paths() -> Vec<(String, String)> {
    let ingress = files::yaml(INGRESS);
    files::items(&ingress["spec"]["rules"])
        .iter()
        .flat_map(|rule| files::items(&rule["http"]["paths"]).to_vec())
        .filter_map(|path| {
            let kind = path["pathType"].as_str().unwrap_or_default().to_owned();
            path["path"].as_str().map(|path| (path.to_owned(), kind))
        })
        .collect()
}

// fork:begin(web)
#[test]
fn the_ingress_routes_every_page_of_the_web_app_and_its_assets() {
    // The app's pages, as its router names them: `'/path':` entries and
    // `path === '/path'` checks.
    let routes = files::read("web/src/routes.tsx");
    let mut pages: Vec<&str> = routes
        .split('\'')
        .filter(|part| part.starts_with('/') && !part.contains(' '))
        .collect();
    pages.sort_unstable();
    pages.dedup();
    assert!(pages.len() >= 8, "pages found in routes.tsx: {pages:?}");
    let routed = ingress_paths();
    for page in pages.iter().copied().chain(["/", "/assets/index.js"]) {
        let reachable = routed.iter().any(|(path, kind)| match kind.as_str() {
            "Exact" => page == path,
            _ => page == path || page.starts_with(&format!("{path}/")),
        });
        assert!(
            reachable,
            "{INGRESS}: the web app's {page} is unreachable from outside"
        );
    }
}
// fork:end(web)

/// default.conf's server block with the smallest changes that let it run
/// here: plain HTTP on a free loopback port instead of TLS on 443 (the
/// listen line, and the ssl_* and http2 lines, which Debian bookworm's
/// nginx 1.22 also predates), and the local listener as the gateway.
/// Everything that decides what is forwarded is kept as written.
fn compose_server(port: u16, upstream: u16) -> String {
    let mut swapped = Vec::new();
    let mut lines = Vec::new();
    for line in files::read(DEFAULT_CONF).lines() {
        let trimmed = line.trim();
        let replacement = match trimmed {
            "listen 443 ssl;" => Some(format!("listen 127.0.0.1:{port};")),
            "proxy_pass http://gateway:8080;" => {
                Some(format!("proxy_pass http://127.0.0.1:{upstream};"))
            }
            _ if trimmed == "http2 on;" || trimmed.starts_with("ssl_") => Some(String::new()),
            _ => None,
        };
        match replacement {
            Some(replacement) => {
                swapped.push(trimmed.to_owned());
                lines.push(replacement);
            }
            None => lines.push(line.to_owned()),
        }
    }
    assert_eq!(
        swapped.len(),
        6,
        "{DEFAULT_CONF}: the lines swapped here changed: {swapped:?}"
    );
    lines.join("\n")
}

/// Runs nginx with `http_block(port, upstream_port)` and checks both lists.
fn check_edge(name: &str, http_block: impl Fn(u16, u16) -> String) {
    let upstream = Upstream::start();
    let nginx = Nginx::start(name, |port| http_block(port, upstream.port));
    let mut failures = Vec::new();
    for (target, expected) in REFUSED {
        let status = nginx.get(target);
        if status != expected {
            failures.push(format!("{target}: {status}, expected {expected}"));
        }
    }
    for target in FORWARDED {
        let status = nginx.get(target);
        if status != 200 {
            failures.push(format!("{target}: {status}, expected 200 from the gateway"));
        }
    }
    let expected: Vec<String> = FORWARDED
        .iter()
        .map(|target| format!("GET {target} HTTP/1.1"))
        .collect();
    let seen = upstream.seen.lock().expect("not poisoned").clone();
    assert!(failures.is_empty(), "{name} edge:\n{}", failures.join("\n"));
    assert_eq!(seen, expected, "{name} edge: what reached the gateway");
}
