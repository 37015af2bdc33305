//! `[users.idempotency]`: how long keys live.

use capstone_platform::ConfigError;
use serde::{Deserialize, Serialize};

/// The longest retention accepted: 30 days. A key is a client's retry
/// window, not an archive; Redis holds every response for this long.
const MAX_RETENTION_SECS: u64 = 30 * 24 * 60 * 60;

/// `[users.idempotency]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct IdempotencySettings {
    /// How long a finished request's response is replayed for its key, in
    /// seconds. After that the key is forgotten: sent again, it runs the
    /// request again.
    pub retention_secs: u64,
    /// How long a claim holds while the first request runs, in seconds:
    /// longer than any request takes (the gateway gives up after 10 s), so
    /// a retry never runs beside the first; short enough that a claim left
    /// by an instance that died mid-request frees the key soon.
    pub in_flight_ttl_secs: u64,
}

impl Default for IdempotencySettings {
    fn default() -> Self {
        Self {
            // A day, as Stripe keeps them: clients retry for minutes or
            // hours (a phone back online), not days.
            retention_secs: 24 * 60 * 60,
            in_flight_ttl_secs: 30,
        }
    }
}

impl IdempotencySettings {
    pub fn validate(&self) -> Result<(), ConfigError> {
        let (retention, in_flight) = (self.retention_secs, self.in_flight_ttl_secs);
        if in_flight == 0 || retention < in_flight || retention > MAX_RETENTION_SECS {
            return Err(ConfigError::Value {
                key: "users.idempotency.retention_secs / in_flight_ttl_secs",
                expected: "an in-flight TTL of at least 1 s, and a retention at least that long and at most 30 days",
                found: format!("{retention} / {in_flight}"),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_inverted_or_month_long_lifetimes_are_refused() {
        assert!(IdempotencySettings::default().validate().is_ok());
        for (retention_secs, in_flight_ttl_secs) in
            [(0, 0), (60, 0), (10, 30), (MAX_RETENTION_SECS + 1, 30)]
        {
            let settings = IdempotencySettings {
                retention_secs,
                in_flight_ttl_secs,
            };
            assert!(settings.validate().is_err(), "{settings:?}");
        }
    }
}
