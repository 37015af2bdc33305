//! Health endpoints, the way orchestrators (Kubernetes, compose) use them.
//!
//! * `GET /health/live`: the process is up and serving HTTP. Never touches a
//!   dependency: a database outage must not get every instance restarted.
//! * `GET /health/ready`: each dependency answered within a timeout. 200 when
//!   every *required* one did (status `ready`, or `degraded` if an optional one
//!   did not), 503 when a required one did not, with a per-dependency report so
//!   the response itself says what is down.
//!
//! Services register one [`DependencyCheck`] per dependency in a [`Readiness`].

use std::{collections::BTreeMap, sync::Arc, time::Duration};

use actix_web::{HttpResponse, web};
use futures_util::future::{BoxFuture, join_all};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error_chain::with_causes;

// ANCHOR: down
/// Why a dependency is down: any error. A check returns the dependency's own
/// error (a pool error, a Redis error, [`NoAnswer`]…) and the report shows
/// its message followed by its causes, so nothing an operator needs is
/// flattened away on the way to `/health/ready`.
pub type Down = Box<dyn std::error::Error + Send + Sync>;

/// The check did not finish within the readiness timeout.
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("no answer within {} ms", .0.as_millis())]
pub struct NoAnswer(pub Duration);
// ANCHOR_END: down

/// Something a service needs, that can be asked whether it is there.
pub trait DependencyCheck: Send + Sync {
    /// Shown in the report, e.g. `postgres`.
    fn name(&self) -> &'static str;
    /// Required dependencies make the service unready when down; optional
    /// ones (a cache) only make it `degraded`.
    fn required(&self) -> bool;
    /// `Err` says why it is down.
    fn check(&self) -> BoxFuture<'_, Result<(), Down>>;
}

/// The checks a service runs for `/health/ready`.
#[derive(Clone)]
pub struct Readiness {
    checks: Vec<Arc<dyn DependencyCheck>>,
    timeout: Duration,
}

impl std::fmt::Debug for Readiness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<_> = self.checks.iter().map(|check| check.name()).collect();
        f.debug_struct("Readiness")
            .field("checks", &names)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// Overall readiness.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReadinessStatus {
    Ready,
    Degraded,
    Unavailable,
}

/// One dependency's result.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CheckReport {
    /// `up` or `down`.
    pub status: CheckStatus,
    pub required: bool,
    /// How long the check took, in milliseconds.
    pub latency_ms: u64,
    /// Why it is down.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum CheckStatus {
    Up,
    Down,
}

/// The body of `/health/ready`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "status": "unavailable",
    "checks": {"postgres": {"status": "down", "required": true, "latency_ms": 3000,
                            "error": "no answer within 3000 ms"}}
}))]
pub struct HealthReport {
    pub status: ReadinessStatus,
    pub checks: BTreeMap<&'static str, CheckReport>,
}

/// The body of `/health/live`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"status": "live"}))]
pub struct Liveness {
    pub status: &'static str,
}

impl Readiness {
    /// No checks yet; each check gets at most `timeout`.
    pub fn new(timeout: Duration) -> Self {
        Self {
            checks: Vec::new(),
            timeout,
        }
    }

    pub fn with_check(mut self, check: impl DependencyCheck + 'static) -> Self {
        self.checks.push(Arc::new(check));
        self
    }

    // ANCHOR: readiness_report
    /// Runs every check concurrently, each bounded by the timeout, so one
    /// hanging dependency cannot make the probe itself hang.
    pub async fn report(&self) -> HealthReport {
        let runs = self.checks.iter().map(|check| async move {
            let started = std::time::Instant::now();
            let outcome = match tokio::time::timeout(self.timeout, check.check()).await {
                Ok(result) => result,
                Err(_) => Err(NoAnswer(self.timeout).into()),
            };
            let report = CheckReport {
                status: if outcome.is_ok() {
                    CheckStatus::Up
                } else {
                    CheckStatus::Down
                },
                required: check.required(),
                latency_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
                error: outcome.err().map(|down| with_causes(&*down)),
            };
            (check.name(), report)
        });
        let checks: BTreeMap<_, _> = join_all(runs).await.into_iter().collect();

        let down = |required: bool| {
            checks
                .values()
                .any(|c| c.required == required && c.status == CheckStatus::Down)
        };
        let status = if down(true) {
            ReadinessStatus::Unavailable
        } else if down(false) {
            ReadinessStatus::Degraded
        } else {
            ReadinessStatus::Ready
        };
        HealthReport { status, checks }
    }
    // ANCHOR_END: readiness_report
}

/// Registers `/health/live` and `/health/ready`. Needs `web::Data<Readiness>`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    // Resources, not bare routes: another method is a 405 with `Allow`.
    cfg.service(web::resource("/health/live").route(web::get().to(live)))
        .service(web::resource("/health/ready").route(web::get().to(ready)));
}

/// Liveness: the process serves HTTP.
#[utoipa::path(
    get, path = "/health/live", tag = "health",
    responses((status = 200, description = "The process is up", body = Liveness))
)]
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(Liveness { status: "live" })
}

/// Readiness: every required dependency answers.
#[utoipa::path(
    get, path = "/health/ready", tag = "health",
    responses(
        (status = 200, description = "Ready (or degraded: an optional dependency is down)", body = HealthReport),
        (status = 503, description = "A required dependency is down", body = HealthReport),
    )
)]
pub async fn ready(readiness: web::Data<Readiness>) -> HttpResponse {
    let report = readiness.report().await;
    if report.status == ReadinessStatus::Unavailable {
        HttpResponse::ServiceUnavailable().json(report)
    } else {
        HttpResponse::Ok().json(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed {
        name: &'static str,
        required: bool,
        outcome: Option<Result<(), &'static str>>, // None: never answers
    }

    impl DependencyCheck for Fixed {
        fn name(&self) -> &'static str {
            self.name
        }
        fn required(&self) -> bool {
            self.required
        }
        fn check(&self) -> BoxFuture<'_, Result<(), Down>> {
            Box::pin(async move {
                match self.outcome {
                    Some(outcome) => outcome.map_err(Down::from),
                    None => std::future::pending().await,
                }
            })
        }
    }

    fn check(
        name: &'static str,
        required: bool,
        outcome: Option<Result<(), &'static str>>,
    ) -> Fixed {
        Fixed {
            name,
            required,
            outcome,
        }
    }

    #[tokio::test]
    async fn all_up_is_ready() {
        let readiness = Readiness::new(Duration::from_millis(50))
            .with_check(check("postgres", true, Some(Ok(()))))
            .with_check(check("redis", false, Some(Ok(()))));
        assert_eq!(readiness.report().await.status, ReadinessStatus::Ready);
    }

    #[tokio::test]
    async fn an_optional_dependency_down_is_degraded_and_named() {
        let readiness = Readiness::new(Duration::from_millis(50))
            .with_check(check("postgres", true, Some(Ok(()))))
            .with_check(check("redis", false, Some(Err("refused"))));
        let report = readiness.report().await;
        assert_eq!(report.status, ReadinessStatus::Degraded);
        assert_eq!(report.checks["redis"].status, CheckStatus::Down);
        assert_eq!(report.checks["redis"].error.as_deref(), Some("refused"));
    }

    #[tokio::test]
    async fn a_hanging_required_dependency_times_out_as_unavailable() {
        let readiness =
            Readiness::new(Duration::from_millis(20)).with_check(check("postgres", true, None));
        let report = readiness.report().await;
        assert_eq!(report.status, ReadinessStatus::Unavailable);
        assert!(
            report.checks["postgres"]
                .error
                .as_deref()
                .is_some_and(|e| e.contains("no answer"))
        );
    }
}
