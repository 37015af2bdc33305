//! Services as separate OS processes, the way they are deployed: the real
//! `users` and `gateway` executables, configured by environment variables,
//! stopped with SIGTERM. For what only a process shows: a signal, a port
//! given back and taken again by a new process.

use std::{
    fs::File,
    path::{Path, PathBuf},
    process::{Child, Command, ExitStatus, Stdio},
    sync::OnceLock,
    time::Duration,
};

use capstone_platform::testing::eventually;

/// The executables of the `users` and `gateway` binaries.
pub struct Binaries {
    pub users: PathBuf,
    pub gateway: PathBuf,
}

// ANCHOR: binaries
/// Builds the two binaries (once per test run) with the Cargo running this
/// test, in the same profile and target directory. They belong to other
/// packages, whose executables `CARGO_BIN_EXE_*` cannot name, and a binary
/// left over from an earlier build could be stale: Cargo itself says which
/// file it produced (a no-op when nothing changed). Blocking: call it from
/// `spawn_blocking`.
pub fn binaries() -> &'static Binaries {
    static BUILT: OnceLock<Binaries> = OnceLock::new();
    BUILT.get_or_init(build_binaries)
}
// ANCHOR_END: binaries

fn build_binaries() -> Binaries {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| env!("CARGO").into());
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Cargo.toml");
    let mut build = Command::new(cargo);
    build
        .args([
            "build",
            "--bins",
            "-p",
            "capstone-users",
            "-p",
            "capstone-gateway",
        ])
        .args([
            "--message-format",
            "json-render-diagnostics",
            "--manifest-path",
        ])
        .arg(workspace)
        .stderr(Stdio::inherit());
    if !cfg!(debug_assertions) {
        build.arg("--release");
    }
    let output = build.output().expect("cargo runs");
    assert!(output.status.success(), "building users and gateway failed");
    let executable = |target: &str| -> PathBuf {
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
            .find(|message| message["target"]["name"] == target)
            .and_then(|message| message["executable"].as_str().map(PathBuf::from))
            .unwrap_or_else(|| panic!("cargo built no `{target}` executable"))
    };
    Binaries {
        users: executable("users"),
        gateway: executable("gateway"),
    }
}

/// A port nothing listens on now (the OS's pick, released at once), for a
/// process that must get the same port back when it restarts.
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("bound").port()
}

/// One running service process; killed if still running when dropped.
pub struct ServiceProcess {
    pub name: String,
    child: Child,
    log: PathBuf,
}

impl ServiceProcess {
    /// Starts `program` with `env` added to this process's environment; its
    /// output goes to `<log_dir>/<name>.log` (appended: a restart adds on).
    pub fn start(name: &str, program: &Path, env: &[(String, String)], log_dir: &Path) -> Self {
        let log = log_dir.join(format!("{name}.log"));
        let output = File::options()
            .create(true)
            .append(true)
            .open(&log)
            .expect("the log file opens");
        let child = Command::new(program)
            .envs(env.iter().map(|(key, value)| (key, value)))
            .stdin(Stdio::null())
            .stdout(output.try_clone().expect("the log file is shared"))
            .stderr(output)
            .spawn()
            .unwrap_or_else(|error| panic!("{name} starts: {error}"));
        Self {
            name: name.to_owned(),
            child,
            log,
        }
    }

    /// Sends SIGTERM, what `docker stop` and Kubernetes send. (The `kill`
    /// command: std can only SIGKILL, and this workspace has no unsafe.)
    pub fn terminate(&self) {
        let sent = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success(), "SIGTERM to {}", self.name);
    }

    /// Waits for the process to exit by itself, at most `within`.
    pub async fn exited(&mut self, within: Duration) -> ExitStatus {
        let what = format!(
            "{} to exit after SIGTERM; log: {}",
            self.name,
            self.log.display()
        );
        let child = &mut self.child;
        eventually(&what, within, || {
            std::future::ready(child.try_wait().expect("the child can be waited for"))
        })
        .await
    }

    /// Waits until `url` answers 2xx (the process started and is ready).
    pub async fn answering(&mut self, url: &str, within: Duration) {
        let client = reqwest::Client::new();
        let what = format!("{} to answer {url}; log: {}", self.name, self.log.display());
        let (name, log, child) = (&self.name, &self.log, &mut self.child);
        eventually(&what, within, || {
            // A process that died will never answer: fail now, not at the bound.
            if let Some(status) = child.try_wait().expect("the child can be waited for") {
                panic!("{name} exited ({status}); log: {}", log.display());
            }
            let answer = client.get(url).timeout(Duration::from_secs(1)).send();
            async move {
                match answer.await {
                    Ok(response) if response.status().is_success() => Ok(()),
                    Ok(response) => Err(response.status().to_string()),
                    Err(error) => Err(error.to_string()),
                }
            }
        })
        .await;
    }
}

impl Drop for ServiceProcess {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
