# ANCHOR: processes
"""The system under test: every process the scenarios load, started side by side.

    bare      the ceiling: a bare actix-web handler serving the same JSON
    users     the users service (release build), caches on
    uncached  a second users service whose caches are off (every read is Postgres)
    nginx     Debian's nginx, `proxy_pass` with a keepalive upstream to `users`
    gateway   the gateway in front of `users`: a plain route and the full edge
    worker    consumes `users`' events (emails, the audit trail)

The routing-affinity measurement (affinity.py) adds, one strategy at a
time, three more users instances on the same database and Redis and a
gateway in front of the three (`affinity_users_1..3`, `affinity_gateway`).

Each run gets its own databases, Redis key prefix and temporary directory,
and removes them when it ends; RabbitMQ names use the fixed prefix
`capstone_load` (declared idempotently, so runs reuse them).
"""
# ANCHOR_END: processes

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import urllib.request
from pathlib import Path

from .processes import Process, free_port, start

LOADTESTS = Path(__file__).resolve().parent.parent
POSTGRES = "postgres://postgres:postgres@127.0.0.1:5432"
AMQP_PREFIX = "capstone_load"
PASSWORD = "correct horse battery staple"


def psql(database: str, sql: str) -> str:
    """Runs `sql` in `database`, returns unaligned, tuples-only output.
    The SQL goes through stdin: a list of event ids can outgrow an argument."""
    return subprocess.run(
        ["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-U", "postgres",
         "-d", database],
        input=sql,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def call(method: str, url: str, body: dict | None = None, token: str | None = None) -> dict:
    """One JSON request with urllib; the decoded answer ({} when empty)."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    with urllib.request.urlopen(request, timeout=30) as answer:
        text = answer.read()
    return json.loads(text) if text else {}


class SystemUnderTest:
    def __init__(self, binaries: Path, service_env: dict[str, str] | None = None):
        """`binaries`: the release directory holding the services' and the
        harness's binaries (one Cargo target directory serves both workspaces).
        `service_env`: added to our services' environment only (what does a
        setting cost? `CAPSTONE_TELEMETRY__LOG_FILTER=warn`, say)."""
        self.service_env = service_env or {}
        self.name = f"capstone_load_{os.getpid()}"
        self.run_dir = Path(tempfile.mkdtemp(prefix="capstone-load-"))
        self.binaries = binaries
        self.processes: dict[str, Process] = {}
        self.ports: dict[str, int] = {}
        self.databases = [self.name, f"{self.name}_uncached", f"{self.name}_worker"]
        self.common_env: dict[str, str] = {}

    def url(self, process: str, path: str = "") -> str:
        return f"http://127.0.0.1:{self.ports[process]}{path}"

    # ---- starting -------------------------------------------------------

    def start(self) -> None:
        for process in ["bare", "users", "uncached", "nginx", "gateway", "worker"]:
            self.ports[process] = free_port()
        common = {
            "CAPSTONE_REDIS__KEY_PREFIX": self.name,
            "CAPSTONE_AMQP__PREFIX": AMQP_PREFIX,
            "CAPSTONE_TELEMETRY__LOG_FORMAT": "json",
            # One account logs in from one address over 32 connections at once.
            # The throttle counts an attempt before the password is checked, so
            # in-flight logins would trip it; it still runs, with room to spare.
            "CAPSTONE_USERS__AUTH__LOGIN_THROTTLE__MAX_FAILURES_PER_ACCOUNT": "1000000",
            "CAPSTONE_USERS__AUTH__LOGIN_THROTTLE__MAX_FAILURES_PER_ADDRESS": "1000000",
            # One signing key for every users instance, so a token the
            # harness's `users` issues holds on the routing-affinity
            # instances too (without it each generates its own at startup).
            "CAPSTONE_USERS__AUTH__SIGNING_KEYS": f'[{{kid="load", private_key_file="{self._signing_key()}"}}]',
            **self.service_env,
        }
        self.common_env = common
        self._start_users("users", self.name, common)
        self._start_users(
            "uncached",
            f"{self.name}_uncached",
            {
                **common,
                # Local entries expire at once and Redis is unreachable (port 1
                # refuses at once): every read is a Postgres read.
                "CAPSTONE_USERS__CACHE__LOCAL_TTL_MS": "0",
                "CAPSTONE_REDIS__URL": "redis://127.0.0.1:1",
                "CAPSTONE_USERS__OUTBOX__RELAY_ENABLED": "false",
            },
            ready_path="/health/live",
        )
        self._start_gateway(common)
        self._start_worker(common)
        self._start_nginx()

    def _signing_key(self) -> Path:
        """An Ed25519 key for this run's access tokens, in its temp dir."""
        key = self.run_dir / "signing-key.pem"
        subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", str(key)],
                       check=True, capture_output=True)
        return key

    def _start_users(self, name: str, database: str, env: dict, ready_path="/health/ready") -> None:
        process = start(
            name,
            [str(self.binaries / "users")],
            {
                **env,
                "DATABASE_URL": f"{POSTGRES}/{database}",
                "CAPSTONE_USERS__HTTP__PORT": str(self.ports[name]),
            },
            self.run_dir,
        )
        self.processes[name] = process
        process.wait_until_answering(self.url(name, ready_path))

    def _start_gateway(self, env: dict) -> None:
        process = start(
            "gateway",
            [str(self.binaries / "gateway")],
            {
                **env,
                "CAPSTONE_CONFIG": str(LOADTESTS / "config" / "gateway.toml"),
                "CAPSTONE_GATEWAY__HTTP__PORT": str(self.ports["gateway"]),
                "CAPSTONE_GATEWAY__UPSTREAMS__USERS__INSTANCES": json.dumps([self.url("users")]),
            },
            self.run_dir,
        )
        self.processes["gateway"] = process
        process.wait_until_answering(self.url("gateway", "/health/ready"))

    def _start_worker(self, env: dict) -> None:
        emails = self.run_dir / "emails"
        emails.mkdir()
        process = start(
            "worker",
            [str(self.binaries / "worker")],
            {
                **env,
                "CAPSTONE_WORKER__HTTP__PORT": str(self.ports["worker"]),
                "CAPSTONE_WORKER__DATABASE__URL": f"{POSTGRES}/{self.name}_worker",
                "CAPSTONE_WORKER__EMAIL__DIRECTORY": str(emails),
            },
            self.run_dir,
        )
        self.processes["worker"] = process
        process.wait_until_answering(self.url("worker", "/health/ready"))

    def _start_nginx(self) -> None:
        temp = self.run_dir / "nginx"
        temp.mkdir()
        # nginx's workers may run as `nobody`: let them write their temp files.
        temp.chmod(0o777)
        template = (LOADTESTS / "config" / "nginx.conf").read_text()
        config = self.run_dir / "nginx.conf"
        config.write_text(
            template.replace("@PORT@", str(self.ports["nginx"]))
            .replace("@USERS_PORT@", str(self.ports["users"]))
            .replace("@RUN_DIR@", str(temp))
        )
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        process = start("nginx", [nginx, "-c", str(config), "-p", str(temp)], {}, self.run_dir)
        self.processes["nginx"] = process
        process.wait_until_answering(self.url("nginx", "/health/live"))

    # ---- the routing-affinity measurement (affinity.py) ------------------

    def start_affinity_users(self, name: str) -> None:
        """Another users instance on the harness's database and Redis (its
        port kept across restarts); the harness's `users` relays the outbox."""
        self.ports.setdefault(name, free_port())
        self._start_users(name, self.name,
                          {**self.common_env, "CAPSTONE_USERS__OUTBOX__RELAY_ENABLED": "false"})

    def start_affinity_gateway(self, instances: list[str], strategy: str) -> None:
        """A gateway (the runs' config) whose users upstream is `instances`,
        balanced by `strategy` (every instance starts healthy)."""
        name = "affinity_gateway"
        self.ports.setdefault(name, free_port())
        process = start(
            name,
            [str(self.binaries / "gateway")],
            {
                **self.common_env,
                "CAPSTONE_CONFIG": str(LOADTESTS / "config" / "gateway.toml"),
                "CAPSTONE_GATEWAY__HTTP__PORT": str(self.ports[name]),
                "CAPSTONE_GATEWAY__UPSTREAMS__USERS__INSTANCES": json.dumps(instances),
                "CAPSTONE_GATEWAY__UPSTREAMS__USERS__STRATEGY": strategy,
            },
            self.run_dir,
        )
        self.processes[name] = process
        process.wait_until_answering(self.url(name, "/health/ready"))

    def start_bare(self, body: bytes) -> None:
        """The ceiling serves exactly what `users` answers, so it needs that first."""
        body_file = self.run_dir / "user.json"
        body_file.write_bytes(body)
        process = start(
            "bare",
            [
                str(self.binaries / "bare"),
                "--port",
                str(self.ports["bare"]),
                "--body-file",
                str(body_file),
            ],
            {},
            self.run_dir,
        )
        self.processes["bare"] = process
        process.wait_until_answering(self.url("bare", "/health"))

    # ---- accounts -------------------------------------------------------

    def register(self, service: str, email: str) -> None:
        call(
            "POST",
            self.url(service, "/api/v1/auth/register"),
            {"email": email, "password": PASSWORD, "display_name": "Load Test"},
        )

    def token(self, service: str, email: str) -> str:
        """A fresh access token (they live 15 minutes; a full run is longer)."""
        login = {"email": email, "password": PASSWORD}
        return call("POST", self.url(service, "/api/v1/auth/login"), login)["access_token"]

    def user_id(self, service: str, token: str) -> str:
        return call("GET", self.url(service, "/api/v1/users/me"), token=token)["id"]

    def raw_get(self, url: str, token: str) -> bytes:
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.read()

    # ---- stopping -------------------------------------------------------

    def stop(self) -> None:
        for process in reversed(list(self.processes.values())):
            process.stop()
        for database in self.databases:
            subprocess.run(
                ["psql", "-X", "-q", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-c",
                 f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'],
                check=False,
                capture_output=True,
            )
        keys = subprocess.run(
            ["redis-cli", "-h", "127.0.0.1", "--scan", "--pattern", f"{self.name}:*"],
            check=False,
            capture_output=True,
            text=True,
        ).stdout.split()
        for chunk in range(0, len(keys), 500):
            subprocess.run(["redis-cli", "-h", "127.0.0.1", "del", *keys[chunk : chunk + 500]],
                           check=False, capture_output=True)
        shutil.rmtree(self.run_dir, ignore_errors=True)

    def __enter__(self) -> SystemUnderTest:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *_exc) -> None:
        self.stop()
