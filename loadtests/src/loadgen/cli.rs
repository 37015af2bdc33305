//! `loadgen`'s command line.

use std::{path::PathBuf, time::Duration};

use clap::{Parser, ValueEnum};

use crate::schedule::parse_rate;

/// An HTTP/1.1 load generator: N keep-alive connections, closed loop (each
/// connection sends as soon as it has its answer) or open loop (`--rate`:
/// a fixed schedule, latency counted from each request's due time).
/// Prints one JSON object; exits 0 even when requests failed.
#[derive(Debug, Clone, Parser)]
#[command(name = "loadgen", version)]
pub struct Args {
    // The help texts spell the placeholder out: clap renders a literal
    // `{n}` in help as a line break.
    /// `http://host:port/path?query`. The placeholder `n` in curly braces
    /// becomes a number unique across the run.
    #[arg(long)]
    pub url: String,
    #[arg(long, value_enum, default_value_t = HttpMethod::Get, ignore_case = true)]
    pub method: HttpMethod,
    /// A request header, `Name: value` (repeatable).
    #[arg(long = "header", value_name = "NAME: VALUE")]
    pub headers: Vec<String>,
    /// The request body. The placeholder (`n` in curly braces) becomes the
    /// same number as in the URL, e.g. unique emails for registrations.
    #[arg(long)]
    pub body: Option<String>,
    /// Access tokens, one per line: each request carries one as
    /// `Authorization: Bearer` (replacing any `--header` of that name),
    /// each in turn unless `--token-sequence` says otherwise.
    #[arg(long, value_name = "FILE")]
    pub tokens: Option<PathBuf>,
    /// Indices into `--tokens` (whitespace-separated): request i carries
    /// token sequence[i mod len], i being its place in the open-loop
    /// schedule, so two runs send the same callers in the same order.
    #[arg(long, value_name = "FILE")]
    pub token_sequence: Option<PathBuf>,
    /// Persistent connections (simulated clients).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub connections: u32,
    /// Seconds measured, after the warmup.
    #[arg(long, value_name = "SECS", value_parser = positive_seconds)]
    pub duration: f64,
    /// Seconds of load sent before the measured part and not recorded: pools
    /// fill and caches warm before anything counts.
    #[arg(long, value_name = "SECS", default_value_t = 0.0, value_parser = seconds)]
    pub warmup: f64,
    /// Requests per second on a fixed schedule (open loop); closed loop without it.
    #[arg(long, value_name = "REQ_PER_SEC", value_parser = parse_rate)]
    pub rate: Option<f64>,
    /// Per-request timeout; a request that takes longer is a transport error.
    #[arg(long, value_name = "SECS", default_value_t = 10.0, value_parser = positive_seconds)]
    pub timeout: f64,
    /// Runtime threads; without it one thread, leaving the cores to the server.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub threads: Option<u32>,
    /// Where to write the JSON report (standard output without it).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

impl Args {
    pub fn warmup(&self) -> Duration {
        Duration::from_secs_f64(self.warmup)
    }

    pub fn duration(&self) -> Duration {
        Duration::from_secs_f64(self.duration)
    }

    pub fn timeout(&self) -> Duration {
        Duration::from_secs_f64(self.timeout)
    }

    /// The tokio runtime `--threads` asks for.
    pub fn runtime(&self) -> std::io::Result<tokio::runtime::Runtime> {
        match self.threads {
            None => tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build(),
            Some(threads) => tokio::runtime::Builder::new_multi_thread()
                .worker_threads(threads as usize)
                .enable_all()
                .build(),
        }
    }
}

/// The methods the services' APIs use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "UPPER")]
pub enum HttpMethod {
    Get,
    Post,
    Patch,
    Put,
    Delete,
}

impl From<HttpMethod> for hyper::Method {
    fn from(method: HttpMethod) -> Self {
        match method {
            HttpMethod::Get => Self::GET,
            HttpMethod::Post => Self::POST,
            HttpMethod::Patch => Self::PATCH,
            HttpMethod::Put => Self::PUT,
            HttpMethod::Delete => Self::DELETE,
        }
    }
}

fn seconds(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(value) if value.is_finite() && value >= 0.0 => Ok(value),
        _ => Err(format!("`{text}` is not a number of seconds >= 0")),
    }
}

fn positive_seconds(text: &str) -> Result<f64, String> {
    seconds(text).and_then(|value| {
        (value > 0.0)
            .then_some(value)
            .ok_or_else(|| format!("`{text}` must be more than 0 seconds"))
    })
}
