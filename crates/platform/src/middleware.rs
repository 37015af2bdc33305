//! The middleware every service installs, and the order it must run in.
//!
//! ```text
//! request ─▶ request_id ─▶ security_headers ─▶ TracingLogger ─▶ access_log ─▶ render_problems ─▶ canonical_path ─▶ cors ─▶ router ─▶ handler
//! ```
//!
//! * `request_id` first, so the id exists before the root span is created;
//! * `security_headers` next, so every response gets them, errors included;
//! * `TracingLogger` opens the root span that the next two log inside;
//! * `access_log` sees the final status and writes the request's one line;
//! * `render_problems` next, so every error response is a finished problem
//!   body by the time it is logged;
//! * `canonical_path` before anything routes: the router, CORS and the
//!   handler see one spelling of the path, or the request is refused with a
//!   400 (rendered and logged like every other problem, under the raw path);
//! * `cors` last before the handler: it answers preflight `OPTIONS` requests
//!   itself, and sits inside the others so that even a refused preflight is
//!   logged and answered as a problem.
//!
//! [`standard_middleware`] installs them in that order; services call it once.

mod access_log;
mod canonical_path;
mod cors;
mod render_problems;
mod request_id;
mod root_span;
mod security_headers;
#[cfg(test)]
mod tests;

pub use access_log::{AccessLogExtras, access_log};
pub use canonical_path::{canonical_path, refused_path};
pub use cors::cors;
pub use render_problems::{PassThrough, finished_problem, render_problems};
pub use request_id::{REQUEST_ID_HEADER, RequestId, request_id};
pub use root_span::CapstoneRootSpan;
pub use security_headers::security_headers;

use actix_web::{
    App, Error,
    body::MessageBody,
    dev::{ServiceFactory, ServiceRequest, ServiceResponse},
    middleware::from_fn,
    web,
};
use tracing_actix_web::TracingLogger;

use crate::problem::Problem;

// ANCHOR: standard_middleware
/// Wraps `app` in the platform middleware and answers unknown routes with a
/// 404 problem. `cors` is the service's policy, usually
/// [`cors(&http.cors_allowed_origins)`](cors()). `actix_web::App::wrap` runs
/// the *last* added middleware first, hence the reversed order below.
pub fn standard_middleware<T, B>(
    app: App<T>,
    cors: actix_cors::Cors,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = Error,
        InitError = (),
    >,
>
where
    T: ServiceFactory<
            ServiceRequest,
            Config = (),
            Response = ServiceResponse<B>,
            Error = Error,
            InitError = (),
        > + 'static,
    B: MessageBody + 'static,
{
    app.default_service(web::to(not_found))
        .wrap(cors)
        .wrap(from_fn(canonical_path))
        .wrap(from_fn(render_problems))
        .wrap(from_fn(access_log))
        .wrap(TracingLogger::<CapstoneRootSpan>::new())
        .wrap(security_headers())
        .wrap(from_fn(request_id))
}
// ANCHOR_END: standard_middleware

async fn not_found() -> Result<actix_web::HttpResponse, Problem> {
    Err(Problem::from_status(actix_web::http::StatusCode::NOT_FOUND)
        .with_detail("No route matches this path."))
}
