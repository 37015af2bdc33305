//! The floor under answers that must not tell who has an account.

use std::time::{Duration, Instant};

// ANCHOR: uniform_response
/// `users.auth.uniform_response_ms`: the earliest moment the use cases that
/// must not tell who has an account (register, forgot password) may answer.
#[derive(Debug, Clone, Copy)]
pub struct UniformResponse(pub Duration);

impl UniformResponse {
    /// Waits until the floor has passed since `started` (at once if the
    /// work took longer: then the difference is noise in a slow answer).
    pub async fn wait_from(&self, started: Instant) {
        tokio::time::sleep_until((started + self.0).into()).await;
    }
}
// ANCHOR_END: uniform_response
