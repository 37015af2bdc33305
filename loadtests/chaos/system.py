"""The system the chaos suite breaks: every part a separate process.

    rabbitmq   a private node (nodes.PrivateRabbit), killable
    redis      a private Redis for the users service (nodes.PrivateRedis), killable
    amqp proxy both services reach RabbitMQ through it: the network cut
    db proxy   the worker reaches its Postgres database through it: the database outage
    users      the users service (release build) and, inside it, the outbox relay
    worker     the worker (release build): the audit trail and the emails

Postgres itself is the machine's (its databases are this run's own, dropped
at the end); the suite never stops it, it cuts the worker's way to it.
The worker retries after 0.5 s, 1 s and 2 s: an outage longer than 3.5 s
that spent retries would dead-letter every message it touched, so the suite
notices at once if infrastructure failures start spending retries again.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from harness.processes import Process, free_port
from harness.system import POSTGRES, psql

from .nodes import PrivateRabbit, PrivateRedis
from .proxy import CuttableProxy

AMQP_PREFIX = "chaos"
RETRY_DELAYS_MS = "[500, 1000, 2000]"


class Service:
    """One of our binaries, started and stopped (or killed) many times.
    Its log file is appended to, so one file tells every life's story."""

    def __init__(self, name: str, binary: Path, env: dict[str, str], run_dir: Path):
        self.name = name
        self.binary = binary
        self.port = free_port()
        self.env = env
        self.log = run_dir / f"{name}.log"
        self.process: Process | None = None
        self.starts = 0

    def url(self, path: str = "") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self, ready_path: str = "/health/ready", seconds: float = 90) -> None:
        with self.log.open("ab") as output:
            popen = subprocess.Popen(
                [str(self.binary)],
                env={**os.environ, **self.env},
                stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            )
        self.process = Process(self.name, popen, self.log)
        self.starts += 1
        self.process.wait_until_answering(self.url(ready_path), seconds)

    def kill(self) -> None:
        """SIGKILL: no drain, no flush; what was in flight is abandoned."""
        if self.process and self.process.popen.poll() is None:
            self.process.popen.send_signal(signal.SIGKILL)
            self.process.popen.wait()

    def stop(self) -> None:
        if self.process:
            self.process.stop()


class ChaosSystem:
    def __init__(self, binaries: Path):
        self.name = f"capstone_chaos_{os.getpid()}"
        self.run_dir = Path(tempfile.mkdtemp(prefix="capstone-chaos-"))
        self.rabbit = PrivateRabbit(self.run_dir)
        self.redis = PrivateRedis(self.run_dir)
        self.amqp_proxy = CuttableProxy(self.rabbit.port)
        self.db_proxy = CuttableProxy(5432)
        self.emails = self.run_dir / "emails"
        common = {
            "CAPSTONE_AMQP__URL": f"amqp://guest:guest@127.0.0.1:{self.amqp_proxy.port}/%2f",
            "CAPSTONE_AMQP__PREFIX": AMQP_PREFIX,
            "CAPSTONE_REDIS__URL": self.redis.url,
            "CAPSTONE_REDIS__KEY_PREFIX": self.name,
            "CAPSTONE_TELEMETRY__LOG_FORMAT": "json",
        }
        self.users = Service("users", binaries / "users", {
            **common,
            "DATABASE_URL": f"{POSTGRES}/{self.name}",
            # Clients re-login after a restart (the development signing key is
            # made at start): the throttle must not count those as an attack.
            "CAPSTONE_USERS__AUTH__LOGIN_THROTTLE__MAX_FAILURES_PER_ACCOUNT": "1000000",
            "CAPSTONE_USERS__AUTH__LOGIN_THROTTLE__MAX_FAILURES_PER_ADDRESS": "1000000",
        }, self.run_dir)
        self.users.env["CAPSTONE_USERS__HTTP__PORT"] = str(self.users.port)
        self.worker = Service("worker", binaries / "worker", {
            **common,
            "CAPSTONE_WORKER__DATABASE__URL":
                f"postgres://postgres:postgres@127.0.0.1:{self.db_proxy.port}/{self.name}_worker",
            "CAPSTONE_WORKER__EMAIL__DIRECTORY": str(self.emails),
            "CAPSTONE_WORKER__RETRY_DELAYS_MS": RETRY_DELAYS_MS,
        }, self.run_dir)
        self.worker.env["CAPSTONE_WORKER__HTTP__PORT"] = str(self.worker.port)

    @property
    def users_database(self) -> str:
        return self.name

    @property
    def worker_database(self) -> str:
        return f"{self.name}_worker"

    def start(self) -> None:
        self.rabbit.start()
        self.redis.start()
        self.worker.start()
        self.users.start()

    def stop(self, keep_logs_in: Path | None = None) -> None:
        for service in (self.users, self.worker):
            service.stop()
        self.redis.kill()
        self.rabbit.kill()
        self.amqp_proxy.close()
        self.db_proxy.close()
        if keep_logs_in is not None:
            keep_logs_in.mkdir(parents=True, exist_ok=True)
            for log in ("users.log", "worker.log", "rabbitmq.out", "redis.out"):
                if (self.run_dir / log).exists():
                    shutil.copy(self.run_dir / log, keep_logs_in / log)
        for database in (self.users_database, self.worker_database):
            psql("postgres", f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        shutil.rmtree(self.run_dir, ignore_errors=True)

    def __enter__(self) -> ChaosSystem:
        try:
            self.start()
        except BaseException:
            self.stop(keep_logs_in=Path(tempfile.mkdtemp(prefix="capstone-chaos-logs-")))
            raise
        return self

    def __exit__(self, *_exc) -> None:
        self.stop()
