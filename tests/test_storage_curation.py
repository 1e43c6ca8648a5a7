"""Contract tests for the curation store on SQLite and PostgreSQL: additions, removals, pins."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest

from paperboy.domain.community import EntryChange
from paperboy.storage.curation import SqlCurationStore
from paperboy.storage.engine import make_engine
from paperboy.storage.papers import SqlPaperStore
from tests.support.community import insert_member, listed, paper

DAY = date(2026, 3, 2)
T0 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


@pytest.fixture
def papers(database_url: str) -> Iterator[SqlPaperStore]:
    store = SqlPaperStore(make_engine(database_url))
    yield store
    store.engine.dispose()


@pytest.fixture
def curation(papers: SqlPaperStore) -> SqlCurationStore:
    return SqlCurationStore(papers.engine)


def ids(papers: SqlPaperStore, day: date = DAY) -> list[str]:
    return [e.paper.arxiv_id for e in papers.entries_between(day, day)]


def test_added_entry_is_listed_with_its_member(
    papers: SqlPaperStore, curation: SqlCurationStore
) -> None:
    papers.upsert_papers([paper("2603.00001")])
    alice = insert_member(papers.engine, "alice")
    before = papers.content_revision()
    assert curation.add_entry("2603.00001", DAY, alice.id, T0) is EntryChange.ADDED
    (entry,) = papers.entries_between(DAY, DAY)
    assert entry.submitter is not None
    assert (entry.submitter.username, entry.submitter.user_id) == ("alice", alice.id)
    assert entry.submitted_at == T0
    assert papers.content_revision() > before


def test_local_member_is_not_confused_with_imported_namesake(
    papers: SqlPaperStore, curation: SqlCurationStore
) -> None:
    papers.upsert_entries([listed("2603.00001", DAY, submitter="alice")])
    papers.upsert_papers([paper("2603.00002")])
    alice = insert_member(papers.engine, "alice")
    curation.add_entry("2603.00002", DAY, alice.id, T0)
    submitters = {
        e.paper.arxiv_id: e.submitter.user_id
        for e in papers.entries_between(DAY, DAY)
        if e.submitter
    }
    assert submitters == {"2603.00001": None, "2603.00002": alice.id}


def test_adding_a_listed_paper_changes_nothing(
    papers: SqlPaperStore, curation: SqlCurationStore
) -> None:
    papers.upsert_entries([listed("2603.00001", DAY)])
    before = papers.content_revision()
    assert curation.add_entry("2603.00001", DAY, None, T0) is EntryChange.ALREADY_LISTED
    assert papers.content_revision() == before
    assert papers.count_entries_between(DAY, DAY) == 1


def test_unknown_paper_is_not_added(papers: SqlPaperStore, curation: SqlCurationStore) -> None:
    assert curation.add_entry("2603.99999", DAY, None, T0) is EntryChange.NO_PAPER
    assert not curation.set_hidden("2603.99999", DAY, True, T0)
    assert not curation.set_pinned("2603.99999", DAY, True, T0)


def test_removed_entry_leaves_lists_and_counts(
    papers: SqlPaperStore, curation: SqlCurationStore
) -> None:
    papers.upsert_entries([listed("2603.00001", DAY), listed("2603.00002", DAY)])
    assert curation.set_hidden("2603.00001", DAY, True, T0)
    assert ids(papers) == ["2603.00002"]
    assert papers.count_entries_between(DAY, DAY) == 1
    assert papers.entries_for_paper("2603.00001") == []
    assert curation.hidden_on(DAY) == ["2603.00001"]


def test_a_day_whose_entries_were_all_removed_is_no_neighbour(
    papers: SqlPaperStore, curation: SqlCurationStore
) -> None:
    days = [DAY, date(2026, 3, 3), date(2026, 3, 4)]
    papers.upsert_entries([listed(f"2603.0000{i}", day) for i, day in enumerate(days, 1)])
    assert curation.set_hidden("2603.00002", days[1], True, T0)
    assert papers.list_day_after(DAY) == days[2]
    assert papers.list_day_before(days[2]) == DAY
    assert curation.set_hidden("2603.00003", days[2], True, T0)
    assert papers.latest_list_day() == DAY
    assert curation.set_hidden("2603.00002", days[1], False, T0)
    assert papers.list_day_after(DAY) == days[1]


def test_reimport_does_not_bring_back_a_removed_entry(
    papers: SqlPaperStore, curation: SqlCurationStore
) -> None:
    papers.upsert_entries([listed("2603.00001", DAY, upvotes=1)])
    curation.set_hidden("2603.00001", DAY, True, T0)
    papers.upsert_entries([listed("2603.00001", DAY, upvotes=5)])
    assert ids(papers) == []


def test_member_cannot_relist_removed_entry_but_curator_restores_it(
    papers: SqlPaperStore, curation: SqlCurationStore
) -> None:
    papers.upsert_entries([listed("2603.00001", DAY)])
    curation.set_hidden("2603.00001", DAY, True, T0)
    assert curation.add_entry("2603.00001", DAY, None, T0) is EntryChange.REMOVED_BY_CURATOR
    assert curation.add_entry("2603.00001", DAY, None, T0, restore=True) is EntryChange.RESTORED
    assert ids(papers) == ["2603.00001"]


def test_pinned_entry_comes_first_until_unpinned(
    papers: SqlPaperStore, curation: SqlCurationStore
) -> None:
    papers.upsert_entries([listed("2603.00001", DAY, upvotes=9), listed("2603.00002", DAY, 1)])
    assert curation.set_pinned("2603.00002", DAY, True, T0)
    entries = papers.entries_between(DAY, DAY)
    assert [(e.paper.arxiv_id, e.pinned) for e in entries] == [
        ("2603.00002", True),
        ("2603.00001", False),
    ]
    curation.set_pinned("2603.00002", DAY, False, T0)
    assert ids(papers) == ["2603.00001", "2603.00002"]


def test_pin_twice_moves_revision_once(papers: SqlPaperStore, curation: SqlCurationStore) -> None:
    papers.upsert_entries([listed("2603.00001", DAY)])
    curation.set_pinned("2603.00001", DAY, True, T0)
    after_first = papers.content_revision()
    curation.set_pinned("2603.00001", DAY, True, T0)
    assert papers.content_revision() == after_first


def test_daily_limit_counts_member_entries_of_the_day(
    papers: SqlPaperStore, curation: SqlCurationStore
) -> None:
    papers.upsert_papers([paper(f"2603.0000{i}") for i in range(1, 4)])
    alice = insert_member(papers.engine, "alice")
    outcomes = [
        curation.add_entry(f"2603.0000{i}", DAY, alice.id, T0, daily_limit=2) for i in range(1, 4)
    ]
    assert outcomes == [EntryChange.ADDED, EntryChange.ADDED, EntryChange.LIMIT_REACHED]
    assert curation.submissions_on(alice.id, DAY) == 2


def test_racing_submissions_never_pass_the_limit(
    papers: SqlPaperStore, curation: SqlCurationStore
) -> None:
    papers.upsert_papers([paper(f"2603.000{i:02d}") for i in range(12)])
    alice = insert_member(papers.engine, "alice")
    barrier = threading.Barrier(12)

    def submit(i: int) -> None:
        barrier.wait()
        curation.add_entry(f"2603.000{i:02d}", DAY, alice.id, T0, daily_limit=3)

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert curation.submissions_on(alice.id, DAY) == 3


def test_racing_additions_of_one_paper_list_it_once(
    papers: SqlPaperStore, curation: SqlCurationStore
) -> None:
    papers.upsert_papers([paper("2603.00001")])
    barrier = threading.Barrier(8)
    outcomes: list[EntryChange] = []

    def add() -> None:
        barrier.wait()
        outcomes.append(curation.add_entry("2603.00001", DAY, None, T0))

    threads = [threading.Thread(target=add) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == sorted([EntryChange.ADDED] + [EntryChange.ALREADY_LISTED] * 7)
    assert papers.count_entries_between(DAY, DAY) == 1
