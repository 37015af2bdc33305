//! The reverse proxy: every request that is not the gateway's own goes
//! through [`proxy`], in this order:
//!
//! 1. **route**: the longest matching prefix of the canonical path picks the
//!    upstream (404 if none; a path with no canonical form was already
//!    refused with 400 by the platform's `canonical_path` middleware);
//! 2. **size**: a declared body over the limit is refused before it is read;
//! 3. **authenticate**: protected routes need a valid access token (401);
//! 4. **rate limit**: per client (user id, else IP) and route class (429);
//! 5. **forward**: to an instance chosen by the balancer, with the timeout,
//!    breaker and retries of [`forward`];
//! 6. **relay**: the upstream's status, headers and streamed body.
//!
//! Authentication comes before the rate limit so that a signed-in user is
//! limited as themselves, wherever they connect from.

pub mod body;
pub mod forward;
pub mod headers;
mod problems;

pub use problems::forward_failed;

use std::net::IpAddr;

use actix_web::{
    HttpMessage, HttpRequest, HttpResponse,
    body::{BodyStream, SizedStream},
    http::header::{self, HeaderName, HeaderValue},
    web,
};
use capstone_contracts::AccessClaims;
use capstone_platform::{
    canonical_path::{CanonicalPath, PathRefusal},
    client_address::{client_address, limit_key},
    middleware::{AccessLogExtras, PassThrough, RequestId, refused_path},
    trusted_proxy::TrustedProxy,
};

use crate::{
    balancer::RoutingKey, edge_auth, rate_limit::Decision, routing::Route, state::Gateway,
};
use body::{ResponseBody, read_small_body, stream_request_body};
use forward::{ForwardError, RequestBody, UpstreamRequest};
use headers::{Origin, client_response_headers, upstream_request_headers};

// ANCHOR: proxy
pub async fn proxy(
    request: HttpRequest,
    payload: web::Payload,
    gateway: web::Data<Gateway>,
    client: web::Data<reqwest::Client>,
) -> HttpResponse {
    // The platform middleware canonicalised the path before routing; the
    // type makes sure nothing here routes on anything else.
    let canonical = match canonical_path(&request) {
        Ok(canonical) => canonical,
        Err(refusal) => return refused_path(refusal).to_response(),
    };
    let Some((route, path)) = gateway.routes.find(&canonical) else {
        // fork:begin(web)
        // What no route claims may be the web app's: a page or a file.
        return crate::web_app::serve(&request, &canonical).unwrap_or_else(problems::no_route);
        // fork:else(web)
        //+ return problems::no_route();
        // fork:end(web)
    };
    let Some(method) = upstream_method(request.method()) else {
        return annotate(problems::method_not_implemented(), route, None);
    };
    let declared_length = content_length(&request);
    if declared_length.is_some_and(|length| length > gateway.request_body_limit as u64) {
        return annotate(
            problems::body_too_large(gateway.request_body_limit),
            route,
            None,
        );
    }

    let peer = request.peer_addr().map(|peer| peer.ip());
    let client_ip = client_address(peer, request.headers(), &gateway.trusted_proxies);
    let identity = match (route.protected, &gateway.jwks) {
        (true, Some(jwks)) => match edge_auth::authenticate(request.headers(), jwks, &client).await
        {
            Ok(claims) => Some(claims),
            Err(error) => {
                // A refused token still spends its address's budget:
                // otherwise guessing tokens would be free of any limit.
                let decision = rate_limit(&gateway, route, None, client_ip).await;
                let response = match decision.as_ref().filter(|decision| !decision.allowed) {
                    Some(_) => problems::rate_limited(),
                    None => problems::auth_failed(&error),
                };
                return annotate(
                    with_rate_limit_headers(response, decision.as_ref()),
                    route,
                    None,
                );
            }
        },
        _ => None,
    };

    let decision = rate_limit(&gateway, route, identity.as_ref(), client_ip).await;
    if let Some(decision) = decision.as_ref().filter(|decision| !decision.allowed) {
        let response = with_rate_limit_headers(problems::rate_limited(), Some(decision));
        return annotate(response, route, None);
    }

    let Some(upstream) = gateway.upstreams.get(&route.upstream) else {
        // Settings::validate makes this unreachable; answer sanely anyway.
        return problems::no_route();
    };
    let origin = origin(&request, peer, &gateway.trusted_proxies);
    let has_body = declared_length.is_some_and(|length| length > 0)
        || request.headers().contains_key(header::TRANSFER_ENCODING);
    let small_body = declared_length.filter(|length| *length <= gateway.max_resendable_body_bytes);
    let (body, too_large) = match (has_body, small_body) {
        (false, _) => (RequestBody::Empty, None),
        // Read whole: if no instance can be reached, it goes to another.
        (true, Some(length)) => {
            match read_small_body(payload, length, gateway.request_body_limit).await {
                Ok(bytes) => (RequestBody::Buffered(bytes), None),
                Err(error) => return annotate(problems::unreadable_body(&error), route, None),
            }
        }
        (true, None) => {
            let (body, too_large) = stream_request_body(payload, gateway.request_body_limit);
            (RequestBody::Streamed(body), Some(too_large))
        }
    };
    let upstream_request = UpstreamRequest {
        method,
        path,
        query: Some(request.query_string())
            .filter(|query| !query.is_empty())
            .map(str::to_owned),
        headers: upstream_request_headers(request.headers(), &origin, identity.as_ref()),
        body,
        timeout: route.timeout,
    };

    // Consistent hashing keeps a verified user on one instance; without
    // one (a public route) the pool falls back to power of two choices.
    let routing_key = identity
        .as_ref()
        .map(|claims| RoutingKey::new(claims.sub.as_bytes()));
    let answered = match forward::forward(
        &client,
        upstream,
        routing_key,
        upstream_request,
        gateway.retry,
        &gateway.metrics,
    )
    .await
    {
        Ok(answered) => answered,
        Err(error) => {
            let response = match &error {
                ForwardError::Transport { .. }
                    if too_large.as_ref().is_some_and(body::BodyTooLarge::happened) =>
                {
                    problems::body_too_large(gateway.request_body_limit)
                }
                _ => problems::forward_failed(&upstream.name, &error),
            };
            return annotate(
                with_rate_limit_headers(response, decision.as_ref()),
                route,
                None,
            );
        }
    };
    let instance = answered.picked.instance().name.clone();
    let response = relay(answered, gateway.response_body_limit);
    annotate(
        with_rate_limit_headers(response, decision.as_ref()),
        route,
        Some(instance),
    )
}
// ANCHOR_END: proxy

/// The request's method for the upstream client (actix-web and reqwest use
/// different versions of the `http` crate). None if it does not convert:
/// forwarding it as anything else (it used to become a GET) would make the
/// upstream do what the client did not ask, so the caller refuses it with
/// 501 Not Implemented, RFC 9110's answer for a method the server does not
/// support for any resource (405 would claim that other resources allow it,
/// and needs an `Allow` list we do not have). Every method actix-web parses
/// converts today; this is the guard for the day one does not.
pub fn upstream_method(method: &actix_web::http::Method) -> Option<reqwest::Method> {
    reqwest::Method::from_bytes(method.as_str().as_bytes()).ok()
}

/// The upstream's answer, streamed to the client.
pub fn relay(answered: forward::Answered, limit: u64) -> HttpResponse {
    let forward::Answered { response, picked } = answered;
    let length = response.content_length();
    if length.is_some_and(|length| length > limit) {
        return problems::response_too_large();
    }
    let status = actix_web::http::StatusCode::from_u16(response.status().as_u16())
        .unwrap_or(actix_web::http::StatusCode::BAD_GATEWAY);
    let mut builder = HttpResponse::build(status);
    for (name, value) in client_response_headers(response.headers()) {
        builder.append_header((name, value));
    }
    let body = ResponseBody::new(Box::pin(response.bytes_stream()), limit, picked.in_flight);
    let mut relayed = match length {
        Some(length) => builder.body(SizedStream::new(length, body)),
        None => builder.body(BodyStream::new(body)),
    };
    relayed.extensions_mut().insert(PassThrough);
    relayed
}

fn origin(request: &HttpRequest, peer: Option<IpAddr>, trusted: &[TrustedProxy]) -> Origin {
    Origin {
        peer,
        peer_is_trusted: peer.is_some_and(|peer| TrustedProxy::any_contains(trusted, peer)),
        // The gateway itself speaks plain HTTP; TLS ends in front of it
        // (nginx), which says so in the X-Forwarded-Proto we keep from it.
        proto: "http".to_owned(),
        host: request
            .headers()
            .get(header::HOST)
            .and_then(|host| host.to_str().ok())
            .map(str::to_owned),
        request_id: request
            .extensions()
            .get::<RequestId>()
            .map(ToString::to_string)
            .unwrap_or_default(),
    }
}

/// The request's canonical path: left by the middleware, or made here if
/// this handler was mounted without it (a test app, a fork's refactor).
fn canonical_path(request: &HttpRequest) -> Result<CanonicalPath, PathRefusal> {
    match request.extensions().get::<CanonicalPath>() {
        Some(canonical) if canonical.as_str() == request.path() => Ok(canonical.clone()),
        _ => CanonicalPath::parse(request.path()),
    }
}

fn content_length(request: &HttpRequest) -> Option<u64> {
    request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse().ok())
}

/// The route's rate-limit decision for this client: the user when the
/// token was verified, else the address (an IPv6 one by its /64). None for
/// an unlimited route.
async fn rate_limit(
    gateway: &Gateway,
    route: &Route,
    identity: Option<&AccessClaims>,
    client_ip: Option<IpAddr>,
) -> Option<Decision> {
    let class = route.rate_limit.as_deref()?;
    let key = match (identity, client_ip) {
        (Some(claims), _) => format!("user:{}", claims.sub),
        // IPv6 by /64: one client's whole network is one budget.
        (None, Some(ip)) => format!("ip:{}", limit_key(ip)),
        (None, None) => "ip:unknown".to_owned(),
    };
    let decision = gateway.limiter.check(class, &key).await;
    if let Some(decision) = &decision {
        gateway.metrics.rate_limit_decision(class, decision);
    }
    decision
}

/// `RateLimit-*` on every answer of a limited route, 429s included.
fn with_rate_limit_headers(
    mut response: HttpResponse,
    decision: Option<&Decision>,
) -> HttpResponse {
    for (name, value) in decision.map(Decision::headers).unwrap_or_default() {
        if let (Ok(name), Ok(value)) = (HeaderName::try_from(name), HeaderValue::from_str(&value)) {
            response.headers_mut().insert(name, value);
        }
    }
    response
}

/// Route and instance for the access-log line.
fn annotate(mut response: HttpResponse, route: &Route, instance: Option<String>) -> HttpResponse {
    response.extensions_mut().insert(AccessLogExtras {
        route: Some(route.prefix.to_string()),
        upstream: Some(instance.unwrap_or_else(|| route.upstream.to_string())),
    });
    response
}
