"""The daily-papers JSON source: real files (including the odd real ones) and bad input."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from paperboy.domain.models import EntryRecord, Rejection
from paperboy.sources.daily_papers import DailyPapersFiles, parse_daily_file

from .conftest import DATA

REAL_DAY = DATA / "daily-papers" / "2026-08-21.json"
ODD = DATA / "daily-papers-odd"


def entries(path: Path) -> list[EntryRecord]:
    items = list(parse_daily_file(path))
    assert not [i for i in items if isinstance(i, Rejection)]
    return [i for i in items if isinstance(i, EntryRecord)]


def test_daily_file_keeps_every_field_of_a_real_item() -> None:
    first = next(e for e in entries(REAL_DAY) if e.paper.arxiv_id == "2608.19880")
    assert first.listed_on == date(2026, 8, 21)
    assert first.paper.title == "EnvHarness: Awakening Static Worlds for Agent Learning"
    assert first.paper.authors[:2] == ("Chengsong Huang", "Zifeng Wang")
    assert len(first.paper.authors) == 17
    assert first.upvote_count == 163
    assert first.comment_count == 1
    assert first.submitter is not None and first.submitter.username == "taesiri"
    assert first.submitted_at == datetime(2026, 8, 21, tzinfo=UTC)
    assert first.paper.code_url == "https://github.com/google-research/envharness"
    assert first.paper.code_stars == 8
    assert first.paper.project_url == "https://envharness.com/"
    assert first.paper.ai_keywords[:2] == ("LLM agents", "Environment Harness")
    assert first.paper.published_at == datetime(2026, 8, 20, tzinfo=UTC)


@pytest.mark.parametrize(
    ("name", "count"),
    [("2025-01-02.json", 3), ("2025-01-10.json", 9)],
    ids=["python-repr-strings", "status-wrapper"],
)
def test_daily_file_parses_the_malformed_real_shapes(name: str, count: int) -> None:
    parsed = entries(ODD / name)
    assert len(parsed) == count
    assert all(e.listed_on == date.fromisoformat(name[:10]) for e in parsed)
    assert all(e.paper.title and e.paper.arxiv_id for e in parsed)


def _item(arxiv_id: str = "2608.00001", **paper: object) -> dict[str, object]:
    return {"paper": {"id": arxiv_id, "title": "T", "summary": "S", "upvotes": 1, **paper}}


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("{not json", "not readable JSON"),
        (json.dumps({"unexpected": 1}), "expected a list of papers"),
        (json.dumps([_item("not-an-id")]), "not an arXiv id"),
        (json.dumps([{"paper": {"title": "no id"}}]), "missing field 'id'"),
        (json.dumps([_item(title="")]), "missing or empty 'title'"),
        (json.dumps([_item(upvotes="many")]), "expected a whole number"),
        (json.dumps(["{'paper': __import__('os')}"]), "malformed node"),
    ],
    ids=["not-json", "not-a-list", "bad-id", "no-id", "empty-title", "bad-upvotes", "code-in-repr"],
)
def test_daily_file_rejects_bad_input_naming_what_was_wrong(
    tmp_path: Path, content: str, reason: str
) -> None:
    path = tmp_path / "2026-08-01.json"
    path.write_text(content)
    rejections = [i for i in parse_daily_file(path) if isinstance(i, Rejection)]
    assert len(rejections) == 1
    assert reason in rejections[0].reason
    assert "2026-08-01.json" in str(rejections[0])


def test_daily_file_lands_the_good_items_around_a_bad_one(tmp_path: Path) -> None:
    path = tmp_path / "2026-08-01.json"
    path.write_text(json.dumps([_item("2608.00001"), _item("bad"), _item("2608.00002")]))
    items = list(parse_daily_file(path))
    assert [type(i).__name__ for i in items] == ["EntryRecord", "Rejection", "EntryRecord"]
    assert "item 1 (bad)" in str(items[1])


def test_daily_file_drops_urls_that_are_not_http(tmp_path: Path) -> None:
    path = tmp_path / "2026-08-01.json"
    path.write_text(json.dumps([_item(githubRepo="javascript:alert(1)", projectPage="data:x")]))
    (entry,) = entries(path)
    assert entry.paper.code_url is None and entry.paper.project_url is None


def test_daily_files_resume_after_the_last_whole_file() -> None:
    source = DailyPapersFiles([DATA / "daily-papers"])
    first_file = source.files[0].name
    resumed = [item for item, _ in source.records(resume_from=first_file)]
    everything = [item for item, _ in source.records(resume_from=None)]
    skipped = len(entries(source.files[0]))
    assert len(resumed) == len(everything) - skipped
