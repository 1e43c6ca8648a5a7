"""Trending: the formula, and the ranking over real upvote history fetched twice in one day."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from paperboy.domain.models import EntryRecord
from paperboy.domain.ranking import (
    VoteBatch,
    imported_batches,
    trend,
    trending_score,
)
from paperboy.services.ports import PaperStore
from paperboy.services.trending import TrendingPaper, TrendingView, trending, trending_view
from paperboy.sources.daily_papers import parse_daily_file
from paperboy.storage.papers import SqlPaperStore
from paperboy.storage.votes import SqlVoteStore
from tests.support.community import insert_members, listed

HISTORY = Path(__file__).parent / "data" / "hf-history"
ZONE = "America/New_York"
T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
_FETCHED_AT = re.compile(r"__(\d{4}-\d{2}-\d{2})T(\d{2})(\d{2})(\d{2})p(\d{2})(\d{2})__")


def fetched_at(path: Path) -> datetime:
    """The time a history snapshot was fetched, from its name (`p0000` is `+00:00`)."""
    match = _FETCHED_AT.search(path.name)
    assert match is not None, path.name
    day, hour, minute, second, tz_hours, tz_minutes = match.groups()
    text = f"{day}T{hour}:{minute}:{second}+{tz_hours}:{tz_minutes}"
    return datetime.fromisoformat(text).astimezone(UTC)


def snapshots() -> list[tuple[datetime, list[EntryRecord]]]:
    found = []
    for path in sorted(HISTORY.glob("*.json"), key=fetched_at):
        records = [item for item in parse_daily_file(path) if isinstance(item, EntryRecord)]
        found.append((fetched_at(path), records))
    return found


def ranking(store: SqlPaperStore, now: datetime) -> list[TrendingPaper]:
    votes = SqlVoteStore(store.engine)
    return trending(store, votes, now, timezone=ZONE, window_days=7)


@pytest.fixture
def sql_store(store: PaperStore) -> SqlPaperStore:
    assert isinstance(store, SqlPaperStore)
    return store


# ---- the formula


def test_score_decays_with_vote_age() -> None:
    fresh = trending_score([VoteBatch(T0, 5)], T0 - timedelta(hours=3), T0)
    stale = trending_score([VoteBatch(T0 - timedelta(hours=12), 5)], T0 - timedelta(hours=3), T0)
    assert stale == pytest.approx(fresh / 2)


def test_score_favours_newer_papers_with_equal_momentum() -> None:
    batches = [VoteBatch(T0, 5)]
    assert trending_score(batches, T0, T0) > trending_score(batches, T0 - timedelta(days=2), T0)


def test_votes_after_now_do_not_count() -> None:
    assert trending_score([VoteBatch(T0 + timedelta(hours=1), 5)], T0, T0) == 0


def test_imported_counts_become_dated_growth() -> None:
    listed_at = T0 - timedelta(hours=5)
    seen = [(T0, 4), (T0 + timedelta(hours=2), 4), (T0 + timedelta(hours=4), 9), (T0, 4)]
    assert imported_batches(seen, listed_at) == [
        VoteBatch(listed_at, 4),
        VoteBatch(T0 + timedelta(hours=4), 5),
    ]


def test_imported_fall_removes_nothing() -> None:
    seen = [(T0, 6), (T0 + timedelta(hours=1), 5), (T0 + timedelta(hours=2), 7)]
    assert imported_batches(seen, T0) == [VoteBatch(T0, 6), VoteBatch(T0 + timedelta(hours=2), 1)]


def test_trend_explains_recent_votes_and_age() -> None:
    batches = [VoteBatch(T0 - timedelta(hours=30), 3), VoteBatch(T0 - timedelta(hours=1), 2)]
    result = trend(batches, T0 - timedelta(hours=30), T0)
    assert (result.recent_count, result.total_count, result.age_hours) == (2, 5, 30.0)
    assert result.explanation == "2 upvotes in the last 24 h · listed 30 hours ago"


# ---- real history: the same day's list fetched twice, nine hours apart


def test_history_fixture_is_two_fetches_of_one_day() -> None:
    (first, a), (second, b) = snapshots()
    assert first < second
    assert {r.listed_on for r in a + b} == {date(2025, 1, 10)}


def test_papers_that_gained_votes_rise_above_those_that_did_not(
    sql_store: SqlPaperStore,
) -> None:
    (first_at, first), (second_at, second) = snapshots()
    sql_store.upsert_entries(first, observed_at=first_at)
    before = ranking(sql_store, first_at)
    sql_store.upsert_entries(second, observed_at=second_at)
    after = ranking(sql_store, second_at)
    old = {r.paper.arxiv_id: r.upvote_count for r in first}
    new = {r.paper.arxiv_id: r.upvote_count for r in second}
    gained = {p for p in new if new[p] > old.get(p, 0)}
    still = set(new) - gained
    assert gained and still  # the real data has both kinds
    ratio_before = scores(before)
    ratio_after = scores(after)
    for winner in gained:
        for other in still:
            assert ratio_after[winner] / ratio_after[other] > (
                ratio_before[winner] / ratio_before[other]
            ), (winner, other)
            if new[winner] >= new[other]:
                assert position(after, winner) < position(after, other), (winner, other)


def test_a_paper_overtakes_an_equal_one_that_stalled(sql_store: SqlPaperStore) -> None:
    (first_at, first), (second_at, second) = snapshots()
    sql_store.upsert_entries(first, observed_at=first_at)
    sql_store.upsert_entries(second, observed_at=second_at)
    # 2501.03489 had 4 upvotes to 2501.04377's 5, then gained one while the other gained none
    assert position(ranking(sql_store, first_at), "2501.03489") > position(
        ranking(sql_store, first_at), "2501.04377"
    )
    assert position(ranking(sql_store, second_at), "2501.03489") < position(
        ranking(sql_store, second_at), "2501.04377"
    )


def test_rerunning_an_import_changes_no_trend(sql_store: SqlPaperStore) -> None:
    (first_at, first), (second_at, second) = snapshots()
    sql_store.upsert_entries(first, observed_at=first_at)
    sql_store.upsert_entries(second, observed_at=second_at)
    once = scores(ranking(sql_store, second_at))
    sql_store.upsert_entries(second, observed_at=second_at)
    sql_store.upsert_entries(first, observed_at=first_at)
    assert scores(ranking(sql_store, second_at)) == once


def test_member_votes_lift_a_paper_over_an_equal_one(sql_store: SqlPaperStore) -> None:
    day = date(2026, 3, 2)
    sql_store.upsert_entries(
        [
            listed("2603.00001", day, 5, submitted_at=T0),
            listed("2603.00002", day, 5, submitted_at=T0),
        ],
        observed_at=T0,
    )
    votes = SqlVoteStore(sql_store.engine)
    for user_id in insert_members(sql_store.engine, 2):
        votes.set_vote(user_id, "2603.00002", True, T0 + timedelta(hours=3))
    ranked = ranking(sql_store, T0 + timedelta(hours=4))
    assert [r.entry.paper.arxiv_id for r in ranked] == ["2603.00002", "2603.00001"]
    assert ranked[0].trend.recent_count == 7
    assert ranked[0].entry.upvote_count == 7


def test_trending_leaves_out_papers_listed_before_the_window(sql_store: SqlPaperStore) -> None:
    sql_store.upsert_entries([listed("2603.00001", date(2026, 2, 1), 50)], observed_at=T0)
    sql_store.upsert_entries([listed("2603.00002", date(2026, 3, 2), 1)], observed_at=T0)
    assert [r.entry.paper.arxiv_id for r in ranking(sql_store, T0)] == ["2603.00002"]


def scores(ranked: list[TrendingPaper]) -> dict[str, float]:
    return {r.entry.paper.arxiv_id: r.trend.score for r in ranked}


def position(ranked: list[TrendingPaper], arxiv_id: str) -> int:
    return [r.entry.paper.arxiv_id for r in ranked].index(arxiv_id)


# ---- the page when the lists stopped


def view(store: SqlPaperStore, now: datetime) -> TrendingView:
    return trending_view(store, SqlVoteStore(store.engine), now, timezone=ZONE, window_days=7)


def test_trending_view_is_live_while_papers_are_listed(sql_store: SqlPaperStore) -> None:
    sql_store.upsert_entries([listed("2603.00002", date(2026, 3, 2), 3)], observed_at=T0)
    shown = view(sql_store, T0)
    assert shown.as_of is None
    assert [r.entry.paper.arxiv_id for r in shown.ranked] == ["2603.00002"]


def test_trending_view_falls_back_to_the_latest_list_day(sql_store: SqlPaperStore) -> None:
    # lists stopped in early March: a month later the page shows that week, ranked at its end
    entries = [
        listed("2603.00001", date(2026, 2, 27), 2),
        listed("2603.00002", date(2026, 3, 2), 9),
    ]
    sql_store.upsert_entries(entries, observed_at=T0)
    sql_store.upsert_entries([listed("2602.00009", date(2026, 2, 1), 50)], observed_at=T0)
    shown = view(sql_store, T0 + timedelta(days=30))
    assert shown.as_of == date(2026, 3, 2)
    assert [r.entry.paper.arxiv_id for r in shown.ranked] == ["2603.00002", "2603.00001"]
    assert shown.ranked == ranking(sql_store, datetime(2026, 3, 3, 5, 0, tzinfo=UTC))  # day's end


def test_trending_view_of_a_site_without_lists_is_empty(sql_store: SqlPaperStore) -> None:
    shown = view(sql_store, T0)
    assert (shown.ranked, shown.as_of) == ([], None)
