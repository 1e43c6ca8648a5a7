"""Digest sending: the whole outbox (plan, claim, choose, compose, send, mark) against bare SMTP.

    .venv/bin/python bench/digest_send_bench.py [--subscribers 2000] [--runs 3] [--connections 1,4]

A SQLite template gets the bundled sample of real daily lists and `--subscribers` subscribers
(default preferences: the top of the daily list) due on one of its days. Each run copies the
template and times `run_digests` end to end to an aiosmtpd sink in its own process on
127.0.0.1 (so the sink does not share this process's GIL): planning a delivery per subscriber,
claiming in batches, choosing and fixing the papers, composing, sending over `connections`
SMTP connections and marking each sent. The baseline, in the same process against the same
kind of sink: the same digests composed beforehand and handed to `SmtpMailer`s in a bare loop,
one thread per connection. Target: ≥ 200 messages/s with 4 connections. Medians of `--runs`.
"""

from __future__ import annotations

import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import harness

from paperboy.app import Deps, build_deps, upgrade_database
from paperboy.config import load_settings
from paperboy.domain.digest_schedule import latest_slot
from paperboy.domain.digests import Preferences
from paperboy.domain.mail import OutgoingMail
from paperboy.jobs.tasks import run_task
from paperboy.mail import mailer_for
from paperboy.mail.smtp import SmtpMailer
from paperboy.services.digest_outbox import composer_of, run_digests

TARGET = 200.0


def site(database: Path, port: int, connections: int) -> Deps:
    settings = load_settings(
        environ={},
        database_url=f"sqlite:///{database}",
        mail_backend="smtp",
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_security="none",
        smtp_timeout=30.0,
        digest_connections=connections,
        embedder="hashing",
        base_url="https://papers.example.org",
    )
    return build_deps(settings)


def make_template(workdir: Path, subscribers: int) -> tuple[Path, datetime]:
    """The sample's daily lists and `subscribers` due at a slot of its last weekday list."""
    database = workdir / "template.sqlite3"
    deps = site(database, 25, 1)
    upgrade_database(deps.settings)
    run_task(deps, "sample.load", {})
    day = deps.store.latest_list_day()
    assert day is not None, "the bundled sample has no daily list"
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    now = datetime(day.year, day.month, day.day, 23, 0, tzinfo=UTC)
    assert latest_slot(Preferences(), now) is not None
    due = now - timedelta(hours=1)
    for n in range(subscribers):
        deps.subscriptions.create(
            f"reader{n}@example.org", Preferences(), due, user_id=None, next_due_at=due
        )
    with sqlite3.connect(database) as connection:  # the copies must not need the -wal file
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return database, now


def outbox_run(template: Path, workdir: Path, now: datetime, connections: int) -> tuple[float, int]:
    """Messages/s of one whole digest run on a fresh copy of the template; received count."""
    database = workdir / "run.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    shutil.copy(template, database)
    sink = harness.CountingSink()
    deps = site(database, sink.port, connections)
    started = time.perf_counter()
    report = run_digests(deps, now=now, connections=connections)
    seconds = time.perf_counter() - started
    received = sink.stop()
    assert report.counts.sent == received > 0, (report, received)
    return received / seconds, received


def composed(template: Path, now: datetime) -> list[OutgoingMail]:
    """Every subscriber's digest, composed once, for the bare send loop."""
    deps = site(template, 25, 1)
    composer = composer_of(deps)
    slot = latest_slot(Preferences(), now)
    assert slot is not None
    mails = []
    for subscription in iter_subscriptions(deps, now):
        papers = composer.choose(subscription, slot, frozenset())
        message_id = f"<bench.{subscription.id}@papers.example.org>"
        mails.append(
            composer.compose(subscription, papers, message_id=message_id, period=slot.period)
        )
    return mails


def iter_subscriptions(deps: Deps, now: datetime) -> list:  # type: ignore[type-arg]
    found, after = [], 0
    while batch := deps.deliveries.due_subscriptions(now, after, 500):
        found.extend(batch)
        after = batch[-1].id
    return found


def bare_run(template: Path, mails: list[OutgoingMail], connections: int) -> tuple[float, int]:
    """Messages/s of `SmtpMailer`s sending the composed mails in a bare loop; received count."""
    sink = harness.CountingSink()
    deps = site(template, sink.port, connections)
    mailers = [mailer_for(deps.settings) for _ in range(connections)]
    shares = [mails[n::connections] for n in range(connections)]

    def send_all(mailer: SmtpMailer, share: list[OutgoingMail]) -> None:
        for mail in share:
            mailer.send(mail)
        mailer.close()

    started = time.perf_counter()
    with ThreadPoolExecutor(connections) as pool:
        list(pool.map(send_all, mailers, shares))
    seconds = time.perf_counter() - started
    received = sink.stop()
    return received / seconds, received


def main() -> None:
    parser = harness.parser(__doc__.splitlines()[0], runs=3)
    parser.add_argument("--subscribers", type=int, default=2000)
    parser.add_argument("--connections", default="1,4")
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="digest-send-"))
    workdir.mkdir(parents=True, exist_ok=True)
    harness.print_header("Digest sending: outbox end to end vs bare SMTP sends")
    template, now = make_template(workdir, args.subscribers)
    mails = composed(template, now)
    size = sum(len(m.text) + len(m.html or "") for m in mails) / max(1, len(mails)) / 1024
    print(f"- {args.subscribers:,} subscribers, digests of {size:.1f} kB (text + HTML)\n")
    rows = []
    for connections in (int(c) for c in args.connections.split(",")):
        bare = [bare_run(template, mails, connections) for _ in range(args.runs)]
        outbox = [outbox_run(template, workdir, now, connections) for _ in range(args.runs)]
        bare_rate = statistics.median(r for r, _ in bare)
        rate = statistics.median(r for r, _ in outbox)
        received = min(n for _, n in outbox)
        met = "yes" if rate >= TARGET and received == args.subscribers else "no"
        rows.append(
            f"| {connections} | {bare_rate:,.0f} | {rate:,.0f} | {rate / bare_rate:.2f} "
            f"| {received:,}/{args.subscribers:,} | {met} |"
        )
        print(rows[-1], file=sys.stderr, flush=True)
    print(
        "| connections | bare SmtpMailer loop msg/s | outbox run msg/s | outbox / bare "
        "| received | ≥ 200/s |\n|---|---|---|---|---|---|"
    )
    print("\n".join(rows))
    harness.print_footer()


if __name__ == "__main__":
    main()
