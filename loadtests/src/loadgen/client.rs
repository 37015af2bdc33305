//! The loop each connection task runs until the run's end: closed loop (send
//! when the previous answer is in) or open loop (send when the schedule says).

use std::{sync::Arc, time::Instant};

use crate::schedule::Schedule;

use super::{connection::Connection, request_plan::RequestPlan, tally::Tally};

/// When recording starts and sending stops.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Window {
    /// Requests started before this are warmup: sent, not recorded.
    pub(crate) measure_from: Instant,
    /// No request starts at or after this; those in flight are awaited.
    pub(crate) end: Instant,
}

/// Closed loop: the next request goes out as soon as the previous answer is
/// in, so a slow server lowers the rate it is offered. The latency is the
/// plain round trip.
pub(crate) async fn closed_loop(
    mut connection: Connection,
    plan: Arc<RequestPlan>,
    window: Window,
) -> Tally {
    let mut tally = Tally::default();
    while Instant::now() < window.end {
        let request = plan.next_request(None);
        let sent = Instant::now();
        let outcome = connection.send(request).await;
        if sent >= window.measure_from {
            tally.count(outcome, sent.elapsed());
        }
    }
    tally.connects = connection.connects;
    tally
}

/// Open loop: this connection takes the next due request from the shared
/// schedule whenever it is free. When every connection is busy, due requests
/// wait (the backlog) and their latency keeps growing from their due time,
/// which is how a real client population would experience the server.
pub(crate) async fn open_loop(
    mut connection: Connection,
    plan: Arc<RequestPlan>,
    window: Window,
    schedule: Arc<Schedule>,
) -> Tally {
    let mut tally = Tally::default();
    while Instant::now() < window.end {
        let Some(index) = schedule.claim() else {
            break;
        };
        let start = schedule.wait_for_turn(index).await;
        let outcome = connection.send(plan.next_request(Some(index))).await;
        if schedule.due(index) >= window.measure_from {
            tally.count(outcome, start.elapsed());
        }
    }
    tally.connects = connection.connects;
    tally
}
