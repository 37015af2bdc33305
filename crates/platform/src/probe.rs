//! Reachability probes for `capstone doctor`: does each dependency answer in
//! its own protocol, not just accept a TCP connection?
//!
//! * Postgres: log in to the server, then look for the configured database.
//! * Redis: send `PING`, expect `+PONG` (or `-NOAUTH`: up, but needs a password).
//! * RabbitMQ: send the AMQP 0-9-1 protocol header, expect a `Connection.Start`
//!   method frame. A few bytes each way; no client library needed.

use std::time::Duration;

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};
use url::Url;

use crate::{
    database,
    settings::{AmqpSettings, DatabaseSettings, RedisSettings, redact},
};

/// How long each probe step may take.
const PROBE_TIMEOUT: Duration = Duration::from_secs(3);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dependency {
    Postgres,
    Redis,
    RabbitMq,
}

impl Dependency {
    pub fn label(self) -> &'static str {
        match self {
            Self::Postgres => "PostgreSQL",
            Self::Redis => "Redis",
            Self::RabbitMq => "RabbitMQ",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeOutcome {
    /// Answered as expected; the string says what was seen.
    Healthy(String),
    /// Answered, but something must be set up (a database, a password).
    NeedsSetup(String),
    /// Did not answer, or not in the expected protocol.
    Unreachable(String),
}

#[derive(Debug, Clone)]
pub struct ProbeReport {
    pub dependency: Dependency,
    /// Where we looked, without credentials.
    pub target: String,
    pub outcome: ProbeOutcome,
}

pub async fn probe_postgres(settings: &DatabaseSettings) -> ProbeReport {
    let target = settings.display_target();
    let outcome = match database::database_exists(settings).await {
        Ok(true) => ProbeOutcome::Healthy("server answered; database exists".into()),
        Ok(false) => ProbeOutcome::NeedsSetup(format!(
            "server answered, but database `{}` does not exist yet",
            settings.database_name().unwrap_or_default()
        )),
        Err(database::DatabaseError::Unreachable { reason, .. })
            if reason.contains("authentication") || reason.contains("role") =>
        {
            ProbeOutcome::NeedsSetup(format!("server answered but refused the login: {reason}"))
        }
        Err(error) => ProbeOutcome::Unreachable(error.to_string()),
    };
    ProbeReport {
        dependency: Dependency::Postgres,
        target,
        outcome,
    }
}

pub async fn probe_redis(settings: &RedisSettings) -> ProbeReport {
    probe_tcp(
        Dependency::Redis,
        settings.parsed_url().map_err(|e| e.to_string()),
        6379,
        b"*1\r\n$4\r\nPING\r\n",
        |reply| {
            if reply.starts_with(b"+PONG") {
                ProbeOutcome::Healthy("answered PING".into())
            } else if reply.starts_with(b"-NOAUTH") || reply.starts_with(b"-WRONGPASS") {
                ProbeOutcome::NeedsSetup("answered, but wants a password in REDIS_URL".into())
            } else {
                ProbeOutcome::Unreachable("something answered, but not Redis".into())
            }
        },
    )
    .await
}

pub async fn probe_rabbitmq(settings: &AmqpSettings) -> ProbeReport {
    probe_tcp(
        Dependency::RabbitMq,
        settings.parsed_url().map_err(|e| e.to_string()),
        5672,
        b"AMQP\x00\x00\x09\x01",
        |reply| match reply.first() {
            // Frame type 1 = method frame: the broker's Connection.Start.
            Some(1) => ProbeOutcome::Healthy("answered the AMQP 0-9-1 handshake".into()),
            _ => ProbeOutcome::Unreachable("something answered, but not AMQP 0-9-1".into()),
        },
    )
    .await
}

/// Connects, writes `greeting`, reads what comes back and lets `judge` decide.
async fn probe_tcp(
    dependency: Dependency,
    url: Result<Url, String>,
    default_port: u16,
    greeting: &[u8],
    judge: impl Fn(&[u8]) -> ProbeOutcome,
) -> ProbeReport {
    let url = match url {
        Ok(url) => url,
        Err(reason) => {
            return ProbeReport {
                dependency,
                target: "<invalid url>".into(),
                outcome: ProbeOutcome::NeedsSetup(reason),
            };
        }
    };
    let target = redact(&url);
    let address = format!(
        "{}:{}",
        url.host_str().unwrap_or("127.0.0.1"),
        url.port().unwrap_or(default_port)
    );
    let exchange = async {
        let mut stream = TcpStream::connect(&address).await?;
        stream.write_all(greeting).await?;
        let mut reply = [0_u8; 64];
        let read = stream.read(&mut reply).await?;
        Ok::<_, std::io::Error>(reply[..read].to_vec())
    };
    let outcome = match tokio::time::timeout(PROBE_TIMEOUT, exchange).await {
        Ok(Ok(reply)) => judge(&reply),
        Ok(Err(error)) => ProbeOutcome::Unreachable(format!("{address}: {error}")),
        Err(_) => ProbeOutcome::Unreachable(format!(
            "{address}: no answer within {} s",
            PROBE_TIMEOUT.as_secs()
        )),
    };
    ProbeReport {
        dependency,
        target,
        outcome,
    }
}
