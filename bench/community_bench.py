"""Community load: a 1,000-member upvote storm over HTTP, the logged-in daily page, a login burst.

    .venv/bin/python bench/community_bench.py [--members 1000] [--repeats 2] [--duration 15]
        [--workers 2] [--no-postgres] [--day 2026-05-13]

1. **Upvote storm**: `--members` members (made through the accounts store with one shared
   password hash, each with a personal API token) all upvote the same paper at once over HTTP
   (`POST /api/papers/{id}/upvote`, bearer token), each `--repeats` times, in shuffled order,
   from `--threads` client threads released together; `paperboy serve --workers N` on a fresh
   SQLite file, then on an embedded PostgreSQL. The count afterwards must be exactly the
   imported upvotes plus one per member.
2. **Logged-in daily page**: wrk (2 threads, 32 connections, `--duration` s) on `/` with a
   member's session cookie, on the real day `--day` (50 papers) as the latest list.
3. **Login burst**: the same wrk run while a client posts 50 logins per second to `/login`
   (real form, real form cookie and CSRF token, the right password, rotating over members),
   once with the default rate limits (most get 429 after the per-IP allowance) and once with
   the per-IP limit lifted so every login pays for its argon2id hash.

Everything runs on this machine's cores: wrk, the clients and the server share them.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter
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

PASSWORD = "bench-password-0123456789"
TARGET_RPS, TARGET_P99_MS, TARGET_BURST_P99_MS = 300.0, 100.0, 200.0
LOGINS_PER_SECOND = 50


@dataclass(frozen=True, slots=True)
class Member:
    username: str
    token: str


def main() -> None:
    parser = harness.parser(__doc__.splitlines()[0], runs=1)
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=2, help="upvote posts per member")
    parser.add_argument("--threads", type=int, default=64, help="client threads in the storm")
    parser.add_argument("--workers", type=int, default=2, help="`paperboy serve --workers`")
    parser.add_argument("--duration", type=int, default=15, help="seconds per wrk run")
    parser.add_argument("--day", default="2026-05-13", help="the real day to show (50 papers)")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    args.connections, args.threads_wrk = 32, 2
    day_file = args.data / web_bench.DAILY_DIR / f"{args.day}.json"
    if not day_file.exists():
        raise SystemExit(f"missing {day_file} (give --data DIR)")
    harness.print_header("Community benchmark: upvote storm, logged-in page, login burst")
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="paperboy-bench-community-"))
    workdir.mkdir(parents=True, exist_ok=True)
    storms: list[tuple[str, str]] = []
    try:
        sqlite_url = harness.sqlite_url(workdir / "community.sqlite3")
        members = prepare(sqlite_url, day_file, args.members)
        storms.append(("SQLite", storm(sqlite_url, members, args)))
        pages = page_rows(sqlite_url, members, args)
        if not args.no_postgres:
            storms.append(("PostgreSQL", postgres_storm(day_file, args)))
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    print("\n## Upvote storm\n")
    print("| engine | result |\n|---|---|")
    for engine, result in storms:
        print(f"| {engine} | {result} |")
    print("\n## Logged-in daily page (`/`, 32 connections)\n")
    print("| case | req/s | p50 ms | p99 ms | errors | logins | target | met |")
    print("|---|---|---|---|---|---|---|---|")
    for row in pages:
        print(row)
    harness.print_footer()


def prepare(database_url: str, day_file: Path, count: int) -> list[Member]:
    """A migrated database holding the real day, and `count` verified members with tokens."""
    harness.paperboy(database_url, "db", "upgrade")
    harness.paperboy(database_url, "ingest", "daily-papers", str(day_file), "--json")
    deps = build_deps(load_settings(environ={}, database_url=database_url, embedder="hashing"))
    accounts = deps.accounts
    started = time.perf_counter()
    shared_hash = accounts.passwords.hash(PASSWORD)  # one hash: 1,000 would take minutes
    now = datetime.now(UTC)
    members = []
    for number in range(count):
        user = accounts.store.add_user(
            username=f"member{number:04d}",
            email=f"member{number:04d}@bench.example.org",
            display_name=f"Member {number}",
            password_hash=shared_hash,
            role=Role.MEMBER,
            now=now,
            verified_at=now,
        )
        secret, _ = accounts.sessions.issue_token(user, "bench")
        members.append(Member(user.username, secret))
    print(f"- {count} members with API tokens in {time.perf_counter() - started:.1f} s", flush=True)
    return members


def storm(database_url: str, members: list[Member], args: argparse.Namespace) -> str:
    """Every member upvotes one paper `repeats` times at once; the exact count, the time."""
    with server(database_url, args.workers) as served:
        paper, before = first_paper(served.base)
        posts = [m for m in members for _ in range(args.repeats)]
        random.Random(7).shuffle(posts)
        start = threading.Event()
        statuses: Counter[int] = Counter()
        limits = httpx.Limits(max_connections=args.threads, max_keepalive_connections=args.threads)
        with httpx.Client(base_url=served.base, timeout=60, limits=limits) as client:

            def upvote(member: Member) -> None:
                start.wait()
                headers = {"Authorization": f"Bearer {member.token}"}
                reply = client.post(f"/api/papers/{paper}/upvote", headers=headers)
                statuses[reply.status_code] += 1

            with ThreadPoolExecutor(args.threads) as pool:
                futures = [pool.submit(upvote, m) for m in posts]
                began = time.perf_counter()
                start.set()
                for future in futures:
                    future.result()
                seconds = time.perf_counter() - began
            after = client.get(f"/api/papers/{paper}/upvote").json()["upvotes"]
    exact = after - before == len(members)
    result = (
        f"{len(posts):,} posts by {len(members):,} members in {seconds:.2f} s "
        f"({len(posts) / seconds:,.0f}/s, {args.threads} threads, {args.workers} workers); "
        f"upvotes {before} → {after} (+{after - before}, {'exact' if exact else 'WRONG'}); "
        f"statuses {dict(sorted(statuses.items()))}"
    )
    print(f"storm {database_url.split(':')[0]}: {result}", flush=True)
    return result


def server(database_url: str, workers: int, **settings: str) -> web_bench._Server:
    """`paperboy serve` as web_bench runs it, with `settings` from a TOML file."""
    values = {"embedder": "hashing", "run_jobs": "false", **settings}
    config = Path(tempfile.mkdtemp(prefix="paperboy-bench-config-")) / "paperboy.toml"
    config.write_text("".join(f'{k} = "{v}"\n' for k, v in values.items()))
    served = web_bench._Server(database_url, workers)
    # through the environment: `paperboy --config F serve` hands uvicorn's app factory only the
    # database URL, so its worker processes would not see the file
    served.argv[:0] = ["/usr/bin/env", f"PAPERBOY_CONFIG={config}"]
    served.argv_text = " ".join(served.argv)
    return served


def first_paper(base: str) -> tuple[str, int]:
    papers = httpx.get(f"{base}/api/daily_papers", timeout=30).json()
    arxiv_id = papers[0]["paper"]["id"]
    upvotes = httpx.get(f"{base}/api/papers/{arxiv_id}/upvote", timeout=30).json()["upvotes"]
    return str(arxiv_id), int(upvotes)


def postgres_storm(day_file: Path, args: argparse.Namespace) -> str:
    cluster, why = embedded_pg.start_or_none()
    if cluster is None:
        return f"skipped: {why}"
    try:
        url = cluster.fresh_database()
        return storm(url, prepare(url, day_file, args.members), args)
    finally:
        cluster.stop()


def page_rows(database_url: str, members: list[Member], args: argparse.Namespace) -> list[str]:
    """wrk on `/` as a member: alone, during a login burst, during an unlimited login burst."""
    rows = []
    cases = [("alone", {}, False), ("50 logins/s, default limits", {}, True)]
    cases.append(("50 logins/s, per-IP limit lifted", {"login_limit_per_ip": "1000000"}, True))
    for name, overrides, burst in cases:
        with server(database_url, args.workers, **overrides) as served:
            result, logins = logged_in_load(served.base, members, args, burst=burst)
        target = TARGET_BURST_P99_MS if burst else TARGET_P99_MS
        met = result.requests > 0 and result.p99_ms <= target and result.errors == 0
        if not burst:
            met = met and result.rps >= TARGET_RPS
        goal = f"p99 ≤ {target:.0f} ms" + ("" if burst else f", ≥ {TARGET_RPS:.0f}/s")
        rows.append(
            f"| {name} | {result.rps:,.0f} | {result.p50_ms:.1f} | {result.p99_ms:.1f} "
            f"| {result.errors} | {dict(sorted(logins.items())) or '-'} | {goal} "
            f"| {'yes' if met else 'no'} |"
        )
        print(rows[-1], flush=True)
    return rows


def logged_in_load(
    base: str, members: list[Member], args: argparse.Namespace, *, burst: bool
) -> tuple[web_bench.WrkResult, Counter[int]]:
    """wrk on `/` with a member's session cookie, while logins go on when `burst`."""
    cookie = session_cookie(base, members[0].username)
    check = httpx.get(base + "/", cookies={"paperboy_session": cookie}, timeout=30)
    if check.status_code != 200 or members[0].username not in check.text:
        raise SystemExit(f"/ as a member: {check.status_code}, not personalised")
    wrk_args = argparse.Namespace(threads=args.threads_wrk, connections=args.connections)
    wrk_with_cookie(base + "/", cookie, wrk_args, 2)  # warm-up
    logins: Counter[int] = Counter()
    stop = threading.Event()
    burster = threading.Thread(target=login_burst, args=(base, members, logins, stop))
    if burst:
        burster.start()
    try:
        result = wrk_with_cookie(base + "/", cookie, wrk_args, args.duration)
    finally:
        stop.set()
        if burst:
            burster.join()
    return result, logins


def wrk_with_cookie(
    url: str, cookie: str, args: argparse.Namespace, seconds: int
) -> web_bench.WrkResult:
    import subprocess

    argv = [web_bench.WRK, "-H", f"Cookie: paperboy_session={cookie}", f"-t{args.threads}"]
    argv += [f"-c{args.connections}", f"-d{seconds}s", "--timeout", "5s", "--latency", url]
    output = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    result = web_bench.parse_wrk(output)
    if result.requests == 0:
        raise SystemExit(f"wrk made no requests:\n{output}")
    return result


def login_form(client: httpx.Client) -> str:
    """GET /login: the form's CSRF token (its cookie stays in the client)."""
    page = client.get("/login")
    match = re.search(r'name="csrf_token" value="([^"]*)"', page.text)
    if match is None:
        raise SystemExit(f"/login has no csrf_token field ({page.status_code})")
    return match.group(1)


def log_in(client: httpx.Client, token: str, username: str) -> int:
    form = {"csrf_token": token, "login": username, "password": PASSWORD, "next": "/"}
    status = client.post("/login", data=form).status_code
    client.cookies.delete("paperboy_session")  # stay a visitor: the form token stays valid
    return status


def session_cookie(base: str, username: str) -> str:
    with httpx.Client(base_url=base, timeout=30) as client:
        form = {"csrf_token": login_form(client), "login": username, "password": PASSWORD}
        status = client.post("/login", data=form).status_code
        cookie = client.cookies.get("paperboy_session")
        if status != 303 or not cookie:
            raise SystemExit(f"logging in as {username} failed: {status}")
        return cookie


def login_burst(
    base: str, members: list[Member], statuses: Counter[int], stop: threading.Event
) -> None:
    """POST /login at LOGINS_PER_SECOND, on schedule, from a pool (a slow login never delays
    the next one), rotating over members."""
    local = threading.local()

    def one(username: str) -> None:
        if not hasattr(local, "client"):
            local.client = httpx.Client(base_url=base, timeout=30)
            local.token = login_form(local.client)
        try:
            statuses[log_in(local.client, local.token, username)] += 1
        except httpx.HTTPError:
            statuses[0] += 1

    with ThreadPoolExecutor(16) as pool:
        began, number = time.perf_counter(), 0
        while not stop.is_set():
            pool.submit(one, members[number % len(members)].username)
            number += 1
            delay = began + number / LOGINS_PER_SECOND - time.perf_counter()
            if delay > 0:
                time.sleep(delay)


if __name__ == "__main__":
    main()
