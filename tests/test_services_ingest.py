"""Ingest: batches, reports, resuming after an interruption, and idempotence, on both engines."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import MetaData, select

from paperboy.domain.models import PaperRecord, Rejection
from paperboy.services.ingest import ingest
from paperboy.services.ports import PaperStore, ParsedItem
from paperboy.sources.daily_papers import DailyPapersFiles
from paperboy.sources.snapshot import JsonLinesPapers
from paperboy.storage.papers import SqlPaperStore

from .conftest import DATA

SNAPSHOT = DATA / "jsonl" / "arxiv-snapshot.head60.jsonl"


class Interrupted(Exception):
    """Stands for a crash in the middle of an import."""


class StopsAfter:
    """A real source that dies after `limit` items, as a killed import would."""

    def __init__(self, source: JsonLinesPapers, limit: int) -> None:
        self.source, self.limit, self.name = source, limit, source.name

    def total(self) -> int | None:
        return self.source.total()

    def records(self, resume_from: str | None) -> Iterator[tuple[ParsedItem, str | None]]:
        for count, pair in enumerate(self.source.records(resume_from)):
            if count == self.limit:
                raise Interrupted
            yield pair


def table_dump(store: PaperStore) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, for comparing whole databases."""
    assert isinstance(store, SqlPaperStore)
    meta = MetaData()
    meta.reflect(store.engine)
    with store.engine.connect() as connection:
        return {
            name: sorted(connection.execute(select(table)).all(), key=repr)
            for name, table in meta.tables.items()
            if name not in {"ingest_cursors", "schema_migrations"}
        }


def test_ingest_reports_new_then_unchanged(store: PaperStore) -> None:
    first = ingest(store, JsonLinesPapers(SNAPSHOT), batch_size=7)
    second = ingest(store, JsonLinesPapers(SNAPSHOT), batch_size=7)
    assert first.as_dict() == {"new": 60, "updated": 0, "unchanged": 0, "rejected": 0}
    assert second.as_dict() == {"new": 0, "updated": 0, "unchanged": 60, "rejected": 0}


def test_ingest_same_files_twice_leaves_identical_tables(store: PaperStore) -> None:
    files = DailyPapersFiles([DATA / "daily-papers", DATA / "daily-papers-odd"])
    ingest(store, files)
    before = table_dump(store)
    report = ingest(store, files)
    assert report.new == report.updated == 0
    assert table_dump(store) == before


def test_ingest_resumes_after_interruption_without_duplicates(store: PaperStore) -> None:
    with pytest.raises(Interrupted):
        ingest(store, StopsAfter(JsonLinesPapers(SNAPSHOT), limit=25), batch_size=10)
    assert store.counts()["papers"] == 20  # two whole batches landed, the third did not
    assert store.cursor(JsonLinesPapers(SNAPSHOT).name)
    resumed = ingest(store, JsonLinesPapers(SNAPSHOT), batch_size=10)
    assert resumed.new == 40
    assert store.counts()["papers"] == 60


def test_ingest_restart_ignores_the_cursor(store: PaperStore) -> None:
    with pytest.raises(Interrupted):
        ingest(store, StopsAfter(JsonLinesPapers(SNAPSHOT), limit=25), batch_size=10)
    report = ingest(store, JsonLinesPapers(SNAPSHOT), batch_size=10, resume=False)
    assert (report.new, report.unchanged) == (40, 20)


def test_ingest_reports_rejections_and_lands_the_rest(store: PaperStore, tmp_path: Any) -> None:
    path = tmp_path / "mixed.jsonl"
    lines = SNAPSHOT.read_text().splitlines()[:3]
    path.write_text("\n".join([lines[0], "not json", lines[1], '{"id": "2401.1"}', lines[2]]))
    seen: list[Rejection] = []
    report = ingest(store, JsonLinesPapers(path), on_rejection=seen.append)
    assert (report.new, report.rejected) == (3, 2)
    assert seen == report.rejections
    assert "line 2" in str(seen[0]) and "line 4 (2401.1)" in str(seen[1])


def test_ingest_newer_version_from_snapshot_replaces_listing_fields(store: PaperStore) -> None:
    listing = PaperRecord("0704.0001", "Old title", "Old abstract", version=None)
    store.upsert_papers([listing])
    report = ingest(store, JsonLinesPapers(SNAPSHOT))
    paper = store.paper("0704.0001")
    assert report.updated == 1
    assert paper is not None and paper.title.startswith("Calculation of prompt diphoton")
    assert [v.version for v in paper.versions] == [1, 2]
