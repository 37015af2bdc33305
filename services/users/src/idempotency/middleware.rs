//! The middleware that makes a POST safe to retry with an `Idempotency-Key`.

use actix_web::{
    Error, FromRequest, HttpMessage, HttpResponse, ResponseError,
    body::{self, BoxBody, EitherBody, MessageBody},
    dev::{Payload, ServiceRequest, ServiceResponse},
    http::{Method, StatusCode, header},
    middleware::Next,
    web,
};
use capstone_platform::{
    Problem, extract::body_problem, middleware::finished_problem, problem::PROBLEM_JSON,
};

use super::{Caller, Claim, Fingerprint, IdempotencyKey, IdempotencyStore, StoredResponse, Ticket};
use crate::{auth::AuthenticatedUser, error::ApiError};

// ANCHOR: middleware
/// Wrapped around each resource whose POST creates something or sends an
/// email (`routes::auth`, `routes::users`). Without the header the request
/// goes straight through: Redis is not asked, and its outages do not
/// matter. With it:
///
/// 1. the key is checked (400), and the body read (within the body limit)
///    so the request can be fingerprinted;
/// 2. the key is claimed in Redis (503 when Redis does not answer). Found
///    there already: the stored response is replayed, or 409 while the
///    first request runs, or 422 if the key came with another request;
/// 3. the handler runs; a 2xx or 4xx answer is stored, a 5xx or 429
///    releases the claim.
pub async fn idempotent(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody, BoxBody>>, Error> {
    let key = match IdempotencyKey::from_headers(req.headers()) {
        // The header is a POST's: other methods are idempotent already.
        Some(key) if req.method() == Method::POST => key,
        _ => return Ok(next.call(req).await?.map_into_left_body()),
    };
    let key = match key {
        Ok(key) => key,
        Err(invalid) => return Ok(refuse(req, ApiError::InvalidIdempotencyKey(invalid))),
    };
    let Some(store) = req.app_data::<web::Data<IdempotencyStore>>().cloned() else {
        return Ok(refuse(req, ApiError::internal(MissingStore)));
    };
    let (request, mut payload) = req.into_parts();
    // `Bytes` honours `web::PayloadConfig`: the same limit (and 413) as the
    // handler's `ValidatedJson`, which then reads these bytes again.
    let body = match web::Bytes::from_request(&request, &mut payload).await {
        Ok(body) => body,
        Err(error) => {
            let response = body_problem(error).to_response();
            return Ok(ServiceResponse::new(request, response).map_into_right_body());
        }
    };
    let path = request
        .uri()
        .path_and_query()
        .map_or("/", |path| path.as_str());
    let fingerprint = Fingerprint::of(request.method(), path, &body);
    // The scope runs after `authenticate` on the `/users` routes: the
    // caller is known by now, or there is none (`/auth`).
    let caller = request
        .extensions()
        .get::<AuthenticatedUser>()
        .map_or(Caller::Anonymous, |user| Caller::User(user.id));
    let pattern = request.match_pattern().unwrap_or_default();
    let redis_key = store.redis_key(request.method().as_str(), &pattern, caller, &key);
    let req = ServiceRequest::from_parts(request, Payload::from(body));

    let ticket = match store.claim(redis_key, fingerprint.clone()).await {
        Ok(Claim::Claimed(ticket)) => ticket,
        Ok(Claim::Completed(stored)) => {
            let response = stored.replay();
            return Ok(req.into_response(response).map_into_right_body());
        }
        Ok(Claim::InFlight) => return Ok(refuse(req, ApiError::IdempotencyKeyInFlight)),
        Ok(Claim::Reused) => return Ok(refuse(req, ApiError::IdempotencyKeyReused)),
        Err(error) => return Ok(refuse(req, error.into())),
    };

    let response = match next.call(req).await {
        Ok(response) => response,
        Err(error) => {
            release(&store, ticket).await;
            return Err(error);
        }
    };
    if !is_final(response.status()) {
        release(&store, ticket).await;
        return Ok(response.map_into_left_body());
    }
    let (response, body) = match buffered(response).await {
        Ok(buffered) => buffered,
        Err(failed) => {
            release(&store, ticket).await;
            return Ok(failed.map_into_right_body());
        }
    };
    let stored = StoredResponse::capture(response.status(), response.headers(), &body);
    match store.complete(ticket, fingerprint, stored).await {
        Ok(true) => {}
        Ok(false) => tracing::warn!(
            "the request outlived its idempotency claim (users.idempotency.in_flight_ttl_secs): response not stored"
        ),
        // The work is done and the client gets its answer; only a retry
        // would now run it again (after the claim expires).
        Err(error) => tracing::warn!(%error, "idempotency record not stored"),
    }
    Ok(response
        .map_body(|_, ()| BoxBody::new(body))
        .map_into_right_body())
}
// ANCHOR_END: middleware

// ANCHOR: is_final
/// Whether a response is the request's outcome, stored and replayed.
///
/// 2xx: the work was done; running it again is what the key prevents.
/// 4xx: the request itself was refused (invalid, forbidden, conflicting),
/// and sending the same bytes again would be refused again; replaying
/// keeps the answer stable even if state changes meanwhile (the draft and
/// Stripe do the same). Two exceptions say "not now" rather than "no":
/// 5xx (the service failed, perhaps before doing anything) and 429 (come
/// back later). Storing those would answer every retry with the failure,
/// for a day; releasing the claim lets the retry run.
fn is_final(status: StatusCode) -> bool {
    (status.is_success() || status.is_client_error()) && status != StatusCode::TOO_MANY_REQUESTS
}
// ANCHOR_END: is_final

/// The response with its body read into memory (our handlers' bodies are
/// small: a user, a problem, or nothing). An error response's problem is
/// finished here, as the `render_problems` middleware would finish it (path,
/// request id, trace id), so the stored bytes are the bytes the client gets.
async fn buffered<B: MessageBody + 'static>(
    response: ServiceResponse<B>,
) -> Result<(ServiceResponse<()>, web::Bytes), ServiceResponse> {
    let finished = finished_problem(&response);
    let (request, response) = response.into_parts();
    let (mut response, body) = response.into_parts();
    let bytes = match finished {
        Some(problem) => {
            // Taken out, or `render_problems` would render it once more.
            response.extensions_mut().remove::<Problem>();
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                header::HeaderValue::from_static(PROBLEM_JSON),
            );
            web::Bytes::from(problem.to_json())
        }
        None => match body::to_bytes(body).await {
            Ok(bytes) => bytes,
            Err(error) => {
                let error: Box<dyn std::error::Error> = error.into();
                let failed = ApiError::internal(UnreadableBody(error.to_string()));
                return Err(ServiceResponse::new(request, failed.error_response()));
            }
        },
    };
    Ok((ServiceResponse::new(request, response), bytes))
}

/// Releases `ticket`; a failure only delays a retry until the claim expires.
async fn release(store: &IdempotencyStore, ticket: Ticket) {
    if let Err(error) = store.release(ticket).await {
        tracing::warn!(%error, "idempotency claim not released: retries wait for it to expire");
    }
}

/// `error` as the response to `req`.
fn refuse<B>(req: ServiceRequest, error: ApiError) -> ServiceResponse<EitherBody<B, BoxBody>> {
    let response: HttpResponse = error.error_response();
    req.into_response(response).map_into_right_body()
}

/// A wiring bug: the app was built without the store.
#[derive(Debug, thiserror::Error)]
#[error("missing from the app data: IdempotencyStore")]
struct MissingStore;

/// A response body that could not be read to the end.
#[derive(Debug, thiserror::Error)]
#[error("the response body could not be read: {0}")]
struct UnreadableBody(String);
