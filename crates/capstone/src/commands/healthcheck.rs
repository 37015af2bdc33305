//! `capstone healthcheck [URL]`: one HTTP GET, success on a 2xx status.
//!
//! The runtime image has no curl, wget or shell (fewer tools for an intruder,
//! fewer CVEs to patch), so the Dockerfile's `HEALTHCHECK` and compose's
//! healthchecks run this instead. It speaks just enough HTTP/1.1 to read a
//! status line, with a bound on every step: a hung service must fail the
//! check, not hang it.

use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
    time::timeout,
};

/// The whole exchange, connect to status line. Docker's default check
/// timeout is 30 s; ours answers well before it.
const CHECK_TIMEOUT: Duration = Duration::from_secs(3);

#[allow(clippy::print_stdout)] // the status is what `docker inspect` shows
pub(crate) async fn run(url: &str) -> anyhow::Result<()> {
    let target = Target::parse(url).map_err(|reason| anyhow!(reason))?;
    let status = timeout(CHECK_TIMEOUT, status_of(&target))
        .await
        .map_err(|_| anyhow!("{url}: no answer within {CHECK_TIMEOUT:?}"))?
        .with_context(|| url.to_owned())?;
    if (200..300).contains(&status) {
        println!("{url}: {status}");
        Ok(())
    } else {
        bail!("{url}: answered {status}")
    }
}

async fn status_of(target: &Target) -> std::io::Result<u16> {
    let mut stream = TcpStream::connect((target.host.as_str(), target.port)).await?;
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
        target.path, target.host
    );
    stream.write_all(request.as_bytes()).await?;
    // "HTTP/1.1 200 OK": the status line fits in the first read's worth.
    let mut head = [0u8; 64];
    let read = stream.read(&mut head).await?;
    parse_status_line(&head[..read]).ok_or_else(|| {
        std::io::Error::new(std::io::ErrorKind::InvalidData, "not an HTTP status line")
    })
}

fn parse_status_line(head: &[u8]) -> Option<u16> {
    let line = std::str::from_utf8(head).ok()?.lines().next()?;
    let mut parts = line.split(' ');
    parts
        .next()
        .filter(|version| version.starts_with("HTTP/"))?;
    parts.next()?.parse().ok()
}

/// `http://host[:port][/path]`, nothing more: no TLS, no credentials.
#[derive(Debug, PartialEq, Eq)]
struct Target {
    host: String,
    port: u16,
    path: String,
}

impl Target {
    fn parse(url: &str) -> Result<Self, String> {
        let rest = url
            .strip_prefix("http://")
            .ok_or_else(|| format!("{url}: only http:// URLs are checked"))?;
        let (authority, path) = match rest.find('/') {
            Some(slash) => rest.split_at(slash),
            None => (rest, "/"),
        };
        let (host, port) = match authority.rsplit_once(':') {
            Some((host, port)) => (
                host,
                port.parse()
                    .map_err(|_| format!("{url}: `{port}` is not a port"))?,
            ),
            None => (authority, 80),
        };
        if host.is_empty() {
            return Err(format!("{url}: no host"));
        }
        Ok(Self {
            host: host.to_owned(),
            port,
            path: path.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_splits_into_host_port_and_path() {
        assert_eq!(
            Target::parse("http://127.0.0.1:8081/health/live"),
            Ok(Target {
                host: "127.0.0.1".into(),
                port: 8081,
                path: "/health/live".into()
            })
        );
        assert_eq!(Target::parse("http://users").expect("valid").port, 80);
        assert_eq!(Target::parse("http://users").expect("valid").path, "/");
        assert!(Target::parse("https://users/health").is_err());
        assert!(Target::parse("http://users:http/").is_err());
        assert!(Target::parse("http://:80/").is_err());
    }

    #[test]
    fn the_status_comes_from_the_status_line_only() {
        assert_eq!(parse_status_line(b"HTTP/1.1 204 No Content\r\n"), Some(204));
        assert_eq!(
            parse_status_line(b"HTTP/1.0 503 Unavailable\r\n"),
            Some(503)
        );
        assert_eq!(parse_status_line(b"SSH-2.0-OpenSSH\r\n"), None);
        assert_eq!(parse_status_line(b""), None);
    }
}
