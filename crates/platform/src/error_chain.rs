//! An error as one line: its message, then each cause below it.
//!
//! Many drivers put only the outermost layer in `Display` ("error performing
//! TLS handshake") and the reason an operator needs in the causes
//! (`invalid peer certificate: UnknownIssuer`). Wherever an error becomes
//! text for a person (a log field, a health report, a problem's internal
//! cause) it goes through here, so no cause is dropped on the way.

use std::error::Error;

/// `outer: cause: root cause`.
pub fn with_causes(error: &dyn Error) -> String {
    let mut message = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        message.push_str(": ");
        message.push_str(&inner.to_string());
        cause = inner.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("connecting to postgres")]
    struct Outer(#[source] std::io::Error);

    #[test]
    fn every_cause_is_appended_outermost_first() {
        let error = Outer(std::io::Error::other("connection refused"));
        assert_eq!(
            with_causes(&error),
            "connecting to postgres: connection refused"
        );
    }

    #[test]
    fn an_error_without_causes_is_its_message() {
        assert_eq!(with_causes(&std::io::Error::other("refused")), "refused");
    }
}
