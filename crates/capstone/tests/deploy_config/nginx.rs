//! A private nginx and a stand-in for the gateway, for `edge_paths`: the
//! real edge software, run from a temporary directory with its own
//! configuration, pid and logs (never a system nginx), and a listener that
//! records each request line that reaches it. Both stop when dropped.

use std::{
    io::{ErrorKind, Read, Write},
    net::{TcpListener, TcpStream},
    path::PathBuf,
    process::{Child, Command, Stdio},
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    thread::{self, JoinHandle},
    time::{Duration, Instant},
};

/// A private nginx: its own prefix, config, pid and logs in a temporary
/// directory; one process (master_process off), so killing it leaves
/// nothing behind. A system nginx, if any, is never touched.
pub(crate) struct Nginx {
    child: Child,
    prefix: PathBuf,
    port: u16,
}

impl Nginx {
    pub(crate) fn start(name: &str, http_block: impl FnOnce(u16) -> String) -> Nginx {
        let prefix =
            std::env::temp_dir().join(format!("capstone-edge-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&prefix);
        std::fs::create_dir_all(&prefix).expect("a temporary directory");
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let dir = prefix.display();
        let conf = format!(
            "master_process off;\npid {dir}/nginx.pid;\nerror_log {dir}/error.log;\nevents {{ worker_connections 64; }}\n\
             http {{\naccess_log off;\nclient_body_temp_path {dir}/body;\nproxy_temp_path {dir}/proxy;\n\
             fastcgi_temp_path {dir}/fastcgi;\nuwsgi_temp_path {dir}/uwsgi;\nscgi_temp_path {dir}/scgi;\n{}\n}}\n",
            http_block(port)
        );
        let conf_path = prefix.join("nginx.conf");
        std::fs::write(&conf_path, conf).expect("write nginx.conf");
        let child = Command::new(nginx_binary())
            .arg("-c")
            .arg(&conf_path)
            .arg("-p")
            .arg(&prefix)
            .arg("-e")
            .arg(prefix.join("error.log"))
            .args(["-g", "daemon off;"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nginx starts");
        let mut nginx = Nginx {
            child,
            prefix,
            port,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            let exited = nginx.child.try_wait().expect("nginx's status").is_some();
            if exited || Instant::now() > deadline {
                let log =
                    std::fs::read_to_string(nginx.prefix.join("error.log")).unwrap_or_default();
                panic!("nginx ({name}) did not start:\n{log}");
            }
            thread::sleep(Duration::from_millis(20));
        }
        nginx
    }

    /// The status nginx answers to a raw `GET <target>`.
    pub(crate) fn get(&self, target: &str) -> u16 {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("connect to nginx");
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .expect("a read timeout");
        write!(
            stream,
            "GET {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
        )
        .expect("send");
        let mut response = Vec::new();
        let _ = stream.read_to_end(&mut response);
        let response = String::from_utf8_lossy(&response);
        let status = response.split_whitespace().nth(1).unwrap_or_default();
        status
            .parse()
            .unwrap_or_else(|_| panic!("{target}: no status in {response:?}"))
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.prefix);
    }
}

/// nginx from the PATH, or where Debian and Homebrew put it.
fn nginx_binary() -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/usr/local/sbin", "/usr/local/bin", "/opt/homebrew/bin"].map(PathBuf::from))
        .map(|directory| directory.join("nginx"))
        .find(|candidate| candidate.is_file())
        .expect("no nginx binary: `bash scripts/test-tools.sh` (Debian: nginx-light) or `brew install nginx`")
}

/// The gateway's stand-in: records each request line, answers 200.
pub(crate) struct Upstream {
    pub(crate) port: u16,
    pub(crate) seen: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Upstream {
    pub(crate) fn start() -> Upstream {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the upstream");
        listener.set_nonblocking(true).expect("non-blocking accept");
        let port = listener.local_addr().expect("an address").port();
        let (seen, stop) = (
            Arc::new(Mutex::new(Vec::new())),
            Arc::new(AtomicBool::new(false)),
        );
        let (record, stopped) = (Arc::clone(&seen), Arc::clone(&stop));
        // Polls, so that Drop can stop it without a connection of its own.
        let thread = thread::spawn(move || {
            while !stopped.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => answer(stream, &record),
                    Err(error) if error.kind() == ErrorKind::WouldBlock => {
                        thread::sleep(Duration::from_millis(5))
                    }
                    Err(error) => panic!("upstream accept: {error}"),
                }
            }
        });
        Upstream {
            port,
            seen,
            stop,
            thread: Some(thread),
        }
    }
}

fn answer(mut stream: TcpStream, seen: &Mutex<Vec<String>>) {
    stream.set_nonblocking(false).expect("blocking reads");
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("a read timeout");
    let mut request = Vec::new();
    let mut buffer = [0; 4096];
    while !request.windows(4).any(|window| window == b"\r\n\r\n") {
        match stream.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(read) => request.extend_from_slice(&buffer[..read]),
        }
    }
    let line = String::from_utf8_lossy(&request)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned();
    seen.lock().expect("not poisoned").push(line);
    let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
}

impl Drop for Upstream {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
