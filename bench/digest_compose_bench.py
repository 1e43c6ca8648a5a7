"""Composing digests: 100,000 synthetic subscribers over real papers, choose + compose each.

    .venv/bin/python bench/digest_compose_bench.py [--digests 100000] [--runs 3] [--workdir DIR]

Setup (not timed): a SQLite site holding the real Hugging Face daily lists of May and June
2026 (`hf-daily-papers/latest`, with their upvotes), the arXiv categories of those papers from
`arxiv-daily` (so category filters have something to match), the real keyword index and
hashing-embedder vectors (so saved searches run the real hybrid search).

Timed: subscribers are generated one at a time (never held in a list) with varied preferences
— daily or weekly, top / trending / saved searches, 3 to 20 papers, no category or one of
four, a few time zones and hours, a slot on one of five June weekdays, and for a third of them
papers already sent — and for each `DigestComposer.choose` then, when it found papers,
`DigestComposer.compose` (the `OutgoingMail` the sender hands to SMTP). One composer per run,
as `run_digests` makes one per run: its caches start cold. Checkpoints at 10k / 50k / 100k
give the time, the resident memory then, and its growth since the run started (flat memory:
the growth stops once every ranking and paper fragment is cached).

Baseline, same process: a new composer for every subscriber (no ranking, fragment or frame
cache: every digest queries the rankings and renders its templates), over `--baseline`
subscribers. A last row adds MIME (`paperboy.mail.mime.Composer`: headers, quoted-printable)
for 10,000 digests, which the sender does per message. Target (issue 5): 100,000 digests in
≤ 60 s. Creates `/tmp/BENCH_QUIET` while timing.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import harness

from paperboy.app import Deps, build_deps, upgrade_database
from paperboy.config import load_settings
from paperboy.domain.digest_schedule import Slot
from paperboy.domain.digests import (
    DigestContent,
    Frequency,
    Preferences,
    Subscription,
    SubscriptionStatus,
)
from paperboy.embeddings.hashing import HashingEmbedder
from paperboy.mail.mime import Composer
from paperboy.services.digest_compose import DigestComposer
from paperboy.services.embedding import embed_new_papers
from paperboy.services.indexing import sync_keyword_index
from paperboy.services.ingest import ingest
from paperboy.sources.daily_papers import DailyPapersFiles
from paperboy.sources.snapshot import JsonLinesPapers

QUIET = Path("/tmp/BENCH_QUIET")
FIRST_DAY, LAST_DAY = date(2026, 5, 1), date(2026, 6, 30)
PERIODS = ("2026-06-22", "2026-06-23", "2026-06-24", "2026-06-25", "2026-06-26")
ZONES = ("America/New_York", "Europe/Berlin", "Asia/Shanghai", "America/Los_Angeles")
CATEGORIES: tuple[tuple[str, ...], ...] = ((), (), ("cs.CL",), ("cs.CV",), ("cs.LG", "cs.AI"))
SEARCHES = (
    "diffusion models for video generation",
    "reinforcement learning from human feedback",
    "mixture of experts",
    "retrieval augmented generation",
    "vision language models",
    "speculative decoding",
    "reasoning with large language models",
    "3d gaussian splatting",
    "code generation agents",
    "long context attention",
    "multimodal benchmarks",
    "robot manipulation policies",
)
CHECKPOINTS = (10_000, 50_000, 100_000)
TARGET_SECONDS = 60.0
NOW = datetime(2026, 6, 1, tzinfo=UTC)


def main() -> None:
    args = arguments()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="digest-compose-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    harness.print_header("Digest compose: choose + compose per subscriber")
    deps, papers = setup(args.data, workdir)
    print(f"- site: {papers:,} real papers on the daily lists {FIRST_DAY} .. {LAST_DAY}\n")
    while QUIET.exists():  # someone else is measuring
        time.sleep(15)
    QUIET.write_text("C digest_compose_bench\n")
    try:
        measure(deps, args.digests, args.runs, args.baseline)
    finally:
        QUIET.unlink(missing_ok=True)
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    harness.print_footer()


def arguments() -> argparse.Namespace:
    parser = harness.parser("Compose 100,000 digests over real papers.", runs=3)
    parser.add_argument("--digests", type=int, default=100_000, help="subscribers per run")
    parser.add_argument("--baseline", type=int, default=500, help="subscribers for the baseline")
    return parser.parse_args()


def setup(data: Path, workdir: Path) -> tuple[Deps, int]:
    """The site over the real lists (reused when the workdir already holds it)."""
    database = workdir / "site.db"
    settings = load_settings(
        environ={},
        database_url=harness.sqlite_url(database),
        base_url="https://papers.example.org",
        embedder="hashing",
        index_dir=str(workdir / "indexes"),
    )
    fresh = not database.exists()
    upgrade_database(settings)
    deps = build_deps(settings, embedder=HashingEmbedder(), clock=lambda: NOW)
    if fresh:
        started = time.perf_counter()
        days = sorted((data / "hf-daily-papers" / "latest").glob("2026-0[56]-*.json"))
        for day in days:  # one file per import, as the tests do
            ingest(deps.store, DailyPapersFiles([day]))
        listed = {
            e.paper.arxiv_id for e in deps.store.entries_between(FIRST_DAY, LAST_DAY, limit=10**6)
        }
        ingest(deps.store, JsonLinesPapers(categories_of(data, listed, workdir)))
        sync_keyword_index(deps.store, deps.keywords)  # type: ignore[arg-type]
        embed_new_papers(deps.embeddings, HashingEmbedder())
        took = time.perf_counter() - started
        print(f"- setup: {len(days)} list files imported and indexed in {took:.0f} s")
    deps.vectors.sync()
    first = deps.store.latest_list_day(date.fromisoformat(PERIODS[0]) - timedelta(days=1))
    assert first is not None, "no list before the first slot"
    SENT[:] = [e.paper.arxiv_id for e in deps.store.entries_between(first, first, limit=6)]
    count = deps.store.count_entries_between(FIRST_DAY, LAST_DAY)
    return deps, count


def categories_of(data: Path, wanted: set[str], workdir: Path) -> Path:
    """The arxiv-daily records of the listed papers (their categories), as a JSON-lines file."""
    path = workdir / "arxiv-records.jsonl.gz"
    source = data / "arxiv-daily" / "arxiv_daily_dedup.jsonl.gz"
    with gzip.open(source, "rt", encoding="utf-8") as lines, gzip.open(path, "wt") as out:
        for line in lines:
            if line.strip() and json.loads(line)["id"] in wanted:
                out.write(line)
    return path


SENT: list[str] = []  # the most upvoted papers of the first slot's day: sent before to some


def subscribers(count: int, seed: int = 5) -> Iterator[tuple[Subscription, Slot, frozenset[str]]]:
    """`count` varied subscribers with their slot and what they were sent before, one by one."""
    rng = random.Random(seed)
    for number in range(1, count + 1):
        weekly = rng.random() < 0.2
        content = rng.choices(list(DigestContent), weights=(5, 3, 2))[0]
        prefs = Preferences(
            frequency=Frequency.WEEKLY if weekly else Frequency.DAILY,
            weekday=rng.randrange(5),
            hour=rng.choice((7, 8, 9, 18)),
            timezone=rng.choice(ZONES),
            max_papers=rng.choice((3, 5, 10, 10, 20)),
            categories=rng.choice(CATEGORIES),
            content=content,
            searches=tuple(rng.sample(SEARCHES, rng.randint(1, 3)))
            if content is DigestContent.SEARCHES
            else (),
        )
        period = rng.choice(PERIODS)
        due_at = _due_at(period, prefs.hour, prefs.timezone)
        subscription = Subscription(
            number, f"reader{number}@example.org", None, SubscriptionStatus.ACTIVE, prefs,
            due_at + timedelta(days=1), 0, None, NOW, NOW, NOW,
        )  # fmt: skip
        already = frozenset(rng.sample(SENT, 3)) if rng.random() < 0.33 else frozenset()
        yield subscription, Slot(period, due_at), already


@cache
def _due_at(period: str, hour: int, zone: str) -> datetime:
    local = datetime.combine(date.fromisoformat(period), datetime.min.time())
    return local.replace(hour=hour, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def rss_mib() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize() / 2**20


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(deps: Deps, count: int) -> tuple[list[tuple[int, float, float, float]], int, int]:
    """One run: (checkpoint, seconds, RSS MiB, RSS growth MiB) per checkpoint; sent; empty."""
    composer = DigestComposer.from_deps(deps)
    checkpoints = [c for c in CHECKPOINTS if c <= count] or [count]
    marks: list[tuple[int, float, float, float]] = []
    start_rss = rss_mib()
    sent = empty = 0
    started = time.perf_counter()
    for number, (subscription, slot, already) in enumerate(subscribers(count), 1):
        papers = composer.choose(subscription, slot, already)
        if papers:
            composer.compose(
                subscription, papers, message_id=f"<{number}@bench>", period=slot.period
            )
            sent += 1
        else:
            empty += 1
        if number in checkpoints:
            now_rss = rss_mib()
            marks.append((number, time.perf_counter() - started, now_rss, now_rss - start_rss))
    return marks, sent, empty


def baseline(deps: Deps, count: int) -> float:
    """Seconds per digest with a new composer (cold caches) for every subscriber."""
    started = time.perf_counter()
    for number, (subscription, slot, already) in enumerate(subscribers(count, seed=7), 1):
        composer = DigestComposer.from_deps(deps)
        papers = composer.choose(subscription, slot, already)
        if papers:
            composer.compose(
                subscription, papers, message_id=f"<{number}@bench>", period=slot.period
            )
    return (time.perf_counter() - started) / count


def with_mime(deps: Deps, count: int) -> float:
    """Seconds per digest for choose + compose + the MIME message as bytes."""
    composer = DigestComposer.from_deps(deps)
    mime = Composer.from_settings(deps.settings.mail_from, deps.settings.base_url)
    started = time.perf_counter()
    for number, (subscription, slot, already) in enumerate(subscribers(count, seed=9), 1):
        papers = composer.choose(subscription, slot, already)
        if papers:
            mail = composer.compose(
                subscription, papers, message_id=f"<{number}@bench>", period=slot.period
            )
            mime.compose(mail).as_bytes()
    return (time.perf_counter() - started) / count


def measure(deps: Deps, count: int, runs: int, baseline_count: int) -> None:
    per_run = [run(deps, count) for _ in range(runs)]
    _, sent, empty = per_run[0]
    cold = baseline(deps, baseline_count)
    mime = with_mime(deps, min(count, 10_000))
    rows = []
    for index, (checkpoint, *_rest) in enumerate(per_run[0][0]):
        seconds = [marks[index][1] for marks, _, _ in per_run]
        rss = [marks[index][2] for marks, _, _ in per_run]
        growth = [marks[index][3] for marks, _, _ in per_run]
        rate = checkpoint / harness.median(seconds)
        rows.append(
            (
                f"{checkpoint:,} subscribers",
                f"{harness.median(seconds):.1f} ({harness.spread(seconds, '{:.1f}')})",
                f"{rate:,.0f}",
                f"{1e6 / rate:.0f}",
                f"{1 / cold / rate:.3f}" if cold else "n/a",
                f"{harness.median(rss):.0f} (+{harness.median(growth):.1f})",
            )
        )
    full = [marks[-1][1] for marks, _, _ in per_run]
    rows.append(
        (
            f"baseline: new composer per subscriber ({baseline_count:,})",
            f"{cold * count:.0f} (extrapolated)",
            f"{1 / cold:,.0f}",
            f"{cold * 1e6:.0f}",
            "1.000",
            "",
        )
    )
    rows.append(
        (
            f"+ MIME as bytes ({min(count, 10_000):,})",
            f"{mime * count:.1f} (extrapolated)",
            f"{1 / mime:,.0f}",
            f"{mime * 1e6:.0f}",
            f"{1 / cold / (1 / mime):.3f}",
            "",
        )
    )
    headers = (
        "case",
        "seconds (runs)",
        "digests/s",
        "µs/digest",
        "ratio to baseline",
        "RSS MiB (growth in run)",
    )
    print(harness.table(headers, rows))
    print(
        f"\n- {sent:,} digests composed, {empty:,} subscribers with nothing new (no mail) per run"
    )
    print(f"- peak RSS of the process (setup included): {peak_mib():.0f} MiB")
    ok = harness.median(full) <= TARGET_SECONDS and count >= 100_000
    print(f"- target {count:,} digests ≤ {TARGET_SECONDS:.0f} s: {harness.verdict(ok)}")


if __name__ == "__main__":
    main()
