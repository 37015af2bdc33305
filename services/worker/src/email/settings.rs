//! The email settings (`[worker.email]`): where emails go and what they say
//! about their sender and links.
//!
//! ```toml
//! [worker.email]                      # CAPSTONE_WORKER__EMAIL__SINK=smtp …
//! sink = "smtp"                       # or "file" (the default): .eml files
//! link_base_url = "https://app.example.com"
//! [worker.email.smtp]
//! host = "mailpit"
//! port = 1025
//! tls = "none"                        # or "starttls" (587), "tls" (465)
//! ```

use std::path::PathBuf;

use capstone_platform::ConfigError;
use lettre::message::Mailbox;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use url::Url;

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct EmailSettings {
    /// Where emails go: `.eml` files (no mail server needed) or SMTP.
    pub sink: EmailSinkKind,
    /// The file sink's directory; created at startup if missing.
    pub directory: PathBuf,
    /// The `From` mailbox, `Name <address>` or a bare address.
    pub from: String,
    /// Where the web pages that take the link tokens live. Emails link to
    /// `{link_base_url}/verify-email?token=…` and `…/reset-password?token=…`.
    pub link_base_url: String,
    /// The SMTP server (`[worker.email.smtp]`), used when `sink = "smtp"`.
    pub smtp: SmtpSettings,
}

impl Default for EmailSettings {
    fn default() -> Self {
        Self {
            // Files by default: `cargo run` on a laptop needs no mail server,
            // and a developer can open the result in any mail client.
            sink: EmailSinkKind::File,
            directory: PathBuf::from("target/emails"),
            from: "Capstone <no-reply@capstone.local>".into(),
            link_base_url: "http://localhost:8080".into(),
            smtp: SmtpSettings::default(),
        }
    }
}

/// Where composed emails are delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EmailSinkKind {
    /// One `{event id}.eml` file per email in `directory`.
    File,
    /// An SMTP server (Mailpit in compose, a relay in production).
    Smtp,
}

/// An SMTP server: Mailpit in compose (plain SMTP, the default), or a relay
/// in production over TLS.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmtpSettings {
    /// Also the name the server's certificate must carry, with TLS.
    pub host: String,
    pub port: u16,
    /// Plain, STARTTLS, or TLS from the first byte; see [`SmtpTls`].
    pub tls: SmtpTls,
    /// PEM file of CA certificates trusted besides Mozilla's roots, for a
    /// relay with a private CA (`tls` other than `none` only).
    pub tls_ca_file: Option<PathBuf>,
    /// Log in with these when both are set; Mailpit needs none.
    pub username: Option<String>,
    #[serde(serialize_with = "capstone_platform::settings::expose_optional_secret")]
    pub password: Option<SecretString>,
    /// Longest time for one email's whole SMTP exchange, connect included, ms.
    pub timeout_ms: u64,
}

impl Default for SmtpSettings {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".into(),
            // Mailpit's SMTP port.
            port: 1025,
            tls: SmtpTls::None,
            tls_ca_file: None,
            username: None,
            password: None,
            timeout_ms: 5_000,
        }
    }
}

/// How the SMTP connection is protected. With TLS the certificate is
/// verified against `host` (rustls with ring, Mozilla's roots plus
/// `tls_ca_file`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain SMTP: Mailpit inside compose, which speaks no TLS. Password and
    /// emails cross the network readable.
    #[default]
    None,
    /// Plain connect, then STARTTLS before anything else (port 587). A
    /// server that does not offer it is refused: never the "opportunistic"
    /// mode, which a man in the middle defeats by hiding the offer.
    Starttls,
    /// TLS from the first byte (SMTPS, port 465).
    Tls,
}

impl EmailSettings {
    /// Checks at startup what would otherwise fail at the first email, or
    /// worse, send emails with broken links.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.from.parse::<Mailbox>().is_err() {
            return Err(ConfigError::Value {
                key: "worker.email.from",
                expected: "a mailbox like `Capstone <no-reply@example.com>` or `no-reply@example.com`",
                found: self.from.clone(),
            });
        }
        if !is_link_base(&self.link_base_url) {
            return Err(ConfigError::Value {
                key: "worker.email.link_base_url",
                expected: "an http(s) URL like https://app.example.com (no query or fragment)",
                found: self.link_base_url.clone(),
            });
        }
        self.smtp.validate()
    }
}

impl SmtpSettings {
    fn validate(&self) -> Result<(), ConfigError> {
        if self.host.trim().is_empty() {
            return Err(ConfigError::Value {
                key: "worker.email.smtp.host",
                expected: "a host name or IP address",
                found: "an empty value".into(),
            });
        }
        if self.port == 0 {
            return Err(ConfigError::Value {
                key: "worker.email.smtp.port",
                expected: "a port from 1 to 65535 (Mailpit listens on 1025)",
                found: "0".into(),
            });
        }
        if self.timeout_ms == 0 {
            return Err(ConfigError::Value {
                key: "worker.email.smtp.timeout_ms",
                expected: "a positive number of milliseconds",
                found: "0".into(),
            });
        }
        capstone_platform::tls::validate_ca_file(
            self.tls_ca_file.as_deref(),
            self.tls != SmtpTls::None,
            "worker.email.smtp.tls_ca_file",
            "unset unless worker.email.smtp.tls is starttls or tls",
        )?;
        // One without the other is a half-finished edit: sending without
        // logging in would fail at the first email with a confusing 530.
        match (&self.username, &self.password) {
            (Some(_), None) => Err(ConfigError::Value {
                key: "worker.email.smtp.password",
                expected: "set whenever `worker.email.smtp.username` is",
                found: "no password".into(),
            }),
            (None, Some(_)) => Err(ConfigError::Value {
                key: "worker.email.smtp.username",
                expected: "set whenever `worker.email.smtp.password` is",
                found: "no user name".into(),
            }),
            _ => Ok(()),
        }
    }
}

/// An http(s) URL with a host that a path can be appended to.
fn is_link_base(value: &str) -> bool {
    Url::parse(value).is_ok_and(|url| {
        matches!(url.scheme(), "http" | "https")
            && url.host_str().is_some()
            && url.query().is_none()
            && url.fragment().is_none()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_valid() {
        EmailSettings::default()
            .validate()
            .expect("defaults validate");
    }

    #[test]
    fn a_from_that_is_not_a_mailbox_is_rejected_with_its_key() {
        let settings = EmailSettings {
            from: "Capstone no-reply at capstone".into(),
            ..EmailSettings::default()
        };
        let message = settings.validate().expect_err("bad from").to_string();
        assert!(message.contains("worker.email.from"), "{message}");
    }

    #[test]
    fn a_link_base_url_that_is_not_http_is_rejected_with_its_key() {
        for value in [
            "ftp://example.com",
            "localhost:8080",
            "https://example.com/?a=b",
        ] {
            let settings = EmailSettings {
                link_base_url: value.into(),
                ..EmailSettings::default()
            };
            let message = settings.validate().expect_err(value).to_string();
            assert!(message.contains("worker.email.link_base_url"), "{message}");
        }
    }

    #[test]
    fn port_zero_is_rejected_with_its_key() {
        let mut settings = EmailSettings::default();
        settings.smtp.port = 0;
        let message = settings.validate().expect_err("port 0").to_string();
        assert!(message.contains("worker.email.smtp.port"), "{message}");
    }

    #[test]
    fn tls_is_read_in_lower_case_and_defaults_to_none() {
        let settings: SmtpSettings =
            serde_json::from_str(r#"{"tls": "starttls"}"#).expect("parses");

        assert_eq!(settings.tls, SmtpTls::Starttls);
        assert_eq!(SmtpSettings::default().tls, SmtpTls::None);
    }

    #[test]
    fn a_tls_ca_file_that_does_not_exist_is_rejected_with_its_key() {
        let mut settings = EmailSettings::default();
        settings.smtp.tls = SmtpTls::Tls;
        settings.smtp.tls_ca_file = Some("/nonexistent/relay-ca.pem".into());

        let message = settings.validate().expect_err("missing file").to_string();

        assert!(
            message.contains("worker.email.smtp.tls_ca_file"),
            "{message}"
        );
        assert!(message.contains("/nonexistent/relay-ca.pem"), "{message}");
    }

    #[test]
    fn a_tls_ca_file_without_tls_is_rejected() {
        let mut settings = EmailSettings::default();
        settings.smtp.tls_ca_file = Some("/etc/ssl/certs/relay-ca.pem".into());

        let message = settings.validate().expect_err("plain SMTP").to_string();

        assert!(
            message.contains("worker.email.smtp.tls_ca_file"),
            "{message}"
        );
    }

    #[test]
    fn a_user_name_without_a_password_is_rejected() {
        let mut settings = EmailSettings::default();
        settings.smtp.username = Some("mailer".into());
        let message = settings.validate().expect_err("no password").to_string();
        assert!(message.contains("worker.email.smtp.password"), "{message}");
    }
}
