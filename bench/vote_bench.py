"""Upvote storm: 1,000 members upvoting the same paper at once over HTTP, exact count and time.

    .venv/bin/python bench/vote_bench.py [--members 1000] [--threads 64] [--workers 1,2]
        [--no-postgres]

For each engine (a fresh SQLite file, then a database on an embedded PostgreSQL 18) and each
`--workers` value, a real `paperboy serve` (uvicorn subprocess on 127.0.0.1) serves a database
holding one real day of the daily-papers archive and `--members` verified members, each with a
personal API token (made beforehand through the accounts store). Then, from `--threads` client
threads released together:

1. **storm**: every member `POST /api/papers/{id}/upvote` once, in shuffled order;
2. **repeat storm**: every member again (a second upvote must change nothing);
3. **one account**: one member sends `--members` upvotes of another paper at once (the count
   must move by exactly one);
4. **take back, upvote again**: every member `DELETE`s at once, then every member `POST`s.

After each, the paper's count (`GET /api/papers/{id}/upvote`) must be exactly the imported
upvotes plus one per member who holds a vote. Times are wall clock from release to the last
answer; latencies are per request. The clients and the server share this machine's cores.
Creates `/tmp/BENCH_QUIET` while it runs (other work on the machine pauses) and removes it.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import embedded_pg
import harness
import web_bench

from paperboy.app import build_deps
from paperboy.config import load_settings
from paperboy.domain.accounts import Role

QUIET = Path("/tmp/BENCH_QUIET")
DAY = "2026-05-13"  # a real day of the archive with 50 papers
PASSWORD = "vote-bench-password-0123456789"


@dataclass(frozen=True, slots=True)
class Phase:
    """One storm's outcome: requests, time, latencies, statuses, and the count check."""

    engine: str
    workers: int
    name: str
    requests: int
    seconds: float
    latencies_ms: list[float]
    statuses: Counter[int]
    before: int
    after: int
    expected: int

    def row(self) -> list[object]:
        ordered = sorted(self.latencies_ms)
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        return [
            self.engine,
            self.workers,
            self.name,
            f"{self.requests:,}",
            f"{self.seconds:.2f}",
            f"{self.requests / self.seconds:,.0f}",
            f"{statistics.median(ordered):.0f} / {p99:.0f}",
            f"{self.before} → {self.after} (expected {self.expected})",
            harness.verdict(self.after == self.expected),
            " ".join(f"{code}×{n}" for code, n in sorted(self.statuses.items())),
        ]


def main() -> None:
    parser = harness.parser(__doc__.splitlines()[0], runs=1)
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=64, help="client threads (default 64)")
    parser.add_argument("--workers", default="1,2", help="`paperboy serve --workers` values")
    parser.add_argument("--day", default=DAY, help=f"the real day to load (default {DAY})")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    args = parser.parse_args()
    if QUIET.exists():
        raise SystemExit(f"{QUIET} exists: another benchmark is running; try again later")
    day_file = args.data / web_bench.DAILY_DIR / f"{args.day}.json"
    if not day_file.exists():
        raise SystemExit(f"missing {day_file} (give --data DIR)")
    QUIET.touch()
    try:
        run(args, day_file)
    finally:
        QUIET.unlink(missing_ok=True)


def run(args: argparse.Namespace, day_file: Path) -> None:
    harness.print_header("Upvote storm: members upvoting one paper at once over HTTP")
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="paperboy-bench-votes-"))
    workdir.mkdir(parents=True, exist_ok=True)
    workers = [int(w) for w in str(args.workers).split(",")]
    phases: list[Phase] = []
    cluster = None
    try:
        for number in workers:
            url = harness.sqlite_url(workdir / f"votes-{number}.sqlite3")
            phases += engine_storms("SQLite", url, day_file, number, args)
        if not args.no_postgres:
            cluster, why = embedded_pg.start_or_none()
            if cluster is None:
                print(f"- PostgreSQL skipped: {why}")
            for number in workers if cluster else []:
                url = cluster.fresh_database("votes")  # type: ignore[union-attr]
                name = f"PostgreSQL {cluster.version()}"  # type: ignore[union-attr]
                phases += engine_storms(name, url, day_file, number, args)
    finally:
        if cluster is not None:
            cluster.stop()
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    headers = ["engine", "workers", "storm", "requests", "seconds", "req/s", "p50 / p99 ms"]
    headers += ["upvotes", "exact", "statuses"]
    print("\n" + harness.table(headers, [phase.row() for phase in phases]))
    harness.print_footer()


def prepare(database_url: str, day_file: Path, count: int) -> list[str]:
    """A migrated database holding the real day; `count` verified members' API tokens."""
    harness.paperboy(database_url, "db", "upgrade")
    harness.paperboy(database_url, "ingest", "daily-papers", str(day_file), "--json")
    deps = build_deps(load_settings(environ={}, database_url=database_url, embedder="hashing"))
    accounts = deps.accounts
    started = time.perf_counter()
    shared_hash = accounts.passwords.hash(PASSWORD)  # one hash: a thousand would take minutes
    now = datetime.now(UTC)
    tokens = []
    for number in range(count):
        user = accounts.store.add_user(
            username=f"voter{number:04d}",
            email=f"voter{number:04d}@bench.example.org",
            display_name=f"Voter {number}",
            password_hash=shared_hash,
            role=Role.MEMBER,
            now=now,
            verified_at=now,
        )
        tokens.append(accounts.sessions.issue_token(user, "vote bench")[0])
    print(
        f"- {count:,} members with API tokens in {time.perf_counter() - started:.1f} s", flush=True
    )
    return tokens


def engine_storms(
    engine: str, url: str, day_file: Path, workers: int, args: argparse.Namespace
) -> list[Phase]:
    tokens = prepare(url, day_file, args.members)
    served = web_bench._Server(url, workers)
    config = Path(tempfile.mkdtemp(prefix="paperboy-bench-config-")) / "paperboy.toml"
    config.write_text('embedder = "hashing"\nrun_jobs = "false"\n')
    served.argv[1:1] = ["--config", str(config)]
    phases = []
    with served:
        print(f"- {engine}: {' '.join(served.argv)}", flush=True)
        limits = httpx.Limits(max_connections=args.threads, max_keepalive_connections=args.threads)
        with httpx.Client(base_url=served.base, timeout=120, limits=limits) as client:
            papers = [i["paper"]["id"] for i in client.get("/api/daily_papers").json()]
            paper, other = papers[0], papers[1]
            start, end = count(client, paper), count(client, paper) + len(tokens)
            posts = [(t, "POST") for t in tokens]
            deletes = [(t, "DELETE") for t in tokens]
            one = [(tokens[0], "POST")] * len(tokens)
            plan = [
                ("members once", paper, posts, end),
                ("members again", paper, posts, end),
                ("one account", other, one, count(client, other) + 1),
                ("members take back", paper, deletes, start),
                ("members upvote again", paper, posts, end),
            ]
            for name, target, calls, expected in plan:
                phases.append(storm(client, (engine, workers, name), target, calls, expected, args))
    return phases


def storm(
    client: httpx.Client,
    label: tuple[str, int, str],
    paper: str,
    calls: Sequence[tuple[str, str]],
    expected: int,
    args: argparse.Namespace,
) -> Phase:
    """Send every (token, method) call at once from `args.threads` threads; check the count."""
    before = count(client, paper)
    shuffled = list(calls)
    random.Random(7).shuffle(shuffled)
    gate = threading.Event()
    statuses: Counter[int] = Counter()
    latencies: list[float] = []

    def call(token: str, method: str) -> None:
        gate.wait()
        began = time.perf_counter()
        headers = {"Authorization": f"Bearer {token}"}
        reply = client.request(method, f"/api/papers/{paper}/upvote", headers=headers)
        latencies.append((time.perf_counter() - began) * 1000)
        statuses[reply.status_code] += 1

    with ThreadPoolExecutor(args.threads) as pool:
        futures = [pool.submit(call, token, method) for token, method in shuffled]
        began = time.perf_counter()
        gate.set()
        for future in futures:
            future.result()
        seconds = time.perf_counter() - began
    after = count(client, paper)
    engine, workers, name = label
    phase = Phase(
        engine, workers, name, len(shuffled), seconds, latencies, statuses, before, after, expected
    )
    print("  " + " | ".join(str(cell) for cell in phase.row()), flush=True)
    return phase


def count(client: httpx.Client, paper: str) -> int:
    return int(client.get(f"/api/papers/{paper}/upvote").json()["upvotes"])


if __name__ == "__main__":
    main()
