"""Contract tests for the paper store: each runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from paperboy.domain.merging import ARXIV_FIELDS, ENRICHMENT_FIELDS
from paperboy.domain.models import (
    DailyEntry,
    EntryRecord,
    ListSort,
    Outcome,
    PaperRecord,
    PaperVersion,
    Submitter,
)
from paperboy.services.ports import Cursor, PaperStore

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
DAY = date(2026, 3, 2)
AK = Submitter("akhaliq", "AK", "https://example.org/ak.png")


def record(arxiv_id: str = "2603.01234", version: int | None = 1, **fields: object) -> PaperRecord:
    values: dict[str, object] = {
        "title": "A title",
        "abstract": "An abstract.",
        "authors": ("A. One",),
    }
    values.update(fields)
    return PaperRecord(arxiv_id=arxiv_id, version=version, **values)  # type: ignore[arg-type]


def entry(
    arxiv_id: str,
    day: date = DAY,
    upvotes: int = 0,
    *,
    submitter: Submitter | None = AK,
    submitted_at: datetime = T0,
    **paper_fields: object,
) -> EntryRecord:
    return EntryRecord(
        paper=record(arxiv_id, version=None, **paper_fields),
        listed_on=day,
        submitter=submitter,
        submitted_at=submitted_at,
        upvote_count=upvotes,
    )


def ids(entries: list[DailyEntry]) -> list[str]:
    return [e.paper.arxiv_id for e in entries]


# ---- upsert_papers and the merge rule


def test_upsert_papers_new_then_unchanged(store: PaperStore) -> None:
    assert store.upsert_papers([record()]) == [Outcome.NEW]
    assert store.upsert_papers([record()]) == [Outcome.UNCHANGED]


def test_upsert_papers_round_trips_every_field(store: PaperStore) -> None:
    full = record(
        version=2,
        authors=("A. One", "B. Two"),
        categories=("cs.CL", "cs.LG"),
        primary_category="cs.CL",
        comments="12 pages",
        doi="10.1/x",
        journal_ref="J. 1",
        license="http://creativecommons.org/licenses/by/4.0/",
        published_at=T0,
        updated_at=T0 + timedelta(days=1),
        code_url="https://github.com/a/b",
        code_stars=7,
        project_url="https://a.github.io",
        ai_summary="It works.",
        ai_keywords=("kw1", "kw2"),
        withdrawn=False,
    )
    store.upsert_papers([full])
    paper = store.paper(full.arxiv_id)
    assert paper is not None
    for name in ("title", "abstract", *ARXIV_FIELDS, *ENRICHMENT_FIELDS):
        assert getattr(paper, name) == getattr(full, name), name
    assert paper.published_at is not None and paper.published_at.tzinfo is not None


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


def test_upsert_papers_unversioned_record_fills_but_never_overwrites(store: PaperStore) -> None:
    store.upsert_papers([record(version=2, title="arXiv title", comments=None)])
    daily = record(version=None, title="Daily title", comments="ICML 2026", authors=("X",))
    assert store.upsert_papers([daily]) == [Outcome.UPDATED]
    paper = store.paper("2603.01234")
    assert paper is not None
    assert (paper.version, paper.title, paper.authors) == (2, "arXiv title", ("A. One",))
    assert paper.comments == "ICML 2026"


def test_upsert_papers_arxiv_record_replaces_an_unversioned_one(store: PaperStore) -> None:
    store.upsert_papers([record(version=None, title="Daily title")])
    assert store.upsert_papers([record(version=1, title="arXiv title")]) == [Outcome.UPDATED]
    paper = store.paper("2603.01234")
    assert paper is not None and (paper.version, paper.title) == (1, "arXiv title")


def test_upsert_papers_enrichment_takes_the_latest_observation(store: PaperStore) -> None:
    store.upsert_papers([record(code_url="https://old", code_stars=1, observed_on=DAY)])
    later = record(
        version=None,
        code_url="https://new",
        code_stars=50,
        ai_summary="Summary.",
        observed_on=DAY + timedelta(days=1),
    )
    assert store.upsert_papers([later]) == [Outcome.UPDATED]
    paper = store.paper("2603.01234")
    assert paper is not None
    assert (paper.code_url, paper.code_stars, paper.ai_summary) == ("https://new", 50, "Summary.")


def test_upsert_papers_older_enrichment_only_fills(store: PaperStore) -> None:
    store.upsert_papers([record(code_stars=50, observed_on=DAY)])
    older = record(
        version=None, code_stars=3, project_url="https://p", observed_on=DAY - timedelta(days=9)
    )
    store.upsert_papers([older])
    paper = store.paper("2603.01234")
    assert paper is not None and (paper.code_stars, paper.project_url) == (50, "https://p")


def test_upsert_papers_empty_values_never_erase(store: PaperStore) -> None:
    store.upsert_papers(
        [record(comments="c", code_url="https://code", categories=("cs.CL",), ai_keywords=("k",))]
    )
    bare = record(version=2, comments=None, code_url=None, categories=(), ai_keywords=())
    store.upsert_papers([bare])
    paper = store.paper("2603.01234")
    assert paper is not None and paper.version == 2
    assert (paper.comments, paper.code_url) == ("c", "https://code")
    assert (paper.categories, paper.ai_keywords) == (("cs.CL",), ("k",))


@pytest.mark.parametrize(
    ("versions", "outcomes", "title"),
    [
        ((1, 2), [Outcome.NEW, Outcome.UPDATED], "v2"),
        ((2, 1), [Outcome.NEW, Outcome.UNCHANGED], "v2"),
        ((1, 1), [Outcome.NEW, Outcome.UNCHANGED], "v1"),
    ],
)
def test_upsert_papers_duplicate_ids_in_one_batch_merge_in_order(
    store: PaperStore, versions: tuple[int, int], outcomes: list[Outcome], title: str
) -> None:
    batch = [record(version=v, title=f"v{v}") for v in versions]
    assert store.upsert_papers(batch) == outcomes
    assert store.counts()["papers"] == 1
    paper = store.paper("2603.01234")
    assert paper is not None and paper.title == title


def test_upsert_papers_duplicate_of_a_stored_paper_in_one_batch(store: PaperStore) -> None:
    store.upsert_papers([record(version=1)])
    batch = [record(version=2, title="v2"), record(version=3, title="v3")]
    assert store.upsert_papers(batch) == [Outcome.UPDATED, Outcome.UPDATED]
    paper = store.paper("2603.01234")
    assert paper is not None and (paper.version, paper.title) == (3, "v3")


def test_upsert_papers_records_versions_once_in_order(store: PaperStore) -> None:
    v1, v2, v3 = (PaperVersion(n, T0 + timedelta(days=n)) for n in (1, 2, 3))
    store.upsert_papers([record(version=2, versions=(v2, v1))])
    store.upsert_papers([record(version=3, versions=(v1, v2, v3)), record(versions=(v1,))])
    paper = store.paper("2603.01234")
    assert paper is not None and paper.versions == (v1, v2, v3)


def test_upsert_papers_without_versions_has_none(store: PaperStore) -> None:
    store.upsert_papers([record()])
    paper = store.paper("2603.01234")
    assert paper is not None and paper.versions == ()


def test_paper_unknown_is_none(store: PaperStore) -> None:
    assert store.paper("2603.99999") is None


def test_upsert_papers_many_in_one_batch(store: PaperStore) -> None:
    batch = [record(f"2603.{n:05d}") for n in range(1200)]  # more than one chunk of lookups
    assert store.upsert_papers(batch) == [Outcome.NEW] * 1200
    assert store.upsert_papers(batch) == [Outcome.UNCHANGED] * 1200
    assert store.counts()["papers"] == 1200


# ---- transactions and cursors


def test_cursor_is_saved_with_its_batch(store: PaperStore) -> None:
    store.upsert_papers([record()], Cursor("snapshot", "line 7"))
    assert store.cursor("snapshot") == "line 7"


def test_cursor_unknown_source_is_none(store: PaperStore) -> None:
    assert store.cursor("never-seen") is None


def test_save_cursor_round_trip_and_overwrite(store: PaperStore) -> None:
    store.save_cursor(Cursor("oai", "token-1"))
    store.save_cursor(Cursor("oai", "token-2"))
    store.save_cursor(Cursor("other", "x"))
    assert (store.cursor("oai"), store.cursor("other")) == ("token-2", "x")


def test_upsert_papers_failed_batch_leaves_no_rows_and_no_cursor(store: PaperStore) -> None:
    store.save_cursor(Cursor("snapshot", "line 1"))
    broken = record("2603.00002", title=None)  # violates NOT NULL
    with pytest.raises(IntegrityError):
        store.upsert_papers([record("2603.00001"), broken], Cursor("snapshot", "line 3"))
    assert store.counts()["papers"] == 0
    assert store.cursor("snapshot") == "line 1"


def test_upsert_papers_failed_update_leaves_stored_paper(store: PaperStore) -> None:
    store.upsert_papers([record(title="Kept")])
    broken = record("2603.00002", title=None)
    with pytest.raises(IntegrityError):
        store.upsert_papers([record(version=2, title="Lost"), broken], Cursor("s", "v"))
    paper = store.paper("2603.01234")
    assert paper is not None and paper.title == "Kept"
    assert store.cursor("s") is None


def test_upsert_entries_failed_batch_leaves_no_rows_and_no_cursor(store: PaperStore) -> None:
    broken = EntryRecord(paper=record("2603.00002", title=None), listed_on=DAY, submitter=AK)
    with pytest.raises(IntegrityError):
        store.upsert_entries([entry("2603.00001"), broken], Cursor("daily", "2026-03-02"))
    assert store.counts() == {"papers": 0, "daily_entries": 0, "submitters": 0}
    assert store.cursor("daily") is None


# ---- upsert_entries


def test_upsert_entries_keeps_list_date_submitter_and_upvotes(store: PaperStore) -> None:
    store.upsert_entries([entry("2603.00001", DAY, 5), entry("2603.00002", DAY, 9)])
    entries = store.entries_between(DAY, DAY, sort=ListSort.UPVOTES)
    assert ids(entries) == ["2603.00002", "2603.00001"]
    assert entries[0].submitter == AK
    assert (entries[0].listed_on, entries[0].upvote_count) == (DAY, 9)
    assert entries[0].submitted_at == T0


def test_upsert_entries_outcomes(store: PaperStore) -> None:
    assert store.upsert_entries([entry("2603.00001", upvotes=1)]) == [Outcome.NEW]
    assert store.upsert_entries([entry("2603.00001", upvotes=1)]) == [Outcome.UNCHANGED]
    assert store.upsert_entries([entry("2603.00001", upvotes=4)]) == [Outcome.UPDATED]
    paper_changed = entry("2603.00001", upvotes=4, code_url="https://code")
    assert store.upsert_entries([paper_changed]) == [Outcome.UPDATED]
    assert store.upsert_entries([entry("2603.00001", DAY + timedelta(days=1))]) == [Outcome.NEW]


def test_upsert_entries_never_overwrite_arxiv_fields(store: PaperStore) -> None:
    store.upsert_papers([record("2603.00001", version=2, title="arXiv title")])
    store.upsert_entries([entry("2603.00001", title="Daily title", code_url="https://code")])
    paper = store.paper("2603.00001")
    assert paper is not None
    assert (paper.version, paper.title, paper.code_url) == (2, "arXiv title", "https://code")


def test_upsert_entries_for_a_known_paper_is_new(store: PaperStore) -> None:
    store.upsert_papers([record("2603.00001")])
    assert store.upsert_entries([entry("2603.00001")]) == [Outcome.NEW]
    assert store.counts() == {"papers": 1, "daily_entries": 1, "submitters": 1}


def test_upsert_entries_duplicate_in_one_batch_keeps_the_last(store: PaperStore) -> None:
    batch = [entry("2603.00001", upvotes=1), entry("2603.00001", upvotes=8)]
    assert store.upsert_entries(batch) == [Outcome.NEW, Outcome.UPDATED]
    (only,) = store.entries_between(DAY, DAY)
    assert only.upvote_count == 8


def test_upsert_entries_updates_the_submitter(store: PaperStore) -> None:
    store.upsert_entries([entry("2603.00001")])
    renamed = Submitter("akhaliq", "Ahsen K.", None)
    store.upsert_entries([entry("2603.00002", submitter=renamed)])
    assert {e.submitter for e in store.entries_between(DAY, DAY)} == {renamed}
    assert store.counts()["submitters"] == 1


def test_upsert_entries_without_submitter(store: PaperStore) -> None:
    store.upsert_entries([entry("2603.00001", submitter=None)])
    (only,) = store.entries_between(DAY, DAY)
    assert only.submitter is None
    assert store.count_entries_between(DAY, DAY) == 1


def test_upsert_entries_saves_the_cursor(store: PaperStore) -> None:
    store.upsert_entries([entry("2603.00001")], Cursor("daily", "2026-03-02"))
    assert store.cursor("daily") == "2026-03-02"


# ---- list queries


@pytest.fixture
def listed(store: PaperStore) -> PaperStore:
    """Three days of lists: two submitters, ties on upvotes, one paper on two days."""
    bob = Submitter("bob")
    store.upsert_entries(
        [
            entry("2603.00001", DAY, 5, submitted_at=T0),
            entry("2603.00002", DAY, 9, submitted_at=T0 + timedelta(hours=1)),
            entry("2603.00003", DAY, 5, submitted_at=T0 + timedelta(hours=2), submitter=bob),
            entry("2603.00004", DAY + timedelta(days=1), 1, submitter=bob),
            entry("2603.00001", DAY + timedelta(days=3), 2, submitted_at=T0 + timedelta(days=3)),
        ]
    )
    return store


def test_entries_between_sorts_by_upvotes_then_newest(listed: PaperStore) -> None:
    entries = listed.entries_between(DAY, DAY, sort=ListSort.UPVOTES)
    assert ids(entries) == ["2603.00002", "2603.00003", "2603.00001"]


def test_entries_between_sorts_by_newest(listed: PaperStore) -> None:
    entries = listed.entries_between(DAY, DAY, sort=ListSort.NEWEST)
    assert ids(entries) == ["2603.00003", "2603.00002", "2603.00001"]


def test_entries_between_is_inclusive_of_both_days(listed: PaperStore) -> None:
    entries = listed.entries_between(DAY, DAY + timedelta(days=3))
    assert len(entries) == 5
    assert listed.entries_between(DAY + timedelta(days=1), DAY + timedelta(days=2)) != []
    assert listed.entries_between(DAY + timedelta(days=4), DAY + timedelta(days=9)) == []


@pytest.mark.parametrize(
    ("limit", "offset", "expected"),
    [
        (2, 0, ["2603.00002", "2603.00003"]),
        (2, 2, ["2603.00001"]),
        (1, 1, ["2603.00003"]),
        (5, 3, []),
    ],
)
def test_entries_between_limit_and_offset(
    listed: PaperStore, limit: int, offset: int, expected: list[str]
) -> None:
    assert ids(listed.entries_between(DAY, DAY, limit=limit, offset=offset)) == expected


def test_entries_between_by_submitter(listed: PaperStore) -> None:
    last = DAY + timedelta(days=3)
    assert ids(listed.entries_between(DAY, last, submitter="bob")) == ["2603.00003", "2603.00004"]
    assert listed.entries_between(DAY, last, submitter="nobody") == []


def test_count_entries_between(listed: PaperStore) -> None:
    last = DAY + timedelta(days=3)
    assert listed.count_entries_between(DAY, DAY) == 3
    assert listed.count_entries_between(DAY, last) == 5
    assert listed.count_entries_between(DAY, last, submitter="bob") == 2
    assert listed.count_entries_between(DAY, last, submitter="nobody") == 0


def test_entries_for_paper_in_day_order(listed: PaperStore) -> None:
    days = [e.listed_on for e in listed.entries_for_paper("2603.00001")]
    assert days == [DAY, DAY + timedelta(days=3)]
    assert listed.entries_for_paper("2603.99999") == []


@pytest.mark.parametrize(
    ("day", "before", "after"),
    [
        (DAY, None, DAY + timedelta(days=1)),
        (DAY + timedelta(days=1), DAY, DAY + timedelta(days=3)),
        (DAY + timedelta(days=2), DAY + timedelta(days=1), DAY + timedelta(days=3)),
        (DAY + timedelta(days=3), DAY + timedelta(days=1), None),
    ],
)
def test_list_day_before_and_after_skip_empty_days(
    listed: PaperStore, day: date, before: date | None, after: date | None
) -> None:
    assert (listed.list_day_before(day), listed.list_day_after(day)) == (before, after)


def test_latest_list_day(listed: PaperStore) -> None:
    assert listed.latest_list_day() == DAY + timedelta(days=3)
    assert listed.latest_list_day(on_or_before=DAY + timedelta(days=2)) == DAY + timedelta(days=1)
    assert listed.latest_list_day(on_or_before=DAY) == DAY
    assert listed.latest_list_day(on_or_before=DAY - timedelta(days=1)) is None


def test_list_days_on_an_empty_store_are_none(store: PaperStore) -> None:
    assert store.latest_list_day() is None
    assert (store.list_day_before(DAY), store.list_day_after(DAY)) == (None, None)


def test_papers_published_between_is_half_open_newest_first(store: PaperStore) -> None:
    hours = [0, 1, 2, 3, 24]
    store.upsert_papers(
        [record(f"2603.0000{n}", published_at=T0 + timedelta(hours=h)) for n, h in enumerate(hours)]
        + [record("2603.09999", published_at=None)]
    )
    found = store.papers_published_between(T0, T0 + timedelta(hours=24), limit=10)
    assert [p.arxiv_id for p in found] == ["2603.00003", "2603.00002", "2603.00001", "2603.00000"]
    page = store.papers_published_between(T0, T0 + timedelta(days=2), limit=2, offset=1)
    assert [p.arxiv_id for p in page] == ["2603.00003", "2603.00002"]


def test_papers_published_between_ties_break_by_id(store: PaperStore) -> None:
    store.upsert_papers([record(f"2603.0000{n}", published_at=T0) for n in range(3)])
    found = store.papers_published_between(T0, T0 + timedelta(hours=1), limit=10)
    assert [p.arxiv_id for p in found] == ["2603.00002", "2603.00001", "2603.00000"]


def test_counts(listed: PaperStore) -> None:
    assert listed.counts() == {"papers": 4, "daily_entries": 5, "submitters": 2}


def test_counts_empty(store: PaperStore) -> None:
    assert store.counts() == {"papers": 0, "daily_entries": 0, "submitters": 0}


@pytest.mark.parametrize("sort", list(ListSort))
def test_entries_between_puts_unknown_submission_times_last(
    store: PaperStore, sort: ListSort
) -> None:
    store.upsert_entries(
        [
            EntryRecord(record("2603.00009", version=None), DAY, AK, None, upvote_count=3),
            entry("2603.00001", upvotes=3, submitted_at=T0),
        ]
    )
    assert ids(store.entries_between(DAY, DAY, sort=sort)) == ["2603.00001", "2603.00009"]


def test_content_revision_moves_only_when_something_changed(store: PaperStore) -> None:
    start = store.content_revision()
    store.upsert_papers([record()])
    after_insert = store.content_revision()
    store.upsert_papers([record()])
    assert after_insert > start
    assert store.content_revision() == after_insert
    store.save_cursor(Cursor("x", "1"))
    assert store.content_revision() == after_insert
