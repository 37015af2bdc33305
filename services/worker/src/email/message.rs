//! A rendered email wrapped in MIME: headers, and a multipart/alternative
//! body with the text part first (clients show the last part they can).

use std::time::SystemTime;

use capstone_contracts::events::Envelope;
use lettre::{
    Address, Message,
    message::{
        Body, Mailbox, MultiPart, SinglePart,
        header::{ContentTransferEncoding, ContentType},
    },
};

use super::{mailer::EmailError, templates::RenderedEmail};

/// RFC 5322's limit on a line, without its CRLF.
const MAX_LINE_LENGTH: usize = 998;

/// The domain of every Message-ID this worker writes.
const MESSAGE_ID_DOMAIN: &str = "capstone.local";

/// The Message-ID for the email an event causes. Derived from the event id,
/// so a redelivered event produces the same id and a receiving system can
/// drop the duplicate.
pub(super) fn message_id(envelope: &Envelope) -> String {
    format!("<{}@{MESSAGE_ID_DOMAIN}>", envelope.id)
}

/// Builds the message. A recipient address that does not parse is
/// [`EmailError::Permanent`]: the same event will never have a better one.
pub(super) fn build(
    from: &Mailbox,
    envelope: &Envelope,
    email: RenderedEmail,
) -> Result<Message, EmailError> {
    let address: Address = email.to_address.parse().map_err(|error| {
        EmailError::Permanent(format!("the recipient address does not parse: {error}"))
    })?;
    let to = Mailbox::new(Some(email.to_name), address);
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(email.subject)
        .message_id(Some(message_id(envelope)))
        // When it happened, not when (re)sent: a redelivery yields the same email.
        .date(SystemTime::from(envelope.occurred_at))
        .multipart(
            MultiPart::alternative()
                .singlepart(part(ContentType::TEXT_PLAIN, &email.text))
                .singlepart(part(ContentType::TEXT_HTML, &email.html)),
        )
        .map_err(|error| EmailError::Permanent(format!("the email cannot be built: {error}")))
}

fn part(content_type: ContentType, content: &str) -> SinglePart {
    SinglePart::builder()
        .header(content_type)
        .body(unwrapped_body(content))
}

/// The body as 7bit (ASCII) or 8bit (UTF-8) text: lines stay as written.
///
/// Left to itself, lettre picks quoted-printable for any line of 76
/// characters or more, which splits a ~300-character link over several
/// lines with `=` at their ends: people copying it from the raw text, and
/// tests reading the file sink's `.eml`, would get a broken link. 7bit and
/// 8bit only require lines under 998 characters and CRLF line ends, which
/// this checks and ensures. (8bit needs the server's 8BITMIME, which lettre
/// negotiates; every current server, Mailpit included, has it.)
fn unwrapped_body(content: &str) -> Body {
    let crlf = crlf_line_ends(content);
    let lines_fit = crlf.split("\r\n").all(|line| line.len() <= MAX_LINE_LENGTH);
    if !lines_fit || crlf.contains('\0') {
        // Cannot happen with our templates; lettre's own choice is still a
        // valid email, just with a wrapped link.
        return Body::new(content.to_owned());
    }
    let encoding = if crlf.is_ascii() {
        ContentTransferEncoding::SevenBit
    } else {
        ContentTransferEncoding::EightBit
    };
    Body::dangerous_pre_encoded(crlf.into_bytes(), encoding)
}

/// Every line end (`\n`, `\r` or `\r\n`) as `\r\n`, as MIME requires.
fn crlf_line_ends(content: &str) -> String {
    let unix = content.replace("\r\n", "\n").replace('\r', "\n");
    unix.replace('\n', "\r\n")
}

#[cfg(test)]
mod tests {
    use super::super::templates::{
        self,
        tests::{BASE, registered, token},
    };
    use super::*;

    fn formatted(display_name: &str) -> (Envelope, String) {
        let envelope = Envelope::new(registered(display_name));
        let email = templates::render(&envelope.event, templates::tests::links(BASE))
            .expect("renders")
            .expect("an email");
        let from: Mailbox = "Capstone <no-reply@capstone.local>"
            .parse()
            .expect("mailbox");
        let message = build(&from, &envelope, email).expect("builds");
        let raw = String::from_utf8(message.formatted()).expect("utf-8");
        (envelope, raw)
    }

    #[test]
    fn the_raw_message_has_the_whole_link_on_one_line_in_both_parts() {
        let (_, raw) = formatted("Ada");
        let link = format!("{BASE}/verify-email?token={}", token());
        assert!(raw.split("\r\n").any(|line| line == link), "{raw}");
        assert!(raw.contains(&format!("href=\"{link}\"")), "{raw}");
        assert!(raw.contains("Content-Transfer-Encoding: 7bit"), "{raw}");
        assert!(!raw.contains("quoted-printable"), "{raw}");
    }

    #[test]
    fn a_non_ascii_name_is_sent_as_8bit_and_the_link_still_stays_whole() {
        let (_, raw) = formatted("Zoë Ångström");
        let link = format!("{BASE}/verify-email?token={}", token());
        assert!(raw.split("\r\n").any(|line| line == link), "{raw}");
        assert!(raw.contains("Content-Transfer-Encoding: 8bit"), "{raw}");
        assert!(raw.contains("Hi Zoë Ångström,"), "{raw}");
    }

    #[test]
    fn the_message_id_is_the_event_id() {
        let (envelope, raw) = formatted("Ada");
        assert!(
            raw.contains(&format!("Message-ID: <{}@capstone.local>", envelope.id)),
            "{raw}"
        );
        assert!(raw.contains("multipart/alternative"), "{raw}");
    }

    #[test]
    fn line_ends_become_crlf() {
        assert_eq!(crlf_line_ends("a\nb\r\nc\rd"), "a\r\nb\r\nc\r\nd");
    }
}
