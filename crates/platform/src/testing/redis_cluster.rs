//! A Redis Cluster of three masters, each with a replica, started by the
//! test on spare ports, for tests of the cluster client, hash slots and
//! failover.
//!
//! Six `redis-server` processes (the Debian package's binary) in cluster
//! mode, joined with `redis-cli --cluster create`, nothing on disk but their
//! `nodes.conf` in a temporary directory, all killed and removed with the
//! value. The machine's own Redis is never touched. A node is declared
//! failed after `cluster-node-timeout` (1 s here, 15 s by default), and its
//! replica is then promoted: the same failover ElastiCache runs in cluster
//! mode. `cluster-require-full-coverage no` keeps the other slots answering
//! while one master is down, as a production cluster should be set.

use std::{
    net::TcpListener,
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::Duration,
};

use uuid::Uuid;

use super::eventually;
use crate::settings::RedisSettings;

/// How long a silent node has before the others declare it failed.
const NODE_TIMEOUT_MS: u64 = 1_000;

// ANCHOR: redis_cluster
/// Three masters and three replicas; killed when dropped.
pub struct RedisCluster {
    dir: PathBuf,
    nodes: Vec<Node>,
}

struct Node {
    port: u16,
    process: Option<Child>,
}

impl RedisCluster {
    /// Starts six nodes, makes them a cluster (one replica per master), and
    /// waits until every node reports `cluster_state:ok`. Panics, with what
    /// failed, when it cannot: a fixture.
    pub async fn start() -> Self {
        let cluster = tokio::task::spawn_blocking(Self::start_blocking)
            .await
            .expect("the setup thread does not panic")
            .unwrap_or_else(|error| panic!("cannot start a Redis Cluster: {error}"));
        cluster.wait_until_ok().await;
        cluster
    }

    fn start_blocking() -> Result<Self, String> {
        let dir = std::env::temp_dir().join(format!("capstone-redis-cluster-{}", Uuid::now_v7()));
        std::fs::create_dir_all(&dir).map_err(|error| format!("mkdir: {error}"))?;
        let mut cluster = Self {
            dir,
            nodes: Vec::new(),
        };
        for _ in 0..6 {
            let port = spare_port_pair();
            let process = cluster.spawn_node(port)?;
            cluster.nodes.push(Node {
                port,
                process: Some(process),
            });
        }
        let addresses: Vec<String> = cluster
            .nodes
            .iter()
            .map(|node| format!("127.0.0.1:{}", node.port))
            .collect();
        // The nodes must be listening before they can be joined.
        for node in &cluster.nodes {
            wait_for_ping(node.port)?;
        }
        let created = Command::new("redis-cli")
            .arg("--cluster")
            .arg("create")
            .args(&addresses)
            .args(["--cluster-replicas", "1", "--cluster-yes"])
            .output()
            .map_err(|error| format!("redis-cli: {error}"))?;
        if !created.status.success() {
            return Err(format!(
                "redis-cli --cluster create: {}{}",
                String::from_utf8_lossy(&created.stdout),
                String::from_utf8_lossy(&created.stderr)
            ));
        }
        Ok(cluster)
    }
    // ANCHOR_END: redis_cluster

    fn spawn_node(&self, port: u16) -> Result<Child, String> {
        let config = self.dir.join(format!("nodes-{port}.conf"));
        Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--cluster-enabled", "yes"])
            .args(["--cluster-config-file", &config.to_string_lossy()])
            .args(["--cluster-node-timeout", &NODE_TIMEOUT_MS.to_string()])
            .args(["--cluster-require-full-coverage", "no"])
            // A replica promotes itself however long ago it last heard from
            // its master: in a test, data age is not the point.
            .args(["--cluster-replica-validity-factor", "0"])
            .args(["--dir", &self.dir.to_string_lossy()])
            .args(["--save", "", "--appendonly", "no", "--protected-mode", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|error| format!("redis-server (install the redis-server package): {error}"))
    }

    /// Settings for the services: a seed node, cluster mode, and a key
    /// prefix of the test's own.
    pub fn settings(&self) -> RedisSettings {
        RedisSettings {
            url: format!("redis://127.0.0.1:{}", self.nodes[0].port).into(),
            key_prefix: format!("capstone-test-{}", Uuid::now_v7()),
            cluster: true,
            ..RedisSettings::default()
        }
    }

    /// Kills (SIGKILL) the master that owns `key`'s hash slot, as if its
    /// machine died, and waits until its replica has taken the slot over
    /// and the cluster is whole again. Returns the dead node's port.
    pub async fn fail_master_of(&mut self, key: &str) -> u16 {
        let dead = self.kill_master_of(key);
        self.wait_for_failover(key, dead).await;
        dead
    }

    /// Kills the master of `key`'s slot and returns at once (its slots are
    /// unserved until a replica is promoted: about two node timeouts).
    ///
    /// Redis replicates asynchronously, so a master that dies can take its
    /// last writes with it (a rate budget comes back a little looser, a
    /// deleted key a little earlier: the cluster's own trade-off). Tests
    /// count exactly, so the kill waits until a replica has replayed every
    /// write the master took.
    pub fn kill_master_of(&mut self, key: &str) -> u16 {
        let owner = self.master_of_key(key);
        wait_for_a_replica_to_catch_up(owner);
        let node = self
            .nodes
            .iter_mut()
            .find(|node| node.port == owner)
            .expect("the owner is one of ours");
        if let Some(mut process) = node.process.take() {
            let _ = process.kill();
            let _ = process.wait();
        }
        owner
    }

    /// Until a master other than `dead` serves `key`'s slot and every live
    /// node reports the cluster whole.
    pub async fn wait_for_failover(&self, key: &str, dead: u16) {
        let slot = self.slot_of(key);
        eventually(
            "a replica to take over the dead master's slot",
            Duration::from_secs(30),
            || async {
                match self.master_of_checked(slot) {
                    Some(port) if port != dead => Ok(()),
                    other => Err(format!("slot {slot} owned by {other:?}")),
                }
            },
        )
        .await;
        self.wait_until_ok().await;
    }

    /// The port of the master that serves `key` now.
    pub fn master_of_key(&self, key: &str) -> u16 {
        self.master_of(self.slot_of(key))
    }

    fn slot_of(&self, key: &str) -> u16 {
        redis_cli(self.live_port(), &["CLUSTER", "KEYSLOT", key])
            .trim()
            .parse()
            .expect("CLUSTER KEYSLOT answers a number")
    }

    /// The port of the master serving `slot`, per a live node.
    fn master_of(&self, slot: u16) -> u16 {
        self.master_of_checked(slot)
            .unwrap_or_else(|| panic!("no master serves slot {slot}"))
    }

    fn master_of_checked(&self, slot: u16) -> Option<u16> {
        // CLUSTER NODES: `id host:port@bus flags master - ping pong epoch
        // state slot-ranges...`; a failed master is flagged `fail`.
        let nodes = redis_cli(self.live_port(), &["CLUSTER", "NODES"]);
        nodes.lines().find_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let flags = *fields.get(2)?;
            if !flags.contains("master") || flags.contains("fail") {
                return None;
            }
            let serves = fields.iter().skip(8).any(|range| {
                let mut ends = range.split('-');
                let start = ends.next().and_then(|s| s.parse::<u16>().ok());
                let end = ends.next().and_then(|s| s.parse::<u16>().ok()).or(start);
                matches!((start, end), (Some(start), Some(end)) if (start..=end).contains(&slot))
            });
            let port = fields.get(1)?.split(['@', ':']).nth(1)?.parse().ok()?;
            serves.then_some(port)
        })
    }

    fn live_port(&self) -> u16 {
        self.nodes
            .iter()
            .find(|node| node.process.is_some())
            .map(|node| node.port)
            .expect("a live node")
    }

    /// Until every live node reports `cluster_state:ok`, and every live
    /// replica has synced with its master (a replica that never synced
    /// cannot take over).
    async fn wait_until_ok(&self) {
        eventually(
            "the cluster state to be ok",
            Duration::from_secs(30),
            || async {
                for node in self.nodes.iter().filter(|node| node.process.is_some()) {
                    let info = redis_cli(node.port, &["CLUSTER", "INFO"]);
                    if !info.contains("cluster_state:ok") {
                        return Err(format!(
                            "node {}: {}",
                            node.port,
                            info.lines().next().unwrap_or("")
                        ));
                    }
                    let replication = redis_cli(node.port, &["INFO", "replication"]);
                    if replication.contains("role:slave")
                        && !replication.contains("master_link_status:up")
                    {
                        return Err(format!("replica {} not synced", node.port));
                    }
                }
                Ok(())
            },
        )
        .await;
    }
}

impl Drop for RedisCluster {
    fn drop(&mut self) {
        for node in &mut self.nodes {
            if let Some(mut process) = node.process.take() {
                let _ = process.kill();
                let _ = process.wait();
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl std::fmt::Debug for RedisCluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ports: Vec<u16> = self.nodes.iter().map(|node| node.port).collect();
        f.debug_struct("RedisCluster")
            .field("ports", &ports)
            .field("dir", &self.dir)
            .finish()
    }
}

/// `redis-cli -p port args…`'s output (empty when it fails).
fn redis_cli(port: u16, args: &[&str]) -> String {
    Command::new("redis-cli")
        .args(["-p", &port.to_string()])
        .args(args)
        .output()
        .map(|output| String::from_utf8_lossy(&output.stdout).into_owned())
        .unwrap_or_default()
}

/// Until one of `master`'s replicas has replayed as far as the master has
/// written. (`WAIT` cannot say: it counts only its own connection's
/// writes.) Blocking, briefly: the replica is on loopback.
fn wait_for_a_replica_to_catch_up(master: u16) {
    let field = |info: &str, name: &str| -> Option<u64> {
        info.lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix(':'))
            .and_then(|value| value.trim().parse().ok())
    };
    let replication = redis_cli(master, &["INFO", "replication"]);
    let written = field(&replication, "master_repl_offset").expect("the master's offset");
    // `slave0:ip=127.0.0.1,port=7001,state=online,offset=…,lag=0`
    let replicas: Vec<u16> = replication
        .lines()
        .filter(|line| line.starts_with("slave"))
        .filter_map(|line| line.split(',').find_map(|part| part.strip_prefix("port=")))
        .filter_map(|port| port.parse().ok())
        .collect();
    let mut replayed = Vec::new();
    for _ in 0..250 {
        replayed = replicas
            .iter()
            .map(|&replica| {
                field(
                    &redis_cli(replica, &["INFO", "replication"]),
                    "slave_repl_offset",
                )
                .unwrap_or(0)
            })
            .collect();
        if replayed.iter().any(|&offset| offset >= written) {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("no replica of {master} reached offset {written}: {replicas:?} at {replayed:?}");
}

fn wait_for_ping(port: u16) -> Result<(), String> {
    for _ in 0..100 {
        if redis_cli(port, &["PING"]).trim() == "PONG" {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Err(format!("redis-server on {port} did not answer PING"))
}

/// A spare port whose cluster bus port (the port + 10000) is spare too.
fn spare_port_pair() -> u16 {
    loop {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .map(|address| address.port())
            .expect("a spare port on 127.0.0.1");
        if port < 55_000 && TcpListener::bind(("127.0.0.1", port + 10_000)).is_ok() {
            return port;
        }
    }
}

#[cfg(test)]
mod tests;
