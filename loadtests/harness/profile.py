"""Where the time goes: one scenario under load, every process on its path
sampled by `perf record -e cpu-clock` (this VM has no hardware counters, so
the kernel's clock interrupt does the sampling), reported as the functions
that held the CPU most (`perf report --no-children --sort symbol`).

The release binaries keep their symbols (Cargo strips nothing by default),
which is all a flat profile needs. Call graphs would need frame pointers or
DWARF unwinding; the flat view already says which library owns the time.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import threading
import time
from pathlib import Path

from .runner import Runner
from .scenarios import Scenario

TOP = 40  # lines of each report kept
WIDTH = 150  # Rust symbols run long: the crate and function are in the first part


def _tidy(line: str) -> str:
    """`perf report` pads every line to a fixed width and ends it with empty
    columns; keep the percentage and the symbol."""
    line = re.sub(r"\s+-\s+-\s*$", "", line).rstrip()
    return line if len(line) <= WIDTH else line[: WIDTH - 1] + "…"


def profile(runner: Runner, scenario: Scenario, out: Path) -> list[Path]:
    perf = shutil.which("perf")
    if perf is None:
        raise SystemExit("perf is missing: apt-get install linux-perf")
    system, seconds = runner.system, runner.profile.duration_s
    load = threading.Thread(target=runner.loadgen, args=(scenario, None))
    load.start()
    time.sleep(runner.profile.warmup_s)  # sample the steady state, not the ramp
    records = {}
    for name in scenario.processes:
        data = system.run_dir / f"{name}.perf.data"
        records[name] = (data, subprocess.Popen(
            [perf, "record", "-e", "cpu-clock", "-F", "999", "-g", "-o", str(data),
             "-p", str(system.processes[name].pid), "--", "sleep", str(seconds - 1)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        ))
    load.join()
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, (data, recording) in records.items():
        recording.wait()
        report = subprocess.run(
            [perf, "report", "-i", str(data), "--no-children", "--sort", "symbol",
             "--stdio", "-g", "none", "--percent-limit", "0.3"],
            capture_output=True, text=True, check=True,
        ).stdout
        lines = [
            _tidy(line) for line in report.splitlines() if line.strip() and not line.startswith("#")
        ]
        path = out / f"profile-{scenario.key}-{name}.txt"
        path.write_text(
            f"# perf record -e cpu-clock, {scenario.title}, process {name}\n"
            + "\n".join(lines[:TOP]) + "\n"
        )
        written.append(path)
    return written
