"""`paperboy digest preview|run|status` on a real SQLite file and a real SMTP server."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from paperboy.app import Deps, build_deps
from paperboy.cli import cli
from paperboy.config import load_settings
from paperboy.domain.digest_schedule import latest_slot
from paperboy.domain.digests import Preferences
from tests.support.community import listed
from tests.support.smtp import SmtpSink
from tests.support.subscribers import add_subscriber

Run = Callable[..., Result]


@pytest.fixture
def config(tmp_path: Path, smtp_sink: SmtpSink) -> Path:
    path = tmp_path / "paperboy.toml"
    database = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    path.write_text(
        f'database_url = "{database}"\nmail_backend = "smtp"\nsmtp_host = "{smtp_sink.host}"\n'
        f'smtp_port = {smtp_sink.port}\nsmtp_security = "none"\nsmtp_timeout = 5.0\n'
    )
    assert CliRunner().invoke(cli, ["--config", str(path), "db", "upgrade"]).exit_code == 0
    return path


@pytest.fixture
def run(config: Path) -> Run:
    def invoke(*args: str) -> Result:
        return CliRunner().invoke(cli, ["--config", str(config), *args])

    return invoke


@pytest.fixture
def site(config: Path) -> Deps:
    """Two subscribers due now, and papers listed in their latest slot's window."""
    deps = build_deps(load_settings(environ={}, config_file=config))
    now = deps.clock()
    slot = latest_slot(Preferences(), now)
    assert slot is not None
    day = date.fromisoformat(slot.period)
    deps.store.upsert_entries([listed(f"2603.{n:05d}", day, upvotes=9 - n) for n in range(1, 4)])
    for name in ("ada", "grace"):
        add_subscriber(deps, f"{name}@example.org", now=now - timedelta(days=8))
    return deps


def test_digest_run_sends_what_is_due(run: Run, site: Deps, smtp_sink: SmtpSink) -> None:
    result = run("digest", "run")
    assert result.exit_code == 0, result.output
    assert "planned 2, sent 2" in result.stdout
    assert "send digests  2/2" in result.stderr  # the progress line
    assert sorted(m.rcpt_tos[0] for m in smtp_sink.wait_for(2)) == [
        "ada@example.org",
        "grace@example.org",
    ]
    assert "planned 0, sent 0" in run("digest", "run").stdout


def test_digest_run_dry_run_lists_and_sends_nothing(
    run: Run, site: Deps, smtp_sink: SmtpSink
) -> None:
    result = run("digest", "run", "--dry-run")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("ada@example.org") and lines[0].endswith("3 paper(s)")
    assert lines[1].strip() == "Paper 2603.00001"
    assert "2 subscriber(s) due; nothing was sent or stored" in lines[-1]
    assert smtp_sink.messages == []
    status = json.loads(run("digest", "status", "--json").stdout)
    assert status["due_now"] == {"subscriptions": 2, "deliveries": 0}
    assert status["runs"] == []


def test_digest_run_json_reports_the_counts(run: Run, site: Deps) -> None:
    result = run("digest", "run", "--json", "--connections", "1")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["planned"], report["sent"], report["failed"]) == (2, 2, 0)


def test_digest_status_shows_subscribers_outbox_and_runs(run: Run, site: Deps) -> None:
    run("digest", "run")
    status = json.loads(run("digest", "status", "--json").stdout)
    assert status["subscribers"]["active"] == 2
    assert status["deliveries"]["sent"] == 2
    assert [(r["planned"], r["sent"]) for r in status["runs"]] == [(2, 2)]
    text = run("digest", "status").stdout
    assert "subscribers: pending 0, active 2" in text and "sent 2" in text


def test_digest_preview_prints_the_mail_and_stores_nothing(
    run: Run, site: Deps, smtp_sink: SmtpSink
) -> None:
    result = run("digest", "preview", "ada@example.org")
    assert result.exit_code == 0, result.output
    head, _, body = result.stdout.partition("\n\n")
    assert "To: ada@example.org" in head and "List-Unsubscribe-Post: " in head
    assert "Paper 2603.00001" in body
    html = run("digest", "preview", "ada@example.org", "--html").stdout
    assert "<html" in html.lower()
    assert smtp_sink.messages == []
    assert json.loads(run("digest", "status", "--json").stdout)["deliveries"]["pending"] == 0


def test_digest_preview_of_an_unknown_address_says_so(run: Run, site: Deps) -> None:
    result = run("digest", "preview", "nobody@example.org")
    assert result.exit_code == 1
    assert "no subscription for 'nobody@example.org'" in result.output
