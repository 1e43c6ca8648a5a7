"""Contract tests for the vote store on SQLite and PostgreSQL: exact counts, history, revisions."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest

from paperboy.domain.community import VoteState
from paperboy.storage.engine import make_engine
from paperboy.storage.papers import SqlPaperStore
from paperboy.storage.votes import SqlVoteStore
from tests.support.community import insert_member, insert_members, listed

DAY = date(2026, 3, 2)
T0 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


@pytest.fixture
def papers(database_url: str) -> Iterator[SqlPaperStore]:
    store = SqlPaperStore(make_engine(database_url))
    yield store
    store.engine.dispose()


@pytest.fixture
def votes(papers: SqlPaperStore) -> SqlVoteStore:
    return SqlVoteStore(papers.engine)


def test_vote_counts_once_per_member(papers: SqlPaperStore, votes: SqlVoteStore) -> None:
    papers.upsert_entries([listed("2603.00001", DAY, upvotes=7)])
    alice = insert_member(papers.engine, "alice")
    first = votes.set_vote(alice.id, "2603.00001", True, T0)
    again = votes.set_vote(alice.id, "2603.00001", True, T0 + timedelta(minutes=1))
    assert first == again == VoteState("2603.00001", upvoted=True, upvote_count=8)
    assert votes.member_vote_count("2603.00001") == 1


def test_vote_taken_back_once(papers: SqlPaperStore, votes: SqlVoteStore) -> None:
    papers.upsert_entries([listed("2603.00001", DAY, upvotes=7)])
    alice = insert_member(papers.engine, "alice")
    votes.set_vote(alice.id, "2603.00001", True, T0)
    removed = votes.set_vote(alice.id, "2603.00001", False, T0)
    twice = votes.set_vote(alice.id, "2603.00001", False, T0)
    assert removed == twice == VoteState("2603.00001", upvoted=False, upvote_count=7)
    assert votes.member_vote_count("2603.00001") == 0


def test_vote_on_unknown_paper_is_none(papers: SqlPaperStore, votes: SqlVoteStore) -> None:
    alice = insert_member(papers.engine, "alice")
    assert votes.set_vote(alice.id, "2603.99999", True, T0) is None
    assert votes.vote_state(alice.id, "2603.99999") is None


def test_vote_moves_content_revision_only_when_it_changes(
    papers: SqlPaperStore, votes: SqlVoteStore
) -> None:
    papers.upsert_entries([listed("2603.00001", DAY)])
    alice = insert_member(papers.engine, "alice")
    before = papers.content_revision()
    votes.set_vote(alice.id, "2603.00001", True, T0)
    after_vote = papers.content_revision()
    votes.set_vote(alice.id, "2603.00001", True, T0)
    assert after_vote > before
    assert papers.content_revision() == after_vote


def test_list_shows_and_sorts_by_imported_plus_member_upvotes(
    papers: SqlPaperStore, votes: SqlVoteStore
) -> None:
    papers.upsert_entries([listed("2603.00001", DAY, upvotes=3), listed("2603.00002", DAY, 2)])
    for user_id in insert_members(papers.engine, 2):
        votes.set_vote(user_id, "2603.00002", True, T0)
    entries = papers.entries_between(DAY, DAY)
    assert [(e.paper.arxiv_id, e.upvote_count) for e in entries] == [
        ("2603.00002", 4),
        ("2603.00001", 3),
    ]
    assert papers.entries_for_paper("2603.00002")[0].upvote_count == 4
    assert papers.papers_by_ids(["2603.00002"])["2603.00002"][1] == 4


def test_voted_among_and_upvoted_papers(papers: SqlPaperStore, votes: SqlVoteStore) -> None:
    papers.upsert_entries([listed(f"2603.0000{i}", DAY) for i in range(1, 4)])
    alice = insert_member(papers.engine, "alice")
    votes.set_vote(alice.id, "2603.00001", True, T0)
    votes.set_vote(alice.id, "2603.00003", True, T0 + timedelta(hours=1))
    assert votes.voted_among(alice.id, ["2603.00001", "2603.00002", "2603.00003"]) == {
        "2603.00001",
        "2603.00003",
    }
    assert votes.upvoted_papers(alice.id) == ["2603.00003", "2603.00001"]


def test_concurrent_members_are_all_counted(papers: SqlPaperStore, votes: SqlVoteStore) -> None:
    papers.upsert_entries([listed("2603.00001", DAY, upvotes=5)])
    members = insert_members(papers.engine, 24)
    run_together([lambda u=u: votes.set_vote(u, "2603.00001", True, T0) for u in members])
    assert votes.member_vote_count("2603.00001") == 24
    state = votes.vote_state(None, "2603.00001")
    assert state is not None and state.upvote_count == 29


def test_vote_storm_from_one_member_counts_once(papers: SqlPaperStore, votes: SqlVoteStore) -> None:
    papers.upsert_entries([listed("2603.00001", DAY)])
    alice = insert_member(papers.engine, "alice")
    run_together([lambda: votes.set_vote(alice.id, "2603.00001", True, T0)] * 24)
    assert votes.member_vote_count("2603.00001") == 1


def test_concurrent_toggles_leave_count_equal_to_votes(
    papers: SqlPaperStore, votes: SqlVoteStore
) -> None:
    papers.upsert_entries([listed("2603.00001", DAY)])
    members = insert_members(papers.engine, 12)
    calls = [
        lambda u=u, on=on: votes.set_vote(u, "2603.00001", on, T0)
        for u in members
        for on in (True, False, True)
    ]
    run_together(calls)
    voted = [u for u in members if votes.voted_among(u, ["2603.00001"])]
    assert votes.member_vote_count("2603.00001") == len(voted)


def test_import_keeps_upvote_observations_when_they_move(
    papers: SqlPaperStore, votes: SqlVoteStore
) -> None:
    first, second = T0, T0 + timedelta(hours=6)
    papers.upsert_entries([listed("2603.00001", DAY, upvotes=4)], observed_at=first)
    papers.upsert_entries([listed("2603.00001", DAY, upvotes=4)], observed_at=second)
    papers.upsert_entries([listed("2603.00001", DAY, upvotes=9)], observed_at=second)
    papers.upsert_entries([listed("2603.00001", DAY, upvotes=9)], observed_at=second)
    assert votes.observations("2603.00001") == [(first, 4), (second, 9)]


def test_two_counts_seen_at_one_moment_keep_the_last(
    papers: SqlPaperStore, votes: SqlVoteStore
) -> None:
    papers.upsert_entries([listed("2603.00001", DAY, upvotes=4)], observed_at=T0)
    papers.upsert_entries([listed("2603.00001", DAY, upvotes=6)], observed_at=T0)
    assert votes.observations("2603.00001") == [(T0, 6)]


def test_import_without_upvotes_keeps_no_observation(
    papers: SqlPaperStore, votes: SqlVoteStore
) -> None:
    papers.upsert_entries([listed("2603.00001", DAY, upvotes=0)], observed_at=T0)
    assert votes.observations("2603.00001") == []


def test_vote_history_has_member_times_and_imported_counts(
    papers: SqlPaperStore, votes: SqlVoteStore
) -> None:
    papers.upsert_entries([listed("2603.00001", DAY, upvotes=3)], observed_at=T0)
    alice = insert_member(papers.engine, "alice")
    votes.set_vote(alice.id, "2603.00001", True, T0 + timedelta(hours=1))
    history = votes.vote_history(["2603.00001", "2603.99999"])
    assert list(history) == ["2603.00001"]
    assert history["2603.00001"].vote_times == [T0 + timedelta(hours=1)]
    assert history["2603.00001"].observations == [(T0, 3)]
    assert history["2603.00001"].imported_count == 3


def run_together(calls: list[object]) -> None:
    """Run every call on its own thread, released at once; re-raise the first failure."""
    barrier = threading.Barrier(len(calls))
    errors: list[BaseException] = []

    def run(call: object) -> None:
        barrier.wait()
        try:
            call()  # type: ignore[operator]
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
