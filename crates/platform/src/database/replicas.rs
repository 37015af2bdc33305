//! Read replicas: which Postgres may answer a read.
//!
//! A [`ReplicaSet`] holds the primary's pool and one pool per streaming
//! replica. A background monitor asks the primary how far it has written
//! and each replica how far it has replayed, a few times a second
//! (`freshness`), so choosing where a read goes costs no query:
//!
//! - a replica serves a read only while it is **fresh**: it holds every
//!   write older than `max_lag`, and, when the reader names one, every
//!   write up to that reader's last write ([`Lsn`]): read-your-writes;
//! - otherwise the primary does (down, promoted, too far behind, or not
//!   yet past the reader's write). The primary is always correct, only
//!   busier: falling back is the safe direction.
//!
//! No replica configured: every read goes to the primary, and the monitor
//! never runs. Explained in docs/src/data-past-one-machine.md ("Read
//! replicas and read-your-writes").

mod freshness;

pub use freshness::{BadLsn, Lsn, PrimaryHistory};

use std::{
    sync::{
        Arc, Mutex, Weak,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use diesel::sql_types::{Bool, Nullable, Text};
use diesel_async::RunQueryDsl;
use futures_util::future::BoxFuture;
use secrecy::SecretString;

use super::{DatabaseError, PgPool, build_pool, describe_pool_error};
use crate::{
    health::{DependencyCheck, Down},
    settings::DatabaseSettings,
};

/// Where one read went, and why: for metrics and for tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadSource {
    Replica,
    /// No replica is configured.
    PrimaryOnly,
    /// Replicas exist, none fresh enough (or past the reader's last write).
    PrimaryFallback,
}

impl ReadSource {
    /// The metric label: `replica`, `primary_only`, `primary_fallback`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Replica => "replica",
            Self::PrimaryOnly => "primary_only",
            Self::PrimaryFallback => "primary_fallback",
        }
    }
}

/// What the monitor last learned about one replica.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplicaState {
    /// Not asked yet (just started).
    Unknown,
    /// It did not answer, or answered with an error.
    Down(String),
    /// It answers but is not in recovery: promoted, or not a replica at all.
    /// Reading from it could show writes the primary never had.
    NotStandby,
    /// Replaying: it holds everything the primary had written at `fresh_as_of`
    /// (`None`: further behind than the monitor remembers).
    Replaying {
        replayed: Lsn,
        fresh_as_of: Option<Instant>,
    },
}

struct Replica {
    /// `host:port/database`, without the password.
    target: String,
    pool: PgPool,
    state: Mutex<ReplicaState>,
}

struct Inner {
    primary: PgPool,
    replicas: Vec<Replica>,
    max_lag: Duration,
    history: Mutex<PrimaryHistory>,
    /// Spreads reads over fresh replicas in turn.
    next: AtomicUsize,
}

/// The primary and its read replicas. Cheap to clone: a handle.
#[derive(Clone)]
pub struct ReplicaSet {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for ReplicaSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReplicaSet")
            .field("replicas", &self.report())
            .field("max_lag", &self.inner.max_lag)
            .finish()
    }
}

impl ReplicaSet {
    /// The primary alone: every read goes to it.
    pub fn primary_only(primary: PgPool) -> Self {
        Self::with_replicas(primary, Vec::new(), Duration::ZERO)
    }

    /// The primary plus a replica at each of `urls`, reached with the
    /// primary's pool settings (size, timeouts, TLS). Nothing is connected
    /// yet: a replica that is down at startup only means reads go to the
    /// primary until it is back. A malformed URL is an error.
    pub fn connect_lazily(
        primary: PgPool,
        settings: &DatabaseSettings,
        urls: &[SecretString],
        max_lag: Duration,
    ) -> Result<Self, DatabaseError> {
        let replicas = urls
            .iter()
            .map(|url| {
                let replica_settings = DatabaseSettings {
                    url: url.clone(),
                    ..settings.clone()
                };
                Ok(Replica {
                    target: replica_settings.display_target(),
                    pool: build_pool(&replica_settings)?,
                    state: Mutex::new(ReplicaState::Unknown),
                })
            })
            .collect::<Result<Vec<_>, DatabaseError>>()?;
        Ok(Self::with_replicas(primary, replicas, max_lag))
    }

    fn with_replicas(primary: PgPool, replicas: Vec<Replica>, max_lag: Duration) -> Self {
        // Twice the bound, and at least a few seconds: a replica within the
        // bound must find a sample it has passed.
        let keep = (max_lag * 2).max(Duration::from_secs(5));
        Self {
            inner: Arc::new(Inner {
                primary,
                replicas,
                max_lag,
                history: Mutex::new(PrimaryHistory::new(keep)),
                next: AtomicUsize::new(0),
            }),
        }
    }

    /// The primary: writes, and reads that must see the latest data.
    pub fn primary(&self) -> &PgPool {
        &self.inner.primary
    }

    pub fn has_replicas(&self) -> bool {
        !self.inner.replicas.is_empty()
    }

    /// How stale a replica may be and still serve reads.
    pub fn max_lag(&self) -> Duration {
        self.inner.max_lag
    }

    // ANCHOR: for_read
    /// The pool for a read that may be up to `max_lag` stale, and must see
    /// the reader's own writes up to `seen` when given: a fresh replica
    /// (in turn, when several are), else the primary.
    pub fn for_read(&self, seen: Option<Lsn>) -> (&PgPool, ReadSource) {
        let inner = &*self.inner;
        if inner.replicas.is_empty() {
            return (&inner.primary, ReadSource::PrimaryOnly);
        }
        let now = Instant::now();
        let start = inner.next.fetch_add(1, Ordering::Relaxed);
        let count = inner.replicas.len();
        for offset in 0..count {
            let replica = &inner.replicas[(start + offset) % count];
            if self.can_serve(&lock(&replica.state), seen, now) {
                return (&replica.pool, ReadSource::Replica);
            }
        }
        (&inner.primary, ReadSource::PrimaryFallback)
    }

    fn can_serve(&self, state: &ReplicaState, seen: Option<Lsn>, now: Instant) -> bool {
        let ReplicaState::Replaying {
            replayed,
            fresh_as_of: Some(fresh_as_of),
        } = *state
        else {
            return false;
        };
        let recent_enough = now.saturating_duration_since(fresh_as_of) <= self.inner.max_lag;
        let has_own_writes = seen.is_none_or(|seen| replayed >= seen);
        recent_enough && has_own_writes
    }
    // ANCHOR_END: for_read

    /// The primary's current log position: taken after a commit, every
    /// reader who waits for a replica past it sees that commit.
    pub async fn primary_position(&self) -> Result<Lsn, PositionError> {
        let mut connection = self.inner.primary.get().await?;
        let row: Position = diesel::sql_query("SELECT pg_current_wal_lsn()::text AS lsn")
            .get_result(&mut connection)
            .await?;
        Ok(row.lsn.unwrap_or_default().parse()?)
    }

    /// Each replica and what the monitor last learned about it.
    pub fn report(&self) -> Vec<(String, ReplicaState)> {
        self.inner
            .replicas
            .iter()
            .map(|replica| (replica.target.clone(), lock(&replica.state).clone()))
            .collect()
    }

    // ANCHOR: poll
    /// Asks the primary for its position, then each replica for its own,
    /// and records what they said. The monitor calls this every interval;
    /// tests call it to look at once.
    pub async fn poll(&self) {
        let inner = &*self.inner;
        let timeout = Duration::from_secs(2);
        match tokio::time::timeout(timeout, self.primary_position()).await {
            Ok(Ok(lsn)) => lock(&inner.history).record(Instant::now(), lsn),
            // Without a fresh sample replicas age: falling back is safe.
            Ok(Err(error)) => tracing::debug!(%error, "primary position unknown"),
            Err(_) => tracing::debug!("primary position: no answer"),
        }
        for replica in &inner.replicas {
            let state = match tokio::time::timeout(timeout, replay_position(&replica.pool)).await {
                Ok(Ok(Some(replayed))) => ReplicaState::Replaying {
                    replayed,
                    fresh_as_of: lock(&inner.history).fresh_as_of(replayed),
                },
                Ok(Ok(None)) => ReplicaState::NotStandby,
                Ok(Err(error)) => ReplicaState::Down(error.to_string()),
                Err(_) => ReplicaState::Down(format!("no answer within {timeout:?}")),
            };
            let mut current = lock(&replica.state);
            if std::mem::discriminant(&*current) != std::mem::discriminant(&state) {
                tracing::info!(replica = %replica.target, ?state, "read replica state changed");
            }
            *current = state;
        }
    }
    // ANCHOR_END: poll

    /// Polls every `interval` in the background, until the last handle to
    /// this set is dropped. Does nothing without replicas.
    pub fn spawn_monitor(&self, interval: Duration) {
        if !self.has_replicas() {
            return;
        }
        let weak: Weak<Inner> = Arc::downgrade(&self.inner);
        tokio::spawn(async move {
            while let Some(inner) = weak.upgrade() {
                ReplicaSet { inner }.poll().await;
                tokio::time::sleep(interval).await;
            }
        });
    }

    /// A `/health/ready` check over the replicas (optional: without them
    /// the service still answers, from the primary).
    pub fn check(&self) -> ReplicaCheck {
        ReplicaCheck { set: self.clone() }
    }
}

/// A poisoned lock only means a panic elsewhere mid-update of plain data.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[derive(diesel::QueryableByName)]
struct Position {
    #[diesel(sql_type = Nullable<Text>)]
    lsn: Option<String>,
}

#[derive(diesel::QueryableByName)]
struct Replay {
    #[diesel(sql_type = Bool)]
    standby: bool,
    #[diesel(sql_type = Nullable<Text>)]
    lsn: Option<String>,
}

/// How far a replica has replayed; `None` when it is not in recovery.
async fn replay_position(pool: &PgPool) -> Result<Option<Lsn>, PositionError> {
    let mut connection = pool.get().await?;
    let row: Replay = diesel::sql_query(
        "SELECT pg_is_in_recovery() AS standby, pg_last_wal_replay_lsn()::text AS lsn",
    )
    .get_result(&mut connection)
    .await?;
    match (row.standby, row.lsn) {
        (true, Some(lsn)) => Ok(Some(lsn.parse()?)),
        // In recovery from an archive only, or promoted: not a streaming replica.
        _ => Ok(None),
    }
}

/// Why a log position could not be read.
#[derive(Debug, thiserror::Error)]
pub enum PositionError {
    #[error("{}", describe_pool_error(.0))]
    Pool(#[from] super::PoolError),
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
    #[error(transparent)]
    Parse(#[from] BadLsn),
}

/// `/health/ready`: every configured replica fresh, or why not. Optional:
/// a stale or missing replica makes the service `degraded`, not unready.
#[derive(Debug, Clone)]
pub struct ReplicaCheck {
    set: ReplicaSet,
}

/// Why a replica cannot serve reads now.
#[derive(Debug, thiserror::Error)]
#[error("reads go to the primary; {0}")]
pub struct ReplicasUnfit(String);

impl DependencyCheck for ReplicaCheck {
    fn name(&self) -> &'static str {
        "postgres_replicas"
    }

    fn required(&self) -> bool {
        false
    }

    fn check(&self) -> BoxFuture<'_, Result<(), Down>> {
        let now = Instant::now();
        let max_lag = self.set.max_lag();
        let unfit: Vec<String> = self
            .set
            .report()
            .into_iter()
            .filter_map(|(target, state)| {
                let why = match state {
                    ReplicaState::Unknown => "not checked yet".to_owned(),
                    ReplicaState::Down(reason) => format!("down: {reason}"),
                    ReplicaState::NotStandby => "not a replica (in recovery: no)".to_owned(),
                    ReplicaState::Replaying {
                        fresh_as_of: None, ..
                    } => "further behind than the monitor's history".to_owned(),
                    ReplicaState::Replaying {
                        fresh_as_of: Some(at),
                        ..
                    } => {
                        let lag = now.saturating_duration_since(at);
                        if lag <= max_lag {
                            return None;
                        }
                        format!(
                            "{} ms behind (bound {} ms)",
                            lag.as_millis(),
                            max_lag.as_millis()
                        )
                    }
                };
                Some(format!("{target}: {why}"))
            })
            .collect();
        let outcome = if unfit.is_empty() {
            Ok(())
        } else {
            Err(ReplicasUnfit(unfit.join("; ")).into())
        };
        Box::pin(std::future::ready(outcome))
    }
}
