//! The web app at `/`: the committed build, served as the browser needs
//! it, without taking any path from the API.

use capstone_gateway::web_app::PAGE_CONTENT_SECURITY_POLICY;
use reqwest::header::{ACCEPT, IF_NONE_MATCH};

use crate::helpers::{TestGateway, assert_problem, base_settings, spawn_gateway};

/// What a browser sends when it navigates to a page.
const NAVIGATION: &str = "text/html,application/xhtml+xml,*/*;q=0.8";

fn committed_index() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../web/dist/index.html"
    ))
    .expect("web/dist/index.html is committed")
}

/// The `/assets/…` files `index.html` loads.
fn assets_of(index: &str) -> Vec<String> {
    index
        .split(['"', '\''])
        .filter(|part| part.starts_with("/assets/"))
        .map(str::to_owned)
        .collect()
}

async fn navigate(gateway: &TestGateway, path: &str) -> reqwest::Response {
    gateway
        .client
        .get(gateway.url(path))
        .header(ACCEPT, NAVIGATION)
        .send()
        .await
        .expect("request sent")
}

fn header(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn the_root_and_every_page_path_serve_the_committed_index_under_the_page_policy() {
    let gateway = spawn_gateway(base_settings()).await;

    for path in [
        "/",
        "/verify-email?token=abc",
        "/admin/users",
        "/no/such/page",
    ] {
        let response = navigate(&gateway, path).await;
        assert_eq!(response.status(), 200, "{path}");
        assert!(
            header(&response, "content-type").starts_with("text/html"),
            "{path}"
        );
        assert_eq!(
            header(&response, "content-security-policy"),
            PAGE_CONTENT_SECURITY_POLICY
        );
        assert_eq!(header(&response, "cache-control"), "no-cache");
        assert_eq!(header(&response, "x-content-type-options"), "nosniff");
        assert_eq!(
            response.text().await.expect("body"),
            committed_index(),
            "{path}"
        );
    }
}

#[tokio::test]
async fn assets_are_served_with_their_type_and_cached_for_good() {
    let gateway = spawn_gateway(base_settings()).await;
    let assets = assets_of(&committed_index());
    assert!(
        !assets.is_empty(),
        "index.html loads its script from /assets/"
    );

    for asset in &assets {
        let response = gateway.get(asset).await;
        assert_eq!(response.status(), 200, "{asset}");
        let expected = if asset.ends_with(".js") {
            "javascript"
        } else {
            "css"
        };
        assert!(
            header(&response, "content-type").contains(expected),
            "{asset}"
        );
        assert_eq!(
            header(&response, "cache-control"),
            "public, max-age=31536000, immutable"
        );
    }
}

#[tokio::test]
async fn an_unchanged_file_is_a_304() {
    let gateway = spawn_gateway(base_settings()).await;
    let first = navigate(&gateway, "/").await;
    let etag = header(&first, "etag");
    assert!(etag.starts_with('"') && etag.len() > 2, "{etag}");

    let again = gateway
        .client
        .get(gateway.url("/"))
        .header(ACCEPT, NAVIGATION)
        .header(IF_NONE_MATCH, &etag)
        .send()
        .await
        .expect("sent");

    assert_eq!(again.status(), 304);
    assert_eq!(again.text().await.expect("body"), "");
}

#[tokio::test]
async fn what_is_neither_a_file_nor_a_page_request_stays_a_404_problem() {
    let gateway = spawn_gateway(base_settings()).await;

    // A missing asset must not turn into the page (a script tag would try
    // to run HTML); an API client asking for JSON gets the API's answer.
    assert_problem(
        navigate(&gateway, "/assets/missing.js").await,
        404,
        Some("about:blank"),
    )
    .await;
    assert_problem(gateway.get("/profile").await, 404, Some("about:blank")).await;
    let posted = gateway
        .client
        .post(gateway.url("/"))
        .header(ACCEPT, NAVIGATION)
        .send()
        .await
        .expect("sent");
    assert_problem(posted, 404, Some("about:blank")).await;
}

#[test]
fn the_page_loads_nothing_inline_and_nothing_from_elsewhere() {
    let index = committed_index();

    assert!(
        !index.contains("<style"),
        "inline styles break the page policy"
    );
    assert!(
        !index.contains(" style="),
        "inline styles break the page policy"
    );
    for script in index.split("<script").skip(1) {
        let tag = script.split('>').next().unwrap_or_default();
        assert!(
            tag.contains("src=\"/"),
            "every script is a file of this origin: {tag}"
        );
    }
    for attribute in ["src=\"", "href=\""] {
        for reference in index.split(attribute).skip(1) {
            assert!(
                reference.starts_with('/') || reference.starts_with("data:"),
                "{attribute}{}: the app works offline, from this origin",
                reference.split('"').next().unwrap_or_default()
            );
        }
    }
}
