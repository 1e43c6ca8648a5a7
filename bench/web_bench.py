"""Web throughput: `/` and `/api/daily_papers` on a real day of exactly 50 papers, under wrk.

    .venv/bin/python bench/web_bench.py [--runs 3] [--duration 15] [--day 2026-05-13] [--data DIR]

The database is a fresh SQLite file holding every real daily-papers file up to and including
`--day` (2026-05-13 has exactly 50 entries), so that day is the latest list and `/` shows it
through the site's "latest day with papers" fallback. The server is started exactly as the
README runs it, `.venv/bin/paperboy --database-url URL serve --port P [--workers N]`, on
127.0.0.1 only, and stopped at the end. wrk runs 2 threads, 32 connections, `--duration` s
with `--latency`, after a short untimed warm-up. The baseline is a static file served by the
same server in the same run (framework + server cost without the database and templates).
wrk and the server share this machine's cores, as they would on a one-box install.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import harness

DAILY_DIR = Path("hf-daily-papers/latest")
WRK = shutil.which("wrk") or "/usr/bin/wrk"
TARGET_RPS, TARGET_P99_MS = 300.0, 100.0
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


@dataclass(frozen=True, slots=True)
class WrkResult:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx: int
    socket_errors: int

    @property
    def errors(self) -> int:
        return self.non_2xx + self.socket_errors


@dataclass
class Row:
    path: str
    workers: int
    targeted: bool
    gzip: bool = False
    results: list[WrkResult] = field(default_factory=list)
    check: str = ""

    def median(self, name: str) -> float:
        return harness.median([getattr(r, name) for r in self.results])


def main() -> None:
    parser = harness.parser(__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=15, help="seconds per wrk run")
    parser.add_argument("--day", default="2026-05-13", help="the real day to show (50 papers)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--workers", default="1,2", help="`paperboy serve --workers` values (default 1,2)"
    )
    args = parser.parse_args()
    if not Path(WRK).exists():
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    harness.print_header("Web benchmark")
    daily_dir = args.data / DAILY_DIR
    if not daily_dir.is_dir():
        raise SystemExit(f"missing {daily_dir} (give --data DIR)")
    print(
        f"- wrk: {_wrk_version()}, {args.threads} threads, {args.connections} connections, "
        f"{args.duration} s per run, {args.runs} run(s) per row, medians shown"
    )
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="paperboy-bench-web-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        url = _build_database(workdir, daily_dir, date.fromisoformat(args.day))
        rows = []
        for workers in (int(w) for w in args.workers.split(",")):
            rows += _bench_server(url, workers, args)
        _print_table(rows)
        print_breakdown(url, args.day, count=200)
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    harness.print_footer()


def _wrk_version() -> str:
    result = subprocess.run([WRK, "-v"], capture_output=True, text=True, check=False)
    return (result.stdout + result.stderr).strip().splitlines()[0]


def _build_database(workdir: Path, daily_dir: Path, day: date) -> str:
    """Every real daily-papers file up to `day`, so `day` is the latest list."""
    chosen = workdir / "days"
    chosen.mkdir(exist_ok=True)
    for path in sorted(daily_dir.glob("*.json")):
        if path.stem <= day.isoformat():
            (chosen / path.name).symlink_to(path.resolve())
    database = workdir / "web.sqlite3"
    url = harness.sqlite_url(database)
    harness.paperboy(url, "db", "upgrade")
    report = harness.paperboy(url, "ingest", "daily-papers", str(chosen), "--json").json()
    with sqlite3.connect(database) as db:
        latest, count = db.execute(
            "SELECT listed_on, count(*) FROM daily_entries GROUP BY listed_on"
            " ORDER BY listed_on DESC LIMIT 1"
        ).fetchone()
        days, papers = db.execute(
            "SELECT count(DISTINCT listed_on), (SELECT count(*) FROM papers) FROM daily_entries"
        ).fetchone()
    print(
        f"- database: {len(list(chosen.iterdir()))} real daily-papers files up to {day}: "
        f"{days} days, {papers:,} papers, new {report['new']:,}, rejected {report['rejected']}"
    )
    print(
        f"- shown day: {latest} with {count} entries (the real file {day}.json), the latest "
        f"day in the database, so `/` shows it as the latest list before today\n",
        flush=True,
    )
    if str(latest) != day.isoformat() or count != 50:
        raise SystemExit(f"expected {day} with 50 entries as the latest day, got {latest}: {count}")
    return url


def _bench_server(url: str, workers: int, args: argparse.Namespace) -> list[Row]:
    day = args.day
    rows = [
        Row("/static/style.css", workers, targeted=False),
        Row("/", workers, targeted=True),
        Row("/", workers, targeted=True, gzip=True),
        Row("/api/daily_papers", workers, targeted=True),
        Row(f"/api/daily_papers?date={day}", workers, targeted=True),
    ]
    with _Server(url, workers) as server:
        print(
            f"server up: {server.argv_text} (pid {server.process.pid}, "
            f"{server.started_in:.1f} s to answer)",
            flush=True,
        )
        for row in rows:
            row.check = _check(server.base + row.path, gzip=row.gzip)
        for number in range(args.runs):
            for row in rows:
                _wrk(server.base + row.path, args, seconds=2, gzip=row.gzip)  # warm-up
                result = _wrk(server.base + row.path, args, seconds=args.duration, gzip=row.gzip)
                row.results.append(result)
                print(
                    f"  run {number + 1} {row.path} workers={workers}: "
                    f"{result.rps:,.0f} req/s p99 {result.p99_ms:.1f} ms "
                    f"errors {result.errors}",
                    flush=True,
                )
    return rows


class _Server:
    """`paperboy serve` as the README runs it, in its own process group, on a free port."""

    def __init__(self, database_url: str, workers: int) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.argv = [
            str(harness.PAPERBOY),
            "--database-url",
            database_url,
            "serve",
            "--port",
            str(self.port),
        ]
        if workers > 1:
            self.argv += ["--workers", str(workers)]
        self.argv_text = " ".join(self.argv)
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (closed in __exit__)
        self.started_in = 0.0

    def __enter__(self) -> _Server:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERBOY_")}
        started = time.monotonic()
        self.process = subprocess.Popen(
            self.argv, stdout=self.log, stderr=self.log, env=env, start_new_session=True
        )
        deadline = started + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"server exited {self.process.returncode}:\n{self._log()}")
            try:
                with urllib.request.urlopen(self.base + "/static/style.css", timeout=2):
                    self.started_in = time.monotonic() - started
                    return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.1)
        self.__exit__()
        raise SystemExit(f"server did not answer in 60 s:\n{self._log()}")

    def __exit__(self, *exc: object) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()

    def _log(self) -> str:
        self.log.seek(0)
        return self.log.read().decode("utf-8", errors="replace")[-3000:]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _check(url: str, *, gzip: bool = False) -> str:
    """One request before the load: status, size on the wire, and how many papers it holds."""
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"} if gzip else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, body = response.status, response.read()
            kind = response.headers.get("content-type", "")
            encoding = response.headers.get("content-encoding", "")
    except urllib.error.HTTPError as error:
        return f"HTTP {error.code}: {error.read()[:200]!r}"
    size = f"{status}, {len(body) / 1024:.0f} kB"
    if encoding == "gzip":
        size += " gzip"
        body = zlib.decompress(body, 16 + zlib.MAX_WBITS)
    if "json" in kind:
        return f"{size}, {len(json.loads(body))} papers"
    if "html" in kind:
        cards = len(set(re.findall(rb'class="card" id="paper-([^"]+)"', body)))
        return f"{size}, {cards} papers"
    return size


def _wrk(url: str, args: argparse.Namespace, *, seconds: int, gzip: bool) -> WrkResult:
    argv = [
        WRK,
        *(["-H", "Accept-Encoding: gzip"] if gzip else []),
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{seconds}s",
        "--timeout",
        "5s",
        "--latency",
        url,
    ]
    output = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    return parse_wrk(output)


def parse_wrk(output: str) -> WrkResult:
    """Requests/s, p50, p99 and errors from wrk's `--latency` report."""

    def latency(percent: str) -> float:
        match = re.search(rf"^\s*{percent}%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.MULTILINE)
        return float(match.group(1)) * _UNITS[match.group(2)] if match else float("nan")

    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    requests = re.search(r"(\d+) requests in", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return WrkResult(
        rps=float(rps.group(1)) if rps else 0.0,
        p50_ms=latency("50"),
        p99_ms=latency("99"),
        requests=int(requests.group(1)) if requests else 0,
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=sum(int(n) for n in sockets.groups()) if sockets else 0,
    )


def print_breakdown(database_url: str, day: str, count: int) -> None:
    """Where one request's CPU goes, one request at a time, in this process (no wrk, no GIL
    contention): the whole request through the ASGI app vs the service calls it makes."""
    import asyncio

    import httpx

    from paperboy.app import build_deps
    from paperboy.config import load_settings
    from paperboy.domain.calendar import day_period
    from paperboy.services.daily import daily_page, today_period
    from paperboy.web.app import create_app

    deps = build_deps(load_settings(environ={}, database_url=database_url))
    app = create_app(deps)

    def services_home() -> object:
        period, _ = today_period(deps.store, deps.settings.timezone, deps.clock())
        return daily_page(deps.store, period, page_size=deps.settings.page_size)

    def services_day() -> object:
        period = day_period(date.fromisoformat(day))
        return daily_page(deps.store, period, page_size=deps.settings.page_size)

    async def requests(path: str, headers: dict[str, str]) -> float:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for _ in range(5):
                (await client.get(path, headers=headers)).raise_for_status()
            started = time.process_time()
            for _ in range(count):
                await client.get(path, headers=headers)
            return (time.process_time() - started) * 1000 / count

    def cpu_ms(call: Callable[[], object]) -> float:
        for _ in range(5):
            call()
        started = time.process_time()
        for _ in range(count):
            call()
        return (time.process_time() - started) * 1000 / count

    cases: list[tuple[str, Callable[[], object] | None]] = [
        ("/static/style.css", None),
        ("/", services_home),
        ("/api/daily_papers", services_home),
        (f"/api/daily_papers?date={day}", services_day),
    ]
    rows = []
    # A cookie makes the response cache step aside: that is the cost of a cache miss (and of a
    # signed-in reader, whose pages are never cached).
    uncached = {"Cookie": "bench=1"}
    for path, services in cases:
        cached = asyncio.run(requests(path, {}))
        whole = asyncio.run(requests(path, uncached))
        queries = cpu_ms(services) if services else 0.0
        rows.append(
            [
                f"`{path}`",
                f"{cached:.2f}",
                f"{whole:.2f}",
                f"{queries:.2f}" if services else "-",
                f"{whole - queries:.2f}",
                f"{1000 / whole:,.0f}",
            ]
        )
    print(f"\n## Where a request's CPU goes (in-process, {count} requests one at a time)\n")
    headers = [
        "path",
        "CPU ms / request, cache hit",
        "CPU ms / request, cache miss (whole, via ASGI)",
        "of which: store + services (today_period, daily_page)",
        "rest: rendering or JSON, FastAPI, middleware",
        "miss ceiling req/s per core",
    ]
    print(harness.table(headers, rows))


def _print_table(rows: list[Row]) -> None:
    baselines = {r.workers: r.median("rps") for r in rows if not r.targeted}
    table = []
    for row in rows:
        rps, p99 = row.median("rps"), row.median("p99_ms")
        errors = sum(r.errors for r in row.results)
        met = None
        if row.targeted:
            met = rps >= TARGET_RPS and p99 <= TARGET_P99_MS and errors == 0
        table.append(
            [
                f"`{row.path}`" + (" (Accept-Encoding: gzip)" if row.gzip else ""),
                row.workers,
                row.check,
                f"{rps:,.0f}",
                harness.spread([r.rps for r in row.results], "{:,.0f}"),
                f"{row.median('p50_ms'):.1f}",
                f"{p99:.1f}",
                f"{errors} ({sum(r.requests for r in row.results):,} requests)",
                f"{rps / baselines[row.workers]:.2f}x" if row.workers in baselines else "-",
                f"≥ {TARGET_RPS:.0f} req/s, p99 ≤ {TARGET_P99_MS:.0f} ms, 0 errors"
                if row.targeted
                else "baseline, report only",
                harness.verdict(met),
            ]
        )
    headers = [
        "path",
        "workers",
        "one request",
        "req/s (median)",
        "each run",
        "p50 ms",
        "p99 ms",
        "errors: non-2xx + socket (all runs)",
        "x static",
        "target",
        "met?",
    ]
    print()
    print(harness.table(headers, table))


if __name__ == "__main__":
    main()
