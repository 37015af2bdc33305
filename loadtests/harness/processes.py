"""Processes the harness starts, and what they cost (CPU seconds, RSS).

Everything is read from /proc (Linux): a process's CPU time is the `utime`
and `stime` fields of /proc/PID/stat, its memory the `VmRSS` line of
/proc/PID/status. nginx runs as a master and worker processes, so every
figure sums a process and its children.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    """A TCP port nothing listens on right now (the kernel picks it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _family(pid: int) -> list[int]:
    """`pid` and its children (one level is enough: nginx's workers)."""
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: split after it.
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == pid:
            children.append(int(entry.name))
    return [pid, *children]


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # After the name: state is field 0, utime field 11, stime field 12.
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def _rss_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


@dataclass
class Process:
    """A server the harness started, with its log file."""

    name: str
    popen: subprocess.Popen
    log: Path

    @property
    def pid(self) -> int:
        return self.popen.pid

    def cpu_seconds(self) -> float:
        return sum(_cpu_seconds(pid) for pid in _family(self.pid))

    def rss_mib(self) -> float:
        return sum(_rss_mib(pid) for pid in _family(self.pid))

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()

    def wait_until_answering(self, url: str, seconds: float = 60) -> None:
        """Polls `url` until it answers 200; fails early if the process died."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited with {self.popen.returncode}; "
                    f"its log:\n{self.log.read_text()[-4000:]}"
                )
            try:
                with urllib.request.urlopen(url, timeout=1) as answer:
                    if answer.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not answer {url} within {seconds} s")


def start(name: str, command: list[str], env: dict[str, str], run_dir: Path) -> Process:
    """Starts `command` with `env` added, its output in run_dir/NAME.log."""
    log = run_dir / f"{name}.log"
    with log.open("wb") as output:
        popen = subprocess.Popen(
            command,
            env={**os.environ, **env},
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    return Process(name, popen, log)


@dataclass
class Usage:
    """What some processes spent while a block ran: CPU and peak memory."""

    cpu_seconds: dict[str, float] = field(default_factory=dict)
    peak_rss_mib: dict[str, float] = field(default_factory=dict)


class UsageMeter:
    """`with UsageMeter(processes) as usage:` samples RSS every 100 ms
    and takes the CPU-time difference across the block."""

    def __init__(self, processes: list[Process]):
        self.processes = processes
        self.usage = Usage()
        self._stop = threading.Event()
        self._sampler = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.1):
            for process in self.processes:
                rss = process.rss_mib()
                peak = self.usage.peak_rss_mib.get(process.name, 0.0)
                self.usage.peak_rss_mib[process.name] = max(peak, rss)

    def __enter__(self) -> Usage:
        self._cpu_before = {p.name: p.cpu_seconds() for p in self.processes}
        self._sampler.start()
        return self.usage

    def __exit__(self, *_exc) -> None:
        self._stop.set()
        self._sampler.join()
        for process in self.processes:
            spent = process.cpu_seconds() - self._cpu_before[process.name]
            self.usage.cpu_seconds[process.name] = round(spent, 3)
