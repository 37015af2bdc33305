//! The span each request runs in: tracing-actix-web's HTTP fields (method,
//! route template, status, and later the OpenTelemetry trace id) plus our
//! request id, so every log line inside a request can be found by that id.

use actix_web::{
    Error, HttpMessage,
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
};
use tracing::Span;
use tracing_actix_web::{DefaultRootSpanBuilder, RootSpanBuilder};

use super::RequestId;

#[derive(Debug, Clone, Copy)]
pub struct CapstoneRootSpan;

impl RootSpanBuilder for CapstoneRootSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let request_id = request
            .extensions()
            .get::<RequestId>()
            .map(ToString::to_string)
            .unwrap_or_default();
        tracing_actix_web::root_span!(request, request_id = %request_id)
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}
