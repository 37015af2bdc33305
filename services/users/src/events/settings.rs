//! `[users.outbox]`: how the relay moves events from the outbox to RabbitMQ.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct OutboxSettings {
    /// Run the relay in this process. Events are always written to the
    /// outbox; with the relay off (or RabbitMQ down) they wait there.
    pub relay_enabled: bool,
    /// Most events claimed and published per transaction.
    pub batch_size: u32,
    /// Poll this often even without a NOTIFY (the fallback that catches a
    /// notification missed while the listening connection was down), ms.
    pub poll_interval_ms: u64,
    /// Sent events are kept this long (for inspection), then deleted, s.
    pub retention_secs: u64,
    /// How often to delete expired sent events, s.
    pub prune_interval_secs: u64,
}

impl Default for OutboxSettings {
    fn default() -> Self {
        Self {
            relay_enabled: true,
            batch_size: 100,
            poll_interval_ms: 1_000,
            retention_secs: 7 * 24 * 60 * 60,
            prune_interval_secs: 60 * 60,
        }
    }
}
