//! A Postgres primary and a streaming replica of it, started by the test
//! on spare ports, for tests of replica reads and failover.
//!
//! The machine's own Postgres is never touched: both servers are new
//! clusters in a temporary directory, made with the Debian packages'
//! programs (`initdb`, `pg_basebackup -R`, `pg_ctl`), and removed with the
//! value. The replica follows the primary over the replication protocol,
//! exactly as an RDS read replica or a `hot_standby` server would, so lag,
//! replay positions (LSNs) and a replica going away are the real thing.
//!
//! `initdb` refuses to run as root; as root, each program runs as the
//! `postgres` user (`runuser`), which the Debian package creates.

use std::{
    fmt,
    net::TcpListener,
    path::{Path, PathBuf},
    process::Command,
    time::Duration,
};

use uuid::Uuid;

use secrecy::ExposeSecret as _;

use super::eventually;
use crate::settings::DatabaseSettings;

/// Where the server programs are: `CAPSTONE_PG_BINDIR`, or the newest
/// `/usr/lib/postgresql/<version>/bin` (Debian keeps them off `PATH`).
fn bin_dir() -> Result<PathBuf, ReplicaSetupError> {
    if let Some(dir) = std::env::var_os("CAPSTONE_PG_BINDIR") {
        return Ok(PathBuf::from(dir));
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .map_err(|error| ReplicaSetupError::NoServerPrograms(error.to_string()))?
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse().ok()?;
            Some((version, entry.path().join("bin")))
        })
        .filter(|(_, bin)| bin.join("initdb").exists())
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin).ok_or_else(|| {
        ReplicaSetupError::NoServerPrograms("no /usr/lib/postgresql/*/bin/initdb".into())
    })
}

/// Setting up the pair failed: which step, and what it printed.
#[derive(Debug, thiserror::Error)]
pub enum ReplicaSetupError {
    #[error(
        "PostgreSQL's server programs not found ({0}); install the postgresql package or set CAPSTONE_PG_BINDIR"
    )]
    NoServerPrograms(String),
    #[error("{step} failed: {output}")]
    Step { step: String, output: String },
}

// ANCHOR: replicated_postgres
/// A primary and its streaming replica, each on its own spare port; both
/// stopped and their files removed when this is dropped.
pub struct ReplicatedPostgres {
    dir: PathBuf,
    bin: PathBuf,
    primary: Node,
    replica: Node,
}

/// One server of the pair.
#[derive(Debug, Clone)]
struct Node {
    data: PathBuf,
    port: u16,
}

impl ReplicatedPostgres {
    /// Makes the primary (`initdb`, started), copies it into a replica
    /// (`pg_basebackup -R`: the copy plus the settings that make it
    /// follow), starts that, and waits until it streams. Panics, with
    /// what the failing program printed, when a step fails: a fixture.
    pub async fn start() -> Self {
        let pair = tokio::task::spawn_blocking(Self::start_blocking)
            .await
            .expect("the setup thread does not panic")
            .unwrap_or_else(|error| panic!("cannot start a Postgres primary and replica: {error}"));
        pair.wait_until_streaming().await;
        pair
    }

    fn start_blocking() -> Result<Self, ReplicaSetupError> {
        let bin = bin_dir()?;
        let dir = std::env::temp_dir().join(format!("capstone-pg-pair-{}", Uuid::now_v7()));
        std::fs::create_dir_all(&dir).map_err(|error| step_error("mkdir", error))?;
        give_to_postgres(&dir)?;
        let pair = Self {
            primary: Node {
                data: dir.join("primary"),
                port: spare_port(),
            },
            replica: Node {
                data: dir.join("replica"),
                port: spare_port(),
            },
            dir,
            bin,
        };
        let primary = pair.primary.clone();
        pair.run(
            "initdb",
            &[
                "-D",
                path(&primary.data),
                "-U",
                "postgres",
                "--auth=trust",
                "--no-sync",
            ],
        )?;
        // fsync off: a test's data needs no crash safety, and it makes the
        // pair start several times faster. synchronous_commit stays on, as
        // in production: after a commit, pg_current_wal_lsn() is past it,
        // which is what read-your-writes compares replicas against. The
        // socket lives in our own directory, not /var/run/postgresql.
        let settings = format!(
            "port = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{dir}'\n\
             wal_level = replica\nmax_wal_senders = 4\nhot_standby = on\nfsync = off\n\
             full_page_writes = off\nshared_buffers = 16MB\n",
            port = primary.port,
            dir = pair.dir.display(),
        );
        append(&primary.data.join("postgresql.conf"), &settings)?;
        pair.pg_ctl_start(&primary)?;

        let replica = pair.replica.clone();
        let primary_port = primary.port.to_string();
        pair.run(
            "pg_basebackup",
            &[
                "-h",
                "127.0.0.1",
                "-p",
                &primary_port,
                "-U",
                "postgres",
                "-D",
                path(&replica.data),
                "-R",
                "-X",
                "stream",
                "-c",
                "fast",
                "--no-sync",
            ],
        )?;
        append(
            &replica.data.join("postgresql.conf"),
            &format!("port = {}\n", replica.port),
        )?;
        pair.pg_ctl_start(&replica)?;
        Ok(pair)
    }
    // ANCHOR_END: replicated_postgres

    /// Settings for `database` on the primary (`postgres` is always there).
    pub fn primary(&self, database: &str) -> DatabaseSettings {
        settings(self.primary.port, database)
    }

    /// Settings for `database` on the replica: it has whatever the primary
    /// has, once replayed, and refuses writes.
    pub fn replica(&self, database: &str) -> DatabaseSettings {
        settings(self.replica.port, database)
    }

    /// Stops the replica at once (`immediate`: as if its machine died).
    pub fn stop_replica(&self) {
        self.pg_ctl_stop(&self.replica)
            .unwrap_or_else(|error| panic!("cannot stop the replica: {error}"));
    }

    /// Starts the replica again; it catches up from where it stopped.
    pub async fn start_replica(&self) {
        let (bin, dir, replica) = (self.bin.clone(), self.dir.clone(), self.replica.clone());
        tokio::task::spawn_blocking(move || pg_ctl_start_in(&bin, &dir, &replica))
            .await
            .expect("the setup thread does not panic")
            .unwrap_or_else(|error| panic!("cannot start the replica again: {error}"));
        self.wait_until_streaming().await;
    }

    /// Until the primary lists a replica in `pg_stat_replication` as
    /// streaming (panics, naming what it saw, after 30 s).
    async fn wait_until_streaming(&self) {
        let primary = self.primary("postgres");
        eventually(
            "the replica streaming from the primary",
            Duration::from_secs(30),
            || async {
                let client = connect(&primary).await?;
                let rows = client
                    .query(
                        "SELECT 1 FROM pg_stat_replication WHERE state = 'streaming'",
                        &[],
                    )
                    .await?;
                Ok::<bool, tokio_postgres::Error>(!rows.is_empty())
            },
        )
        .await;
    }

    fn pg_ctl_start(&self, node: &Node) -> Result<(), ReplicaSetupError> {
        pg_ctl_start_in(&self.bin, &self.dir, node)
    }

    fn pg_ctl_stop(&self, node: &Node) -> Result<(), ReplicaSetupError> {
        run_in(
            &self.bin,
            "pg_ctl",
            &["-D", path(&node.data), "-m", "immediate", "-w", "stop"],
        )
    }

    fn run(&self, program: &str, args: &[&str]) -> Result<(), ReplicaSetupError> {
        run_in(&self.bin, program, args)
    }
}

impl Drop for ReplicatedPostgres {
    fn drop(&mut self) {
        for node in [&self.replica, &self.primary] {
            // Already stopped (a test stopped the replica) is fine.
            let _ = self.pg_ctl_stop(node);
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl fmt::Debug for ReplicatedPostgres {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReplicatedPostgres")
            .field("primary_port", &self.primary.port)
            .field("replica_port", &self.replica.port)
            .field("dir", &self.dir)
            .finish()
    }
}

fn pg_ctl_start_in(bin: &Path, dir: &Path, node: &Node) -> Result<(), ReplicaSetupError> {
    let log = dir.join(format!("{}.log", node.port));
    run_in(
        bin,
        "pg_ctl",
        &[
            "-D",
            path(&node.data),
            "-l",
            path(&log),
            "-w",
            "-t",
            "60",
            "start",
        ],
    )
}

/// Runs one of the server programs, as `postgres` when we are root.
fn run_in(bin: &Path, program: &str, args: &[&str]) -> Result<(), ReplicaSetupError> {
    let program_path = bin.join(program);
    let mut command = if is_root() {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(&program_path);
        command
    } else {
        Command::new(&program_path)
    };
    let output = command
        .args(args)
        // Not the machine server's socket or environment.
        .env_remove("PGHOST")
        .env_remove("PGPORT")
        .env_remove("PGDATA")
        .current_dir(std::env::temp_dir())
        .output()
        .map_err(|error| step_error(program, error))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(ReplicaSetupError::Step {
            step: format!("{program} {}", args.join(" ")),
            output: format!(
                "{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ),
        })
    }
}

fn is_root() -> bool {
    // The effective user's id as `id -u` prints it (no libc call needed),
    // asked once per process.
    static IS_ROOT: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *IS_ROOT.get_or_init(|| {
        Command::new("id")
            .arg("-u")
            .output()
            .map(|output| output.stdout.trim_ascii() == b"0")
            .unwrap_or(false)
    })
}

/// As root, the directory must belong to `postgres` for the servers to
/// write in it.
fn give_to_postgres(dir: &Path) -> Result<(), ReplicaSetupError> {
    if !is_root() {
        return Ok(());
    }
    let status = Command::new("chown")
        .args(["postgres:postgres", path(dir)])
        .status()
        .map_err(|error| step_error("chown", error))?;
    if status.success() {
        Ok(())
    } else {
        Err(ReplicaSetupError::Step {
            step: "chown postgres".into(),
            output: status.to_string(),
        })
    }
}

fn append(file: &Path, text: &str) -> Result<(), ReplicaSetupError> {
    use std::io::Write as _;
    std::fs::OpenOptions::new()
        .append(true)
        .open(file)
        .and_then(|mut handle| handle.write_all(text.as_bytes()))
        .map_err(|error| step_error(&format!("append to {}", file.display()), error))
}

/// A port nobody listens on now (the kernel's choice; released at once,
/// so another process could take it first: rare, and the start fails
/// loudly if it does).
fn spare_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a spare port on 127.0.0.1")
}

fn settings(port: u16, database: &str) -> DatabaseSettings {
    DatabaseSettings {
        url: format!("postgres://postgres@127.0.0.1:{port}/{database}").into(),
        ..DatabaseSettings::default()
    }
}

/// A plain client (no pool) for `settings`, its connection driven on the
/// test's runtime.
pub async fn connect(
    settings: &DatabaseSettings,
) -> Result<tokio_postgres::Client, tokio_postgres::Error> {
    let (client, connection) =
        tokio_postgres::connect(settings.url.expose_secret(), tokio_postgres::NoTls).await?;
    tokio::spawn(connection);
    Ok(client)
}

fn path(path: &Path) -> &str {
    path.to_str().expect("temporary paths are UTF-8")
}

fn step_error(step: &str, error: impl fmt::Display) -> ReplicaSetupError {
    ReplicaSetupError::Step {
        step: step.to_owned(),
        output: error.to_string(),
    }
}

#[cfg(test)]
mod tests;
