"""`paperboy search` end to end: import, index, embed and search with the operator's commands."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from paperboy.cli import cli
from tests.support.search_corpus import ARXIV_RECORDS

Run = Callable[..., Result]
FIRST_TITLE = (
    "industrial-grade sensor simulation via gaussian splatting: a modular framework "
    "for scalable editing and full-stack validation"
)


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Run:
    monkeypatch.setenv("PAPERBOY_EMBEDDER", "hashing")
    monkeypatch.setenv("PAPERBOY_INDEX_DIR", str(tmp_path / "indexes"))
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"

    def invoke(*args: str, code: int = 0) -> Result:
        result = CliRunner().invoke(cli, ["--database-url", url, *args])
        assert result.exit_code == code, result.output
        return result

    invoke("db", "upgrade")
    invoke("ingest", "snapshot", str(ARXIV_RECORDS))
    invoke("index", "sync")
    invoke("embed")
    return invoke


def test_cli_search_prints_a_table(run: Run) -> None:
    output = run("search", "gaussian splatting sensor simulation").output
    assert "results" in output and "2503.11731" in output.splitlines()[1]


def test_cli_search_json_has_scores_and_filters(run: Run) -> None:
    body = json.loads(run("search", FIRST_TITLE, "--category", "cs.RO", "--json").output)
    first = body["hits"][0]
    assert first["paper"]["arxiv_id"] == "2503.11731" and first["pinned"]
    assert all("cs.RO" in hit["paper"]["categories"] for hit in body["hits"])
    assert body["degraded"] is None and body["took_ms"] > 0


def test_cli_search_refuses_a_query_too_long(run: Run) -> None:
    result = run("search", "x" * 501, code=2)
    assert "500" in result.output
