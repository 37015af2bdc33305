//! Leaving a load balancer's rotation before closing the door.
//!
//! A server that stops accepting the moment SIGTERM arrives fails every
//! request a balancer sends it before noticing: the balancer (the gateway's
//! health checks, a Kubernetes Service) only learns from `/health/ready`,
//! seconds later. So a service that [`server::run_until_drained`] drains in
//! this order:
//!
//! 1. shutdown trips: [`Draining`] begins, and from then on `/health/ready`
//!    answers 503 ([`Draining`] is also a required readiness check) and every
//!    response closes its connection ([`close_connections_while_draining`]),
//!    so a balancer's pooled keep-alive connections end cleanly, each after a
//!    complete response, instead of being cut later mid-request;
//! 2. it keeps serving every request for `http.drain_grace_ms`, the time a
//!    balancer needs to see the 503 and stop sending;
//! 3. only then does the listener close; requests in flight finish within
//!    `http.shutdown_timeout_secs`.
//!
//! [`server::run_until_drained`]: crate::server::run_until_drained

use actix_web::{
    Error,
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    http::ConnectionType,
    middleware::Next,
    web,
};
use futures_util::future::BoxFuture;
use tokio_util::sync::CancellationToken;

use crate::health::{DependencyCheck, Down};

/// Set once the service has begun to shut down; cloning shares it.
#[derive(Debug, Clone, Default)]
pub struct Draining {
    token: CancellationToken,
}

impl Draining {
    pub fn new() -> Self {
        Self::default()
    }

    /// From now on the service reports itself unready and closes connections.
    pub fn begin(&self) {
        self.token.cancel();
    }

    pub fn has_begun(&self) -> bool {
        self.token.is_cancelled()
    }
}

/// Why a draining service reports itself unready.
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("shutting down: finishing the requests in flight")]
pub struct ShuttingDown;

/// A required check, so a draining service is unready whatever its
/// dependencies say: balancers take it out of rotation while it still serves.
impl DependencyCheck for Draining {
    fn name(&self) -> &'static str {
        "shutdown"
    }

    fn required(&self) -> bool {
        true
    }

    fn check(&self) -> BoxFuture<'_, Result<(), Down>> {
        let outcome = if self.has_begun() {
            Err(ShuttingDown.into())
        } else {
            Ok(())
        };
        Box::pin(std::future::ready(outcome))
    }
}

// ANCHOR: close_connections_while_draining
/// Once draining has begun, every response says `Connection: close` and the
/// server closes the connection after sending it. Without this a busy
/// keep-alive connection would stay open until the shutdown timeout cut it,
/// possibly mid-request. Needs `web::Data<Draining>` (absent: a no-op).
pub async fn close_connections_while_draining(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let draining = request
        .app_data::<web::Data<Draining>>()
        .is_some_and(|draining| draining.has_begun());
    let mut response = next.call(request).await?;
    if draining {
        response
            .response_mut()
            .head_mut()
            .set_connection_type(ConnectionType::Close);
    }
    Ok(response)
}
// ANCHOR_END: close_connections_while_draining

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::{App, HttpResponse, middleware::from_fn, test};

    #[tokio::test]
    async fn the_check_fails_once_draining_has_begun() {
        let draining = Draining::new();
        assert!(draining.check().await.is_ok());
        draining.begin();
        let down = draining.check().await.expect_err("draining");
        assert!(down.is::<ShuttingDown>(), "{down}");
        assert!(draining.required());
    }

    #[actix_web::test]
    async fn responses_close_their_connection_only_while_draining() {
        let draining = Draining::new();
        let app = test::init_service(
            App::new()
                .app_data(web::Data::new(draining.clone()))
                .wrap(from_fn(close_connections_while_draining))
                .route("/", web::get().to(HttpResponse::Ok)),
        )
        .await;

        let before = test::call_service(&app, test::TestRequest::get().to_request()).await;
        draining.begin();
        let after = test::call_service(&app, test::TestRequest::get().to_request()).await;

        assert!(!closes(&before));
        assert!(closes(&after));
        assert_eq!(after.status(), 200);
    }

    fn closes<B>(response: &ServiceResponse<B>) -> bool {
        response.response().head().connection_type() == ConnectionType::Close
    }
}
