//! What every request of a run looks like: the address to connect to, and
//! the method, path, headers and body, built once from the arguments. Only
//! `{n}` templates, and the caller's token when there are many
//! ([`Callers`]), are chosen per request.

use std::{
    str::FromStr,
    sync::atomic::{AtomicU64, Ordering},
};

use anyhow::{Context, bail};
use bytes::Bytes;
use http_body_util::Full;
use hyper::{
    HeaderMap, Method, Request, Uri,
    header::{AUTHORIZATION, HOST, HeaderName, HeaderValue},
    http::uri::Authority,
};

use super::callers::Callers;
use crate::template::Template;

/// A request body as hyper's client sends it.
pub(crate) type Body = Full<Bytes>;

/// The parts of every request, and the run-wide `{n}` counter.
#[derive(Debug)]
pub(crate) struct RequestPlan {
    /// `host:port` to open TCP connections to.
    pub(crate) address: String,
    method: Method,
    path: Path,
    headers: HeaderMap,
    body: Template,
    /// The next `{n}`; shared by all connections so each number is used once.
    next_number: AtomicU64,
    /// `--tokens`: each request's `Authorization`, instead of a fixed one.
    callers: Option<Callers>,
}

/// The request target (origin form: `/path?query`). A fixed one is parsed
/// once; a templated one on every request.
#[derive(Debug)]
enum Path {
    Fixed(Uri),
    Numbered(Template),
}

impl RequestPlan {
    /// Checks and prepares everything the arguments describe.
    pub(crate) fn new(
        url: &str,
        method: Method,
        headers: &[String],
        body: Option<&str>,
    ) -> anyhow::Result<Self> {
        let (authority, path) = split_url(url)?;
        let template = Template::parse(path);
        // Rendering with any number proves every rendering parses.
        let first = origin_form(template.render(0))
            .with_context(|| format!("the path of `{url}` is not a valid request target"))?;
        let path = if template.is_numbered() {
            Path::Numbered(template)
        } else {
            Path::Fixed(first)
        };
        let mut header_map = HeaderMap::new();
        // HTTP/1.1 requires Host; origin-form targets do not carry it.
        header_map.insert(HOST, HeaderValue::from_str(authority.as_str())?);
        for header in headers {
            let (name, value) = parse_header(header)?;
            header_map.append(name, value);
        }
        Ok(Self {
            address: format!(
                "{}:{}",
                authority.host(),
                authority.port_u16().unwrap_or(80)
            ),
            method,
            path,
            headers: header_map,
            body: Template::parse(body.unwrap_or("")),
            next_number: AtomicU64::new(0),
            callers: None,
        })
    }

    /// Every request carries one of `callers`' tokens (replacing any
    /// `Authorization` header given).
    pub(crate) fn with_callers(mut self, callers: Callers) -> Self {
        self.callers = Some(callers);
        self
    }

    /// The next request, with a fresh `{n}` if the path or body needs one.
    /// `index`: the request's place in the open-loop schedule (`None` in
    /// closed loop), which picks the caller when there are many.
    pub(crate) fn next_request(&self, index: Option<u64>) -> Request<Body> {
        let numbered = self.body.is_numbered() || matches!(self.path, Path::Numbered(_));
        let number = if numbered {
            self.next_number.fetch_add(1, Ordering::Relaxed)
        } else {
            0
        };
        let uri = match &self.path {
            Path::Fixed(uri) => uri.clone(),
            // Any number renders to a valid target: checked in `new`.
            Path::Numbered(template) => origin_form(template.render(number)).unwrap_or_default(),
        };
        let mut request = Request::new(Full::new(self.body.render(number)));
        *request.method_mut() = self.method.clone();
        *request.uri_mut() = uri;
        *request.headers_mut() = self.headers.clone();
        if let Some(callers) = &self.callers {
            request
                .headers_mut()
                .insert(AUTHORIZATION, callers.authorization(index).clone());
        }
        request
    }
}

fn origin_form(path: Bytes) -> anyhow::Result<Uri> {
    Ok(Uri::from_maybe_shared(path)?)
}

/// `http://host:port/path?query` → (`host:port`, `/path?query`).
fn split_url(url: &str) -> anyhow::Result<(Authority, &str)> {
    let Some(rest) = url.strip_prefix("http://") else {
        bail!("`{url}`: only http:// URLs are supported (no TLS on loopback)");
    };
    if rest.is_empty() || rest.starts_with(['/', '?']) {
        bail!("`{url}` has no host");
    }
    let (authority, path) = match rest.find(['/', '?']) {
        Some(at) => rest.split_at(at),
        None => (rest, "/"),
    };
    if path.starts_with('?') {
        bail!("`{url}`: write the path before the query (`/?...`)");
    }
    let authority = Authority::from_str(authority)
        .with_context(|| format!("`{authority}` is not a host[:port]"))?;
    Ok((authority, path))
}

/// `Name: value` → a header.
fn parse_header(header: &str) -> anyhow::Result<(HeaderName, HeaderValue)> {
    let Some((name, value)) = header.split_once(':') else {
        bail!("header `{header}` is not `Name: value`");
    };
    let name = HeaderName::from_str(name.trim())
        .with_context(|| format!("`{}` is not a header name", name.trim()))?;
    let value = HeaderValue::from_str(value.trim())
        .with_context(|| format!("header `{header}` has an invalid value"))?;
    Ok((name, value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    #[test]
    fn a_url_splits_into_authority_and_origin_form_target() {
        let (authority, path) = split_url("http://127.0.0.1:8080/api/v1/users/x?a=1").expect("ok");

        assert_eq!(authority.as_str(), "127.0.0.1:8080");
        assert_eq!(path, "/api/v1/users/x?a=1");
    }

    #[test]
    fn a_url_without_path_targets_the_root() {
        let (authority, path) = split_url("http://localhost:9").expect("ok");

        assert_eq!((authority.as_str(), path), ("localhost:9", "/"));
    }

    #[test]
    fn https_and_hostless_urls_are_refused() {
        assert!(split_url("https://127.0.0.1/").is_err());
        assert!(split_url("http:///x").is_err());
        assert!(split_url("http://").is_err());
    }

    #[tokio::test]
    async fn each_request_gets_the_next_number_in_path_and_body_alike() {
        let plan = RequestPlan::new(
            "http://127.0.0.1:1/users/u{n}",
            Method::POST,
            &["content-type: application/json".to_owned()],
            Some(r#"{"email":"u{n}@load.test"}"#),
        )
        .expect("valid plan");

        let first = plan.next_request(None);
        let second = plan.next_request(None);

        assert_eq!(first.uri(), "/users/u0");
        assert_eq!(second.uri(), "/users/u1");
        assert_eq!(second.headers()[HOST], "127.0.0.1:1");
        assert_eq!(second.headers()["content-type"], "application/json");
        assert_eq!(plan.address, "127.0.0.1:1");
        let body = second.into_body().collect().await.expect("infallible");
        assert_eq!(body.to_bytes(), r#"{"email":"u1@load.test"}"#);
    }

    #[test]
    fn callers_replace_the_authorization_header_by_schedule_index() {
        let plan = RequestPlan::new(
            "http://127.0.0.1:1/api/v1/users/me",
            Method::GET,
            &["authorization: Bearer fixed".to_owned()],
            None,
        )
        .expect("valid plan")
        .with_callers(Callers::parse("a\nb\n", Some("1 0 0")).expect("valid"));

        let authorization = |index| plan.next_request(index).headers()[AUTHORIZATION].clone();

        assert_eq!(authorization(Some(0)), "Bearer b");
        assert_eq!(authorization(Some(2)), "Bearer a");
        assert_eq!(authorization(Some(3)), "Bearer b");
        assert_eq!(authorization(None), "Bearer b");
        assert_eq!(
            plan.next_request(None)
                .headers()
                .get_all(AUTHORIZATION)
                .iter()
                .count(),
            1
        );
    }

    #[test]
    fn the_port_defaults_to_80() {
        let plan = RequestPlan::new("http://localhost/", Method::GET, &[], None).expect("ok");

        assert_eq!(plan.address, "localhost:80");
    }

    #[test]
    fn a_header_without_colon_is_refused() {
        assert!(parse_header("x-test value").is_err());
        assert_eq!(parse_header("X-Test:  a b ").expect("ok").1, "a b");
    }
}
