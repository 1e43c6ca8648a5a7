"""The daily list: which papers a day, week or month shows, and how to move between periods."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from paperboy.domain.calendar import (
    Period,
    PeriodKind,
    day_period,
    month_period,
    today_in,
    week_period,
)
from paperboy.domain.models import DailyEntry, ListSort
from paperboy.services.ports import PaperStore


@dataclass(frozen=True, slots=True)
class DailyPage:
    """One page of a period's list, with the neighbouring periods that have papers."""

    period: Period
    entries: list[DailyEntry]
    total_count: int
    page: int
    page_size: int
    sort: ListSort
    previous: Period | None
    next: Period | None
    is_fallback: bool = False

    @property
    def page_count(self) -> int:
        return max(1, -(-self.total_count // self.page_size))


def today_period(store: PaperStore, zone: str, now: datetime) -> tuple[Period, bool]:
    """Today's list in `zone`, or the latest earlier day with papers (then the flag is True)."""
    today = today_in(zone, now)
    if store.count_entries_between(today, today) > 0:
        return day_period(today), False
    latest = store.latest_list_day(today)
    return (day_period(latest), True) if latest else (day_period(today), False)


def daily_page(
    store: PaperStore,
    period: Period,
    *,
    sort: ListSort = ListSort.UPVOTES,
    page: int = 0,
    page_size: int = 50,
    submitter: str | None = None,
    is_fallback: bool = False,
) -> DailyPage:
    """The entries of `period`, one page of them, and links to the nearest non-empty periods."""
    entries = store.entries_between(
        period.first,
        period.last,
        sort=sort,
        limit=page_size,
        offset=page * page_size,
        submitter=submitter,
    )
    total = store.count_entries_between(period.first, period.last, submitter=submitter)
    return DailyPage(
        period=period,
        entries=entries,
        total_count=total,
        page=page,
        page_size=page_size,
        sort=sort,
        previous=neighbour_period(store, period, -1),
        next=neighbour_period(store, period, +1),
        is_fallback=is_fallback,
    )


def neighbour_period(store: PaperStore, period: Period, direction: int) -> Period | None:
    """The nearest period of the same kind, before or after, that has papers."""
    if direction < 0:
        day = store.list_day_before(period.first)
    else:
        day = store.list_day_after(period.last)
    if day is None:
        return None
    return _containing(period.kind, day)


def _containing(kind: PeriodKind, day: date) -> Period:
    if kind is PeriodKind.WEEK:
        return week_period(day)
    if kind is PeriodKind.MONTH:
        return month_period(day)
    return day_period(day)
