"""Kill -9 a real `paperboy digest run` at random moments, restart it, and count what arrived.

Shared by `tests/test_digest_crash.py` (a few hundred subscribers, 5 kills) and
`bench/digest_crash_bench.py` (2,000 subscribers, 10 kills). The SMTP sink is the test's own
(aiosmtpd in a thread of this process); the sender is a child process, so SIGKILL hits it
mid-send with its SQLite transactions and SMTP sessions open, as a crash would.

Each kill lands while the child is sending: once the sink has received a message from this
child, a seeded random 0–`window` seconds later. Then the next child starts at once. Once the
kills are done, children run until the outbox is empty (a killed child's claims are taken back
when their lease is over).

A kill can duplicate only messages in flight: accepted by the server, not yet marked sent. That
is at most one per SMTP connection of the killed process, so with one connection duplicates ≤
kills always holds; with several it holds on average (each is in that window a few % of the
time), which the bench reports.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from paperboy.app import Deps, build_deps, upgrade_database
from paperboy.config import load_settings
from paperboy.domain.digest_schedule import latest_slot
from paperboy.domain.digests import DeliveryStatus, Preferences
from paperboy.domain.models import EntryRecord, PaperRecord
from tests.support.smtp import SmtpSink

LEASE_SECONDS = 3.0  # short, so a killed child's claims come back within the test
SMTP_TIMEOUT = 0.5


@dataclass
class CrashReport:
    """What the sink received over all the children."""

    subscribers: int
    kills: int
    children: int
    received: int
    missed: list[str]
    duplicates: int
    duplicates_with_another_id: list[str]
    unsent: dict[str, int]
    seconds: float
    per_kill: list[int] = field(default_factory=list)


def write_config(workdir: Path, sink: SmtpSink, connections: int = 4) -> Path:
    """A settings file: SQLite in `workdir`, mail over SMTP to `sink`, short leases."""
    path = workdir / "paperboy.toml"
    path.write_text(
        f'database_url = "sqlite:///{workdir / "crash.sqlite3"}"\n'
        f'mail_backend = "smtp"\nsmtp_host = "{sink.host}"\nsmtp_port = {sink.port}\n'
        f'smtp_security = "none"\nsmtp_timeout = {SMTP_TIMEOUT}\n'
        f"digest_lease_seconds = {LEASE_SECONDS}\ndigest_connections = {connections}\n"
        'embedder = "hashing"\n'
    )
    return path


def seed_site(config: Path, subscribers: int) -> Deps:
    """The database, papers listed in today's window, and `subscribers` due now."""
    settings = load_settings(environ={}, config_file=config)
    upgrade_database(settings)
    deps = build_deps(settings)
    now = deps.clock()
    slot = latest_slot(Preferences(), now)
    assert slot is not None
    day = date.fromisoformat(slot.period)
    entries = [
        EntryRecord(
            paper=PaperRecord(
                arxiv_id=f"2603.{n:05d}", title=f"Crash-safe paper {n}", abstract="Abstract."
            ),
            listed_on=day,
            upvote_count=100 - n,
        )
        for n in range(1, 13)
    ]
    deps.store.upsert_entries(entries)
    since = now - timedelta(days=8)
    for n in range(subscribers):
        deps.subscriptions.create(
            f"reader{n}@example.org", Preferences(), since, user_id=None, next_due_at=since
        )
    return deps


def crash_and_restart(
    config: Path,
    deps: Deps,
    sink: SmtpSink,
    *,
    subscribers: int,
    kills: int,
    seed: int,
    window: float = 0.3,
    deadline: float = 50.0,
) -> CrashReport:
    """Start, kill and restart `paperboy digest run` `kills` times, then run until done."""
    rng = random.Random(seed)
    started = time.monotonic()
    children, per_kill, done_kills = 0, [], 0
    while done_kills < kills:
        before = len(sink.messages)
        child = _start(config)
        children += 1
        if not _wait_for_sending(child, sink, before, started + deadline):
            continue  # it finished (or had nothing left) before sending: start another
        time.sleep(rng.uniform(0.0, window))
        if child.poll() is None:
            child.send_signal(signal.SIGKILL)
            child.wait(timeout=10)
            done_kills += 1
            per_kill.append(_duplicates(sink))
    while _unsent(deps) and time.monotonic() < started + deadline:
        children += 1
        child = _start(config)
        child.wait(timeout=max(1.0, started + deadline - time.monotonic()))
        if _unsent(deps):
            time.sleep(LEASE_SECONDS / 2)  # a killed child's claims wait out their lease
    return _report(deps, sink, subscribers, done_kills, children, per_kill, started)


def _start(config: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-c", "from paperboy.cli import main; main()"]
    return subprocess.Popen(
        [*command, "--config", str(config), "digest", "run"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _wait_for_sending(
    child: subprocess.Popen[bytes], sink: SmtpSink, before: int, deadline: float
) -> bool:
    while time.monotonic() < deadline:
        if len(sink.messages) > before:
            return True
        if child.poll() is not None:
            return False
        time.sleep(0.005)
    child.kill()
    child.wait(timeout=10)
    raise AssertionError("the digest run sent nothing before the deadline")


def _unsent(deps: Deps) -> int:
    counts = deps.digest_runs.delivery_counts()
    due = deps.digest_runs.due_count(deps.clock())[0]
    return counts[DeliveryStatus.PENDING.value] + counts[DeliveryStatus.SENDING.value] + due


def _duplicates(sink: SmtpSink) -> int:
    per_address = Counter(m.rcpt_tos[0] for m in list(sink.messages))
    return sum(n - 1 for n in per_address.values())


def _report(
    deps: Deps,
    sink: SmtpSink,
    subscribers: int,
    kills: int,
    children: int,
    per_kill: list[int],
    started: float,
) -> CrashReport:
    messages = list(sink.messages)
    ids: dict[str, set[str]] = {}
    for message in messages:
        ids.setdefault(message.rcpt_tos[0], set()).add(str(message.message["Message-ID"]))
    wanted = {f"reader{n}@example.org" for n in range(subscribers)}
    counts = deps.digest_runs.delivery_counts()
    return CrashReport(
        subscribers=subscribers,
        kills=kills,
        children=children,
        received=len(messages),
        missed=sorted(wanted - set(ids)),
        duplicates=len(messages) - len(ids),
        duplicates_with_another_id=sorted(a for a, found in ids.items() if len(found) > 1),
        unsent={k: v for k, v in counts.items() if k != DeliveryStatus.SENT.value and v},
        seconds=time.monotonic() - started,
        per_kill=[b - a for a, b in zip([0, *per_kill], per_kill, strict=False)],
    )
