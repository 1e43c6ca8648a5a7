"""`paperboy lists add|remove|pin` against a real SQLite file holding a real recorded day."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from paperboy.cli import cli

DAY_FILE = (
    Path(__file__).parent
    / "data"
    / "hf-history"
    / ("2025-01-10__2025-01-10T170811p0000__434886cd.json")
)
Run = Callable[..., Result]


@pytest.fixture
def run(tmp_path: Path) -> Run:
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(cli, ["--database-url", url, *args])

    invoke("db", "upgrade")
    assert invoke("ingest", "daily-papers", str(DAY_FILE)).exit_code == 0
    return invoke


def listing(run: Run) -> list[str]:
    result = run("papers", "list", "--date", "2025-01-10", "--json")
    return [item["arxiv_id"] for item in json.loads(result.stdout)]


def test_cli_pin_puts_a_paper_first_and_off_unpins(run: Run) -> None:
    last = listing(run)[-1]
    pinned = run("lists", "pin", "2025-01-10", last, "--json")
    assert json.loads(pinned.stdout) == {"id": last, "date": "2025-01-10", "change": "pinned"}
    assert listing(run)[0] == last
    assert "unpinned" in run("lists", "pin", "--off", "2025-01-10", last).stdout
    assert listing(run)[-1] == last


def test_cli_remove_then_add_restores(run: Run) -> None:
    assert (
        "2501.05441: removed (2025-01-10)"
        in run("lists", "remove", "2025-01-10", "2501.05441").stdout
    )
    assert "2501.05441" not in listing(run)
    added = run("lists", "add", "2025-01-10", "https://arxiv.org/abs/2501.05441v1")
    assert "2501.05441: restored (2025-01-10)" in added.stdout
    assert "2501.05441" in listing(run)


def test_cli_add_puts_a_stored_paper_on_another_day(run: Run) -> None:
    assert "added" in run("lists", "add", "2025-01-13", "2501.05441").stdout
    result = run("papers", "list", "--date", "2025-01-13", "--json")
    assert [item["arxiv_id"] for item in json.loads(result.stdout)] == ["2501.05441"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("pin", "2025-13-01", "2501.05441"), "not a day"),
        (("pin", "2025-01-11", "2501.05441"), "2501.05441 is not on the list of 2025-01-11"),
        (("remove", "2025-01-10", "not-an-id"), "paper: not an arXiv id"),
    ],
)
def test_cli_lists_errors_name_the_problem(run: Run, args: tuple[str, ...], message: str) -> None:
    result = run("lists", *args)
    assert result.exit_code != 0
    assert message in result.output
