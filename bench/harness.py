"""What every benchmark shares: arguments, machine facts, timed subprocesses, Markdown tables.

Each import runs as its own `paperboy` process, timed from the outside, and its peak memory is
that one child's `ru_maxrss` from `os.wait4` (not `RUSAGE_CHILDREN`, which is the maximum over
every child so far and would blur one run into another).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data"
PAPERBOY = REPO / ".venv" / "bin" / "paperboy"
PYTHON = REPO / ".venv" / "bin" / "python"


def parser(description: str, *, runs: int = 3) -> argparse.ArgumentParser:
    """The options every bench takes: --runs and --data (and --workdir for scratch files)."""
    result = argparse.ArgumentParser(description=description)
    result.add_argument("--runs", type=int, default=runs, help=f"runs per case (default {runs})")
    result.add_argument(
        "--data", type=Path, default=DEFAULT_DATA, help=f"bulk data folder (default {DEFAULT_DATA})"
    )
    result.add_argument(
        "--workdir", type=Path, default=None, help="scratch folder (default: a new one in /tmp)"
    )
    return result


def print_header(title: str) -> None:
    """The command line and the machine, so a table can be compared with another one."""
    print(f"# {title}\n")
    print("```")
    print("$ " + shlex.join([sys.executable, *sys.argv]))
    print("```\n")
    for name, value in machine_facts().items():
        print(f"- {name}: {value}")
    print(flush=True)


def machine_facts() -> dict[str, str]:
    import sqlalchemy

    cores = os.cpu_count() or 0
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cores
    return {
        "when": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "cpu": f"{_cpu_model()}, {cores} cores ({usable} usable)",
        "memory": f"{_memory_gib():.1f} GiB",
        "os": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "sqlalchemy": sqlalchemy.__version__,
        "paperboy commit": _git_commit(),
        "load average at start (1/5/15 min)": load_average(),
    }


def load_average() -> str:
    """Other work on the machine skews timings; the table says how busy it was."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"


def print_footer() -> None:
    print(f"\n- load average at end (1/5/15 min): {load_average()}", flush=True)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown cpu"


def _memory_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return 0.0


def _git_commit() -> str:
    result = subprocess.run(
        ["git", "-C", str(REPO), "log", "-1", "--format=%h %s"],
        capture_output=True,
        text=True,
        check=False,
    )
    dirty = subprocess.run(
        ["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return result.stdout.strip()[:70] + (" (+ uncommitted changes)" if dirty else "")


@dataclass(frozen=True, slots=True)
class Run:
    """One finished child process: wall seconds, peak RSS, exit code and what it printed."""

    seconds: float
    peak_rss_mb: float
    returncode: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


def paperboy(database_url: str, *args: str, check: bool = True) -> Run:
    """`paperboy --database-url URL ARGS...` in a child process, measured."""
    return run_child([str(PAPERBOY), "--database-url", database_url, *args], check=check)


def run_child(argv: Sequence[str], *, check: bool = True, env: dict[str, str] | None = None) -> Run:
    """Run `argv`, reaping it with `os.wait4` so its own peak RSS is known."""
    started = time.perf_counter()
    with (
        open(os.devnull, "rb") as stdin,
        _TempText() as out,
        _TempText() as err,
    ):
        process = subprocess.Popen(list(argv), stdin=stdin, stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        stdout, stderr = out.text(), err.text()
    peak = usage.ru_maxrss / 1024  # kilobytes on Linux
    if check and process.returncode != 0:
        raise RuntimeError(f"{shlex.join(argv)} exited {process.returncode}:\n{stderr[-3000:]}")
    return Run(seconds, peak, process.returncode, stdout, stderr)


class _TempText:
    """A temporary file a child writes to (a pipe could fill and block it while we wait4)."""

    def __enter__(self) -> _TempText:
        import tempfile

        self._file = tempfile.TemporaryFile(mode="w+b")
        return self

    def fileno(self) -> int:
        return self._file.fileno()

    def text(self) -> str:
        self._file.seek(0)
        return self._file.read().decode("utf-8", errors="replace")

    def __exit__(self, *exc: object) -> None:
        self._file.close()


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def spread(values: Sequence[float], fmt: str = "{:.2f}") -> str:
    """Every run's value, so the reader sees the noise behind a median."""
    return " / ".join(fmt.format(v) for v in values)


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("yes" if ok else "**NO**")


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


_COUNTING_SINK = """
import sys
from aiosmtpd.controller import Controller
class Counting:
    count = 0
    async def handle_DATA(self, server, session, envelope):
        Counting.count += 1
        return "250 OK"
controller = Controller(Counting(), hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
print("ready", flush=True)
sys.stdin.readline()
print(Counting.count, flush=True)
controller.stop()
"""


def free_port() -> int:
    """A TCP port on 127.0.0.1 nothing listens on right now."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class CountingSink:
    """An aiosmtpd sink in its own process on 127.0.0.1 that accepts and counts messages."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            [str(PYTHON), "-c", _COUNTING_SINK, str(self.port)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        self.process.stdout.readline()  # ready

    def stop(self) -> int:
        """Stop it; how many messages it accepted."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write("\n")
        self.process.stdin.flush()
        received = int(self.process.stdout.readline())
        self.process.wait(timeout=10)
        return received
