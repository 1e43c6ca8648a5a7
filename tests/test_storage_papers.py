"""Contract tests for the paper store: each runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime

from paperboy.domain.models import EntryRecord, ListSort, Outcome, PaperRecord, Submitter
from paperboy.services.ports import Cursor, PaperStore

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def record(arxiv_id: str = "2603.01234", version: int | None = 1, **fields: object) -> PaperRecord:
    values: dict[str, object] = {"title": "A title", "abstract": "An abstract.", "authors": ("A. One",)}
    values.update(fields)
    return PaperRecord(arxiv_id=arxiv_id, version=version, **values)  # type: ignore[arg-type]


def entry(arxiv_id: str, day: date, upvotes: int, **fields: object) -> EntryRecord:
    return EntryRecord(
        paper=record(arxiv_id, version=None),
        listed_on=day,
        submitter=Submitter("akhaliq", "AK"),
        submitted_at=T0,
        upvote_count=upvotes,
        **fields,  # type: ignore[arg-type]
    )


def test_upsert_papers_new_then_unchanged(store: PaperStore) -> None:
    assert store.upsert_papers([record()]) == [Outcome.NEW]
    assert store.upsert_papers([record()]) == [Outcome.UNCHANGED]


def test_upsert_papers_newer_version_replaces(store: PaperStore) -> None:
    store.upsert_papers([record(title="First")])
    assert store.upsert_papers([record(version=2, title="Second")]) == [Outcome.UPDATED]
    paper = store.paper("2603.01234")
    assert paper is not None and (paper.version, paper.title) == (2, "Second")


def test_upsert_papers_older_version_never_overwrites(store: PaperStore) -> None:
    store.upsert_papers([record(version=3, title="Third")])
    assert store.upsert_papers([record(version=1, title="First")]) == [Outcome.UNCHANGED]
    paper = store.paper("2603.01234")
    assert paper is not None and paper.title == "Third"


def test_upsert_entries_keeps_list_date_submitter_and_upvotes(store: PaperStore) -> None:
    day = date(2026, 3, 2)
    store.upsert_entries([entry("2603.00001", day, 5), entry("2603.00002", day, 9)])
    entries = store.entries_between(day, day, sort=ListSort.UPVOTES)
    assert [e.paper.arxiv_id for e in entries] == ["2603.00002", "2603.00001"]
    assert entries[0].submitter == Submitter("akhaliq", "AK")


def test_cursor_is_saved_with_its_batch(store: PaperStore) -> None:
    store.upsert_papers([record()], Cursor("snapshot", "line 7"))
    assert store.cursor("snapshot") == "line 7"
