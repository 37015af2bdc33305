//! The concerns the worker consumes events for: one set of queues and one
//! handler each.

use std::fmt;

/// One reason to consume events: each has its own queues and handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Concern {
    /// Emails to users (welcome, verification, password reset).
    Email,
    /// The audit trail: every user event, stored once.
    Audit,
}

impl Concern {
    /// Every concern, in the order the worker starts them.
    pub const ALL: [Concern; 2] = [Concern::Email, Concern::Audit];

    /// The name used in queue names, logs and `processed_events.consumer`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Audit => "audit",
        }
    }

    /// The routing keys (event types, `#` wildcards allowed) its work queue
    /// is bound with.
    pub fn bindings(self) -> &'static [&'static str] {
        match self {
            Self::Email => &[
                "user.registered",
                "user.registration_attempted",
                "user.email_verification_requested",
                "user.password_reset_requested",
                "user.email_change_requested",
                "user.email_changed",
            ],
            Self::Audit => &["user.#"],
        }
    }
}

impl fmt::Display for Concern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Concern {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Concern::ALL
            .into_iter()
            .find(|concern| concern.as_str() == value)
            .ok_or_else(|| format!("unknown concern `{value}` (expected email or audit)"))
    }
}
