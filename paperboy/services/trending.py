"""Trending: the papers listed lately, ranked by the formula in `domain.ranking`, with reasons."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from paperboy.domain.calendar import Period, today_in
from paperboy.domain.models import DailyEntry, ListSort
from paperboy.domain.ranking import Trend, VoteBatch, imported_batches, trend
from paperboy.services.daily import DailyPage, neighbour_period
from paperboy.services.ports import PaperStore, VoteStore

MAX_CANDIDATES = 5000


@dataclass(frozen=True, slots=True)
class TrendingPaper:
    """A paper on the trending list: its (first) list entry and why it is there."""

    entry: DailyEntry
    trend: Trend


def trending(
    store: PaperStore,
    votes: VoteStore,
    now: datetime,
    *,
    timezone: str,
    window_days: int,
    limit: int = 50,
    offset: int = 0,
) -> list[TrendingPaper]:
    """Papers listed in the last `window_days` days (in the site's zone), hottest first."""
    today = today_in(timezone, now)
    first = today - timedelta(days=window_days - 1)
    entries = store.entries_between(first, today, limit=MAX_CANDIDATES)
    return rank_entries(votes, entries, now, timezone)[offset : offset + limit]


@dataclass(frozen=True, slots=True)
class TrendingView:
    """The trending page: the ranked papers, live, or as of the latest list day (`as_of`)."""

    ranked: list[TrendingPaper]
    as_of: date | None = None


def trending_view(
    store: PaperStore,
    votes: VoteStore,
    now: datetime,
    *,
    timezone: str,
    window_days: int,
    limit: int = 50,
) -> TrendingView:
    """Trending now; when nothing was listed in the window, what was trending at the end of the
    latest list day (a site whose lists stopped, or a new one on the bundled sample)."""

    def ranked_at(moment: datetime) -> list[TrendingPaper]:
        return trending(
            store, votes, moment, timezone=timezone, window_days=window_days, limit=limit
        )

    ranked = ranked_at(now)
    latest = None if ranked else store.latest_list_day()
    if latest is None or latest >= today_in(timezone, now):
        return TrendingView(ranked)
    day_end = datetime.combine(latest + timedelta(days=1), time(), ZoneInfo(timezone))
    return TrendingView(ranked_at(day_end.astimezone(UTC)), as_of=latest)


def rank_entries(
    votes: VoteStore, entries: Sequence[DailyEntry], now: datetime, timezone: str
) -> list[TrendingPaper]:
    """One row per paper (its earliest listing), ordered by trending score at `now`."""
    first_entries: dict[str, DailyEntry] = {}
    for entry in sorted(entries, key=lambda e: e.listed_on):
        first_entries.setdefault(entry.paper.arxiv_id, entry)
    history = votes.vote_history(list(first_entries))
    ranked = []
    for arxiv_id, entry in first_entries.items():
        listed_at = listed_time(entry, timezone)
        past = history.get(arxiv_id)
        observations = list(past.observations) if past else []
        if not observations and past and past.imported_count:
            observations = [(listed_at, past.imported_count)]  # imported before history was kept
        batches = imported_batches(observations, listed_at)
        batches += [VoteBatch(at, 1) for at in (past.vote_times if past else [])]
        ranked.append(TrendingPaper(entry, trend(batches, listed_at, now)))
    ranked.sort(key=lambda t: (-t.trend.score, -t.entry.upvote_count, t.entry.paper.arxiv_id))
    return ranked


def trending_page(
    store: PaperStore,
    votes: VoteStore,
    period: Period,
    now: datetime,
    *,
    timezone: str,
    page: int = 0,
    page_size: int = 50,
    submitter: str | None = None,
    is_fallback: bool = False,
) -> DailyPage:
    """One page of a period's list ordered by trending score (`sort=trending` in the API)."""
    entries = store.entries_between(
        period.first, period.last, limit=MAX_CANDIDATES, submitter=submitter
    )
    ranked = rank_entries(votes, entries, now, timezone)
    chosen = [t.entry for t in ranked[page * page_size : (page + 1) * page_size]]
    return DailyPage(
        period=period,
        entries=chosen,
        total_count=len(ranked),
        page=page,
        page_size=page_size,
        sort=ListSort.TRENDING,
        previous=neighbour_period(store, period, -1),
        next=neighbour_period(store, period, +1),
        is_fallback=is_fallback,
    )


def listed_time(entry: DailyEntry, timezone: str) -> datetime:
    """When the paper went on the list: the entry's time, else the list day's start there."""
    if entry.submitted_at is not None:
        return entry.submitted_at
    start = datetime.combine(entry.listed_on, time(), ZoneInfo(timezone))
    return start.astimezone(UTC)
