//! A client span per Redis command (OpenTelemetry's database conventions),
//! at the one place every command passes: the connection [`LazyRedis::run`]
//! hands to callers.
//!
//! Callers keep writing `connection.get(…)`, `script.invoke_async(…)` or
//! `redis::cmd(…).query_async(…)`: they all end in
//! [`ConnectionLike::req_packed_command`], which this wrapper times. The span
//! names the command (`GET`, `EVALSHA`…) and the database index, never a key
//! or a value: keys carry user ids and emails, values carry cached users.
//!
//! [`LazyRedis::run`]: super::LazyRedis::run

use redis::{Cmd, Pipeline, RedisFuture, Value, aio::ConnectionLike};
use tracing::{Instrument as _, Level, Span, field::Empty};

use super::RedisConnection;

/// A Redis connection whose every command is a client span.
#[derive(Clone)]
pub struct TracedConnection {
    inner: RedisConnection,
}

impl std::fmt::Debug for TracedConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TracedConnection").finish_non_exhaustive()
    }
}

impl TracedConnection {
    pub(crate) fn new(inner: RedisConnection) -> Self {
        Self { inner }
    }
}

impl ConnectionLike for TracedConnection {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        let span = command_span(command_name(cmd), self.inner.get_db(), None);
        let sent = self.inner.req_packed_command(cmd);
        Box::pin(finish(span, sent))
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        let span = command_span(Some("PIPELINE"), self.inner.get_db(), Some(count));
        let sent = self.inner.req_packed_commands(pipeline, offset, count);
        Box::pin(finish(span, sent))
    }

    fn get_db(&self) -> i64 {
        self.inner.get_db()
    }
}

// ANCHOR: command_span
/// The span of one command, or a disabled one when there is no traced work
/// to attach it to (a background PING would be a trace of its own, every
/// few seconds, saying nothing) or spans at this level are off.
fn command_span(command: Option<&str>, database: i64, batch_size: Option<usize>) -> Span {
    if !tracing::span_enabled!(Level::INFO) || Span::current().is_none() {
        return Span::none();
    }
    tracing::info_span!(
        "redis",
        otel.name = command.unwrap_or("redis"),
        otel.kind = "client",
        otel.status_code = Empty,
        db.system.name = "redis",
        db.namespace = database,
        db.operation.name = command,
        db.operation.batch.size = batch_size,
        error.type = Empty,
    )
}
// ANCHOR_END: command_span

async fn finish<T>(span: Span, sent: RedisFuture<'_, T>) -> redis::RedisResult<T> {
    let result = sent.instrument(span.clone()).await;
    if let Err(error) = &result {
        span.record("otel.status_code", "ERROR");
        span.record("error.type", error_type(error));
    }
    result
}

/// The command's name, only if it looks like one (letters, and the dot of
/// module commands such as `JSON.GET`): the first argument of a command
/// built by hand could be anything, and a span must not carry it.
fn command_name(cmd: &Cmd) -> Option<&str> {
    let redis::Arg::Simple(first) = cmd.args_iter().next()? else {
        return None;
    };
    let looks_like_a_command = !first.is_empty()
        && first.len() <= 32
        && first
            .iter()
            .all(|byte| byte.is_ascii_alphabetic() || *byte == b'.' || *byte == b'_');
    looks_like_a_command
        .then(|| std::str::from_utf8(first).ok())
        .flatten()
}

/// A class of failure, never the message (a server error can quote a key).
fn error_type(error: &redis::RedisError) -> &'static str {
    if error.is_timeout() {
        "timeout"
    } else if error.is_io_error() || error.is_connection_dropped() {
        "connection"
    } else if error.kind() == redis::ErrorKind::Server(redis::ServerErrorKind::NoScript) {
        "noscript"
    } else {
        "server"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_name_is_the_first_argument() {
        let mut get = redis::cmd("GET");
        get.arg("capstone:user:0193");
        assert_eq!(command_name(&get), Some("GET"));
        assert_eq!(command_name(&redis::cmd("JSON.GET")), Some("JSON.GET"));
    }

    #[test]
    fn a_first_argument_that_is_not_a_command_is_not_recorded() {
        assert_eq!(command_name(&redis::cmd("ada@example.com")), None);
        assert_eq!(command_name(&redis::cmd("x".repeat(40).as_str())), None);
        assert_eq!(command_name(&redis::Cmd::new()), None);
    }
}
