"""Crash safety: kill -9 the arXiv-dump import at random moments, resume, compare with a clean one.

    .venv/bin/python bench/kill_bench.py [--runs 1] [--kills 3] [--seed 20260821] [--data DIR]

A clean import goes into one SQLite file (its wall time D sets the kill window). A second file
gets the same import started as a child process and killed with SIGKILL after a seeded random
delay, then started again (it resumes from its saved cursor), `--kills` times, then left to
finish. Each delay is drawn between 1 s and 70 % of the clean run's time still left to do
(D x the share of records not yet stored), so every kill lands inside a running import. After
each kill the three files SQLite left (db, -wal, -shm) are copied and the copy is read, so the
resumed process recovers the exact state the crash left. Both files must end with the same
row counts, no duplicate arxiv_id, the same content checksums and `PRAGMA integrity_check` ok.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import harness

ARXIV_FILE = Path("arxiv-daily/arxiv_daily_dedup.jsonl.gz")
TABLES = ("papers", "paper_versions", "daily_entries", "submitters")
CHECKSUMS = {
    "papers content": (
        "SELECT arxiv_id, version, title, abstract, authors, categories, primary_category,"
        " comments, doi, journal_ref, license, published_at, updated_at, withdrawn"
        " FROM papers ORDER BY arxiv_id"
    ),
    "paper_versions content": (
        "SELECT p.arxiv_id, v.version, v.submitted_at FROM paper_versions v"
        " JOIN papers p ON p.id = v.paper_id ORDER BY p.arxiv_id, v.version"
    ),
    "daily_entries content": (
        "SELECT p.arxiv_id, e.listed_on, e.upvote_count, e.comment_count FROM daily_entries e"
        " JOIN papers p ON p.id = e.paper_id ORDER BY e.listed_on, p.arxiv_id"
    ),
}


@dataclass(frozen=True, slots=True)
class Kill:
    number: int
    delay: float
    window: float
    counts: dict[str, int]
    cursor: str | None
    finished_first: bool


def main() -> None:
    parser = harness.parser(__doc__.splitlines()[0], runs=1)
    parser.add_argument("--kills", type=int, default=3, help="kills per scenario (default 3)")
    parser.add_argument("--seed", type=int, default=20260821, help="seed of the first scenario")
    args = parser.parse_args()
    harness.print_header("Kill -9 benchmark")
    source = args.data / ARXIV_FILE
    if not source.exists():
        raise SystemExit(f"missing {source} (give --data DIR)")
    print(f"- data: `{source}`")
    print(
        f"- scenarios: {args.runs} (seeds {args.seed}..{args.seed + args.runs - 1}), "
        f"{args.kills} kills each\n",
        flush=True,
    )
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="paperboy-bench-kill-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        clean = workdir / "clean.sqlite3"
        clean_seconds = _clean_import(clean, source)
        print(f"clean import: {clean_seconds:.2f} s (D, sets the kill window)\n", flush=True)
        verdicts = [
            _scenario(
                workdir / f"killed-{n}", source, clean, clean_seconds, args.seed + n, args.kills
            )
            for n in range(args.runs)
        ]
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    ok = all(verdicts)
    harness.print_footer()
    print(
        f"\n## Verdict: {'PASS' if ok else 'FAIL'} "
        f"({sum(verdicts)} of {len(verdicts)} scenario(s) identical to the clean import)"
    )
    raise SystemExit(0 if ok else 1)


def _clean_import(path: Path, source: Path) -> float:
    url = harness.sqlite_url(path)
    harness.paperboy(url, "db", "upgrade")
    return harness.paperboy(url, "ingest", "snapshot", str(source), "--json").seconds


def _scenario(
    folder: Path, source: Path, clean: Path, clean_seconds: float, seed: int, kills: int
) -> bool:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "killed.sqlite3"
    url = harness.sqlite_url(path)
    harness.paperboy(url, "db", "upgrade")
    total = _counts(clean)["papers"]
    rng = random.Random(seed)
    argv = [str(harness.PAPERBOY), "--database-url", url, "ingest", "snapshot", str(source)]
    done, log = 0, []
    for number in range(1, kills + 1):
        window = max(1.2, 0.7 * clean_seconds * (1 - done / total))
        delay = rng.uniform(1.0, window)
        finished_first = _run_and_kill(argv, delay)
        snapshot = _copy_crash_state(path, folder / f"after-kill-{number}")
        counts, cursor = _counts(snapshot), _cursor(snapshot)
        log.append(Kill(number, delay, window, counts, cursor, finished_first))
        done = counts["papers"]
    final = harness.run_child([*argv, "--json"])
    _print_kills(seed, log, final)
    return _compare(clean, path, total)


def _run_and_kill(argv: list[str], delay: float) -> bool:
    """Start the import, SIGKILL it after `delay` s; True if it had already finished."""
    with open(os.devnull, "wb") as sink:
        process = subprocess.Popen(argv, stdout=sink, stderr=sink)
        deadline = time.monotonic() + delay
        while time.monotonic() < deadline and process.poll() is None:
            time.sleep(min(0.01, max(0.0, deadline - time.monotonic())))
        finished = process.poll() is not None
        if not finished:
            os.kill(process.pid, signal.SIGKILL)
        process.wait()
    return finished


def _copy_crash_state(path: Path, into: Path) -> Path:
    into.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        original = Path(f"{path}{suffix}")
        if original.exists():
            shutil.copy2(original, into / f"{path.name}{suffix}")
    return into / path.name


def _connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, timeout=30)


def _counts(path: Path) -> dict[str, int]:
    with _connect(path) as db:
        return {t: int(db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in TABLES}


def _cursor(path: Path) -> str | None:
    with _connect(path) as db:
        row = db.execute("SELECT value FROM ingest_cursors").fetchone()
    return None if row is None else str(row[0])


def _cursor_line(cursor: str | None) -> int | None:
    if not cursor or ":" not in cursor:
        return None
    line = cursor.rsplit(":", 1)[1]
    return int(line) if line.isdigit() else None


def _print_kills(seed: int, log: list[Kill], final: harness.Run) -> None:
    print(f"### Scenario seed {seed}\n")
    rows: list[list[Any]] = []
    before = 0
    for kill in log:
        line = _cursor_line(kill.cursor)
        rows.append(
            [
                kill.number,
                f"{kill.delay:.2f} s (window 1–{kill.window:.1f} s)",
                "finished before the kill" if kill.finished_first else "killed",
                f"{kill.counts['papers']:,}",
                f"{kill.counts['papers'] - before:+,}",
                f"{kill.counts['paper_versions']:,}",
                f"{kill.counts['daily_entries']:,}",
                kill.cursor if kill.cursor is not None else "(none)",
                harness.verdict(line == kill.counts["papers"]) if line is not None else "-",
            ]
        )
        before = kill.counts["papers"]
    print(
        harness.table(
            [
                "kill",
                "after",
                "outcome",
                "papers at kill",
                "stored by this run",
                "paper_versions at kill",
                "daily_entries at kill",
                "saved cursor (size-mtime:line)",
                "papers = cursor line?",
            ],
            rows,
        )
    )
    report = final.json()
    counts = ", ".join(f"{k} {report[k]:,}" for k in ("new", "updated", "unchanged", "rejected"))
    print(f"\nfinal run (resumed, not killed): {final.seconds:.2f} s, {counts}\n")


def _compare(clean: Path, killed: Path, total: int) -> bool:
    checks: list[tuple[str, str, str, bool]] = []
    a, b = _counts(clean), _counts(killed)
    for table in TABLES:
        checks.append((f"rows in {table}", f"{a[table]:,}", f"{b[table]:,}", a[table] == b[table]))
    da, db_ = _duplicates(clean), _duplicates(killed)
    checks.append(("duplicate arxiv_id", str(da), str(db_), da == 0 and db_ == 0))
    for name, query in CHECKSUMS.items():
        ha, hb = _checksum(clean, query), _checksum(killed, query)
        checks.append((f"sha256 of {name}", ha[:16], hb[:16], ha == hb))
    for pragma in ("integrity_check", "foreign_key_check"):
        ra, rb = _pragma(clean, pragma), _pragma(killed, pragma)
        checks.append(
            (
                f"PRAGMA {pragma}",
                ra,
                rb,
                ra == rb == ("ok" if pragma == "integrity_check" else "(no rows)"),
            )
        )
    ca, cb = _cursor(clean), _cursor(killed)
    checks.append(("cursor after the last run", repr(ca), repr(cb), ca == cb == ""))
    checks.append(
        (
            "papers = records in the file",
            f"{a['papers']:,}",
            f"{b['papers']:,}",
            a["papers"] == b["papers"] == total,
        )
    )
    print(
        harness.table(
            ["check", "clean import", "killed and resumed", "same / ok?"],
            [[name, x, y, harness.verdict(ok)] for name, x, y, ok in checks],
        )
    )
    return all(ok for *_, ok in checks)


def _duplicates(path: Path) -> int:
    query = (
        "SELECT count(*) FROM (SELECT arxiv_id FROM papers GROUP BY arxiv_id HAVING count(*) > 1)"
    )
    with _connect(path) as db:
        return int(db.execute(query).fetchone()[0])


def _checksum(path: Path, query: str) -> str:
    digest = hashlib.sha256()
    with _connect(path) as db:
        for row in db.execute(query):
            digest.update(json.dumps(row, ensure_ascii=False, default=str).encode())
            digest.update(b"\n")
    return digest.hexdigest()


def _pragma(path: Path, pragma: str) -> str:
    with _connect(path) as db:
        rows = db.execute(f"PRAGMA {pragma}").fetchall()
    return "; ".join(str(r[0]) if len(r) == 1 else str(r) for r in rows[:5]) or "(no rows)"


if __name__ == "__main__":
    main()
