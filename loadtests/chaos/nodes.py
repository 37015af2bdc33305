"""Private RabbitMQ and Redis nodes: the broker and cache the suite may kill.

Never the machine's own: each node here listens on a spare port, keeps its
data in the run's temporary directory, and is killed with SIGKILL (no
goodbye, as a crashed host or an OOM kill would do it) and started again on
the same port with the same data.

RabbitMQ: Debian's `rabbitmq-server` with its node name, ports and
directories moved by environment variables (the machine's config file binds
5672, so ours brings its own). The script runs the node as the `rabbitmq`
user, so the data directory belongs to that user. Its Erlang VM (`beam.smp`)
is found by the node name in its environment, and killed.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from harness.processes import free_port


def wait_for_port(port: int, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{what} did not listen on {port} within {seconds} s")


def _pids_with_environment(entry: str) -> list[int]:
    """Processes whose environment holds `entry` (NAME=value)."""
    needle = entry.encode() + b"\0"
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if needle in (proc / "environ").read_bytes():
                found.append(int(proc.name))
        except OSError:
            continue
    return found


class PrivateRabbit:
    """A RabbitMQ node of our own: `start`, `kill`, `start` again."""

    def __init__(self, run_dir: Path):
        self.port = free_port()
        self.node = f"capstone_chaos_{os.getpid()}@localhost"
        self.dir = run_dir / "rabbitmq"
        self.dir.mkdir()
        (self.dir / "rabbitmq.conf").write_text(
            f"listeners.tcp.default = {self.port}\n"
            # guest may log in over the proxy (the proxy's address is loopback
            # too, but say it plainly).
            "loopback_users = none\n"
        )
        (self.dir / "enabled_plugins").write_text("[].\n")
        shutil.chown(self.dir, "rabbitmq", "rabbitmq")
        for child in self.dir.iterdir():
            shutil.chown(child, "rabbitmq", "rabbitmq")
        self.dir.chmod(0o755)
        run_dir.chmod(0o755)
        self.log = run_dir / "rabbitmq.out"
        self._popen: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/%2f"

    def start(self) -> None:
        environment = {
            **os.environ,
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(free_port()),
            "RABBITMQ_MNESIA_BASE": str(self.dir / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.dir / "log"),
            "RABBITMQ_CONFIG_FILE": str(self.dir / "rabbitmq"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.dir / "enabled_plugins"),
        }
        with self.log.open("ab") as output:
            self._popen = subprocess.Popen(
                ["rabbitmq-server"], env=environment, stdout=output,
                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
            )
        wait_for_port(self.port, 90, "the private RabbitMQ node")

    def kill(self) -> None:
        """SIGKILL to the node's VM: no flush, no goodbye to clients."""
        for pid in _pids_with_environment(f"RABBITMQ_NODENAME={self.node}"):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self._popen is not None:
            try:
                self._popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                pass
        # Wait until the port is free, so a restart does not race the old VM.
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    time.sleep(0.2)
            except OSError:
                return

    def queues(self) -> dict[str, dict[str, int | str]]:
        """name -> {ready, unacked, type}, as the node reports them."""
        listed = subprocess.run(
            ["rabbitmqctl", "-n", self.node, "-q", "list_queues", "--no-table-headers",
             "name", "messages_ready", "messages_unacknowledged", "type"],
            check=True, capture_output=True, text=True, timeout=60,
        ).stdout
        queues = {}
        for line in listed.splitlines():
            fields = line.split("\t")
            if len(fields) == 4 and fields[1].isdigit():
                queues[fields[0]] = {
                    "ready": int(fields[1]), "unacked": int(fields[2]), "type": fields[3],
                }
        return queues


class PrivateRedis:
    """A Redis of our own (the users service's cache, rate and throttle state)."""

    def __init__(self, run_dir: Path):
        self.port = free_port()
        self.log = run_dir / "redis.out"
        self._popen: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    def start(self) -> None:
        with self.log.open("ab") as output:
            self._popen = subprocess.Popen(
                ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                 "--save", "", "--appendonly", "no"],
                stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            )
        wait_for_port(self.port, 30, "the private Redis")

    def kill(self) -> None:
        if self._popen is not None and self._popen.poll() is None:
            self._popen.kill()
            self._popen.wait()
