//! Bodies pass through as streams: the gateway never holds a whole request
//! or response in memory, so a 10 MB upload costs it a few 8 KB chunks, and
//! the first byte of a large response reaches the client before the last
//! has left the upstream. The exception is a small request body (a JSON
//! PATCH): [`read_small_body`] reads it whole, so the request can be sent
//! to another instance when the first could not be reached.
//!
//! actix-web's request body is tied to its worker thread (not `Send`) while
//! the HTTP client needs a `Send` stream, so a local task pumps it through a
//! small channel. The channel's capacity is the back-pressure: a slow
//! upstream stops the pump, which stops reading from the client.

use std::{
    pin::Pin,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    task::{Context, Poll},
};

use actix_web::web::{self, Bytes};
use futures_util::{Stream, StreamExt};

use crate::balancer::InFlight;

/// Chunks buffered between the client and the upstream.
const PUMP_CAPACITY: usize = 4;

/// Set when the request body went over the limit mid-stream (a body sent
/// without `Content-Length`, or with a false one).
#[derive(Debug, Clone, Default)]
pub struct BodyTooLarge(Arc<AtomicBool>);

impl BodyTooLarge {
    pub fn happened(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

#[derive(Debug, thiserror::Error)]
enum PumpError {
    #[error("the request body is larger than {0} bytes")]
    TooLarge(usize),
    #[error("reading the request body failed: {0}")]
    Client(String),
}

// ANCHOR: stream_request_body
/// The client's body as a stream for the upstream request, cut off with an
/// error once more than `limit` bytes have come.
pub fn stream_request_body(
    mut payload: web::Payload,
    limit: usize,
) -> (reqwest::Body, BodyTooLarge) {
    let too_large = BodyTooLarge::default();
    let flag = too_large.clone();
    let (sender, receiver) = tokio::sync::mpsc::channel::<Result<Bytes, PumpError>>(PUMP_CAPACITY);
    actix_web::rt::spawn(async move {
        let mut received = 0usize;
        while let Some(chunk) = payload.next().await {
            let item = match chunk {
                Ok(bytes) => {
                    received += bytes.len();
                    if received > limit {
                        flag.0.store(true, Ordering::Relaxed);
                        Err(PumpError::TooLarge(limit))
                    } else {
                        Ok(bytes)
                    }
                }
                Err(error) => Err(PumpError::Client(error.to_string())),
            };
            let stop = item.is_err();
            // A closed channel means the upstream call is over: stop reading.
            if sender.send(item).await.is_err() || stop {
                return;
            }
        }
    });
    let stream = futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|item| (item, receiver))
    });
    (reqwest::Body::wrap_stream(stream), too_large)
}
// ANCHOR_END: stream_request_body

/// The client's body, read whole: `declared` bytes (its `Content-Length`,
/// which actix-web holds the client to), at most `limit`.
pub async fn read_small_body(
    mut payload: web::Payload,
    declared: u64,
    limit: usize,
) -> Result<Bytes, UnreadableBody> {
    let mut body =
        web::BytesMut::with_capacity(usize::try_from(declared).unwrap_or(limit).min(limit));
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|error| UnreadableBody(error.to_string()))?;
        if body.len() + chunk.len() > limit {
            return Err(UnreadableBody(format!("more than {limit} bytes")));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// The client's request body could not be read (it went away mid-body).
#[derive(Debug, thiserror::Error)]
#[error("the request body could not be read: {0}")]
pub struct UnreadableBody(String);

/// The upstream's response body on its way to the client: ends the
/// instance's in-flight count when it is done, and stops with an error past
/// `limit` bytes (the client then sees the connection cut, the only honest
/// signal once the status line has gone out).
pub struct ResponseBody<S> {
    inner: S,
    remaining: u64,
    in_flight: Option<InFlight>,
}

impl<S> std::fmt::Debug for ResponseBody<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseBody")
            .field("remaining", &self.remaining)
            .finish_non_exhaustive()
    }
}

impl<S> ResponseBody<S> {
    pub fn new(inner: S, limit: u64, in_flight: InFlight) -> Self {
        Self {
            inner,
            remaining: limit,
            in_flight: Some(in_flight),
        }
    }
}

/// The upstream's body broke off, or was larger than allowed.
#[derive(Debug, thiserror::Error)]
pub enum ResponseBodyError {
    #[error("the upstream response body is larger than the gateway passes on")]
    TooLarge,
    #[error("reading the upstream response failed: {0}")]
    Upstream(#[from] reqwest::Error),
}

impl<S> Stream for ResponseBody<S>
where
    S: Stream<Item = reqwest::Result<Bytes>> + Unpin,
{
    type Item = Result<Bytes, ResponseBodyError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let polled = Pin::new(&mut self.inner).poll_next(cx);
        match polled {
            Poll::Ready(Some(Ok(chunk))) => {
                let size = chunk.len() as u64;
                if size > self.remaining {
                    self.in_flight = None;
                    return Poll::Ready(Some(Err(ResponseBodyError::TooLarge)));
                }
                self.remaining -= size;
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Ready(Some(Err(error))) => {
                self.in_flight = None;
                Poll::Ready(Some(Err(error.into())))
            }
            Poll::Ready(None) => {
                self.in_flight = None;
                Poll::Ready(None)
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl From<ResponseBodyError> for actix_web::Error {
    fn from(error: ResponseBodyError) -> Self {
        actix_web::error::ErrorBadGateway(error)
    }
}
