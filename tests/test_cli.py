"""The CLI end to end on a real SQLite file: every command documented, imports, lists, jobs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from paperboy.cli import cli
from paperboy.storage.migrations import MIGRATIONS

from .conftest import DATA

SNAPSHOT = DATA / "jsonl" / "arxiv-snapshot.head60.jsonl"


def all_commands(group: click.Group, prefix: str = "") -> Iterator[tuple[str, click.Command]]:
    for name, command in group.commands.items():
        yield f"{prefix}{name}", command
        if isinstance(command, click.Group):
            yield from all_commands(command, f"{prefix}{name} ")


@pytest.fixture
def run(tmp_path: Path) -> Iterator[object]:
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(cli, ["--database-url", url, *args], catch_exceptions=False)

    yield invoke


@pytest.mark.parametrize("path", [p for p, _ in all_commands(cli)])
def test_cli_help_ends_with_an_example(path: str) -> None:
    result = CliRunner().invoke(cli, [*path.split(), "--help"])
    assert result.exit_code == 0
    after_options = result.output.split("Options:")[1]
    assert "Example" in after_options
    assert result.output.strip().splitlines()[-1].strip().startswith(("paperboy", "PAPERBOY_"))


def test_cli_refuses_a_database_that_needs_upgrading(run) -> None:  # type: ignore[no-untyped-def]
    result = run("papers", "list")
    assert result.exit_code == 1
    assert "paperboy db upgrade" in result.output


def test_cli_db_upgrade_is_safe_to_repeat(run) -> None:  # type: ignore[no-untyped-def]
    assert f"{len(MIGRATIONS)} migration(s) applied" in run("db", "upgrade").output
    assert "database is up to date" in run("db", "upgrade").output
    assert "database is up to date" in run("db", "status").output


def test_cli_ingest_snapshot_reports_counts(run) -> None:  # type: ignore[no-untyped-def]
    run("db", "upgrade")
    first = run("ingest", "snapshot", str(SNAPSHOT), "--json")
    second = run("ingest", "snapshot", str(SNAPSHOT))
    assert json.loads(first.stdout)["new"] == 60
    assert "new 0  updated 0  unchanged 60  rejected 0" in second.stdout


def test_cli_ingest_reports_rejections_on_stderr(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run("db", "upgrade")
    bad = tmp_path / "2026-08-01.json"
    bad.write_text('[{"paper": {"id": "nope", "title": "T"}}]')
    result = run("ingest", "daily-papers", str(bad))
    assert result.exit_code == 0
    assert "rejected: daily-papers 2026-08-01.json: item 0 (nope): not an arXiv id" in result.stderr
    assert "rejected 1" in result.stdout


def test_cli_sample_then_papers_list_and_show(run) -> None:  # type: ignore[no-untyped-def]
    run("db", "upgrade")
    assert "new 600" in run("sample", "load").stdout
    assert "unchanged 600" in run("sample", "load").stdout
    listing = json.loads(run("papers", "list", "--date", "2026-08-21", "--json").stdout)
    assert listing[0]["arxiv_id"] == "2608.19880" and listing[0]["upvotes"] == 163
    assert [p["upvotes"] for p in listing] == sorted((p["upvotes"] for p in listing), reverse=True)
    shown = run("papers", "show", "https://arxiv.org/abs/2608.19880v1")
    assert "EnvHarness: Awakening Static Worlds for Agent Learning" in shown.stdout


def test_cli_papers_show_unknown_id_fails_clearly(run) -> None:  # type: ignore[no-untyped-def]
    run("db", "upgrade")
    result = run("papers", "show", "2601.99999")
    assert result.exit_code == 1
    assert "no paper 2601.99999" in result.output


def test_cli_queued_ingest_runs_in_the_worker(run) -> None:  # type: ignore[no-untyped-def]
    run("db", "upgrade")
    assert "queued job 1" in run("ingest", "snapshot", str(SNAPSHOT), "--queue").stdout
    assert "ran 1 job(s)" in run("jobs", "run", "--until-empty").stdout
    jobs = json.loads(run("jobs", "list", "--json").stdout)
    assert jobs[0]["status"] == "done" and jobs[0]["result"]["new"] == 60


@pytest.mark.parametrize(
    ("variable", "value"),
    [("PAPERBOY_TIMEZONE", "Mars/Olympus"), ("PAPERBOY_PORT", "eighty"), ("PAPERBOY_NOPE", "1")],
)
def test_cli_bad_setting_names_the_variable(variable: str, value: str) -> None:
    result = CliRunner().invoke(cli, ["db", "status"], env={variable: value})
    assert result.exit_code == 2
    assert variable in result.output


def test_cli_reference_in_docs_is_current() -> None:
    from paperboy.cli.reference import cli_reference

    documented = (Path(__file__).parent.parent / "docs" / "cli.md").read_text()
    assert documented == cli_reference(cli), "run: python -m paperboy.cli.reference > docs/cli.md"
