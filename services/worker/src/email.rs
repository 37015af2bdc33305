//! Emails: the welcome, verification and password-reset emails that user
//! events cause.
//!
//! [`Mailer::compose`] renders an event into a multipart (text and HTML)
//! email, or `None` for events that send none; [`Mailer::send`] delivers it
//! to one of two sinks, chosen by [`EmailSettings::sink`]:
//!
//! - **file**, the default: `{directory}/{event id}.eml`. Development and
//!   tests need no mail server, and a test reads exactly what was "sent".
//! - **smtp**: a real SMTP server, Mailpit in compose (whose web UI shows
//!   every email) or a relay in production, over STARTTLS or TLS
//!   (`worker.email.smtp.tls`).
//!
//! Delivery is at least once, not exactly once: a crash between sending an
//! email and recording the event as handled sends it again on redelivery.
//! The event id is therefore the email's Message-ID
//! (`<{event id}@capstone.local>`), so receiving systems can drop the
//! duplicate, and the file sink overwrites its own earlier file.
//!
//! | file | role |
//! |---|---|
//! | `settings` | `[worker.email]`: sink, sender, link base URL, SMTP server |
//! | `templates` | what each email says, as text and HTML |
//! | `message` | MIME: headers, Message-ID, unwrapped 7bit/8bit bodies |
//! | `mailer` | [`Mailer`] and [`EmailError`] (transient or permanent) |
//! | `file_sink`, `smtp_sink` | the two ways out |

mod file_sink;
mod mailer;
mod message;
mod settings;
mod smtp_sink;
#[cfg(test)]
mod smtp_test_server;
#[cfg(test)]
mod smtp_tls_tests;
mod templates;

pub use mailer::{EmailError, Mailer};
pub use settings::{EmailSettings, EmailSinkKind, SmtpSettings, SmtpTls};
