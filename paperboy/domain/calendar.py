"""Calendar periods of the daily list: a day, an ISO week, a month."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo


class PeriodKind(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


class InvalidPeriod(ValueError):
    """The text is not a day (YYYY-MM-DD), week (YYYY-Www) or month (YYYY-MM)."""


@dataclass(frozen=True, slots=True)
class Period:
    """A closed range of calendar days shown as one list."""

    kind: PeriodKind
    first: date
    last: date

    @property
    def label(self) -> str:
        if self.kind is PeriodKind.DAY:
            return self.first.isoformat()
        if self.kind is PeriodKind.WEEK:
            year, week, _ = self.first.isocalendar()
            return f"{year}-W{week:02d}"
        return f"{self.first.year}-{self.first.month:02d}"

    @property
    def title(self) -> str:
        if self.kind is PeriodKind.DAY:
            return self.first.strftime("%B %-d, %Y")
        if self.kind is PeriodKind.WEEK:
            year, week, _ = self.first.isocalendar()
            return f"Week {week} of {year}"
        return self.first.strftime("%B %Y")

    def shifted(self, steps: int) -> Period:
        """The period `steps` periods later (negative: earlier) of the same kind."""
        if self.kind is PeriodKind.DAY:
            return day_period(self.first + timedelta(days=steps))
        if self.kind is PeriodKind.WEEK:
            return week_period(self.first + timedelta(weeks=steps))
        index = self.first.year * 12 + self.first.month - 1 + steps
        return month_period(date(index // 12, index % 12 + 1, 1))


def day_period(day: date) -> Period:
    return Period(PeriodKind.DAY, day, day)


def week_period(day: date) -> Period:
    monday = day - timedelta(days=day.weekday())
    return Period(PeriodKind.WEEK, monday, monday + timedelta(days=6))


def month_period(day: date) -> Period:
    first = day.replace(day=1)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return Period(PeriodKind.MONTH, first, following - timedelta(days=1))


def parse_day(text: str) -> date:
    """A calendar day from `YYYY-MM-DD`."""
    try:
        return date.fromisoformat(text) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else _bad(text)
    except ValueError as error:
        raise InvalidPeriod(f"not a day (YYYY-MM-DD): {text[:40]!r}") from error


def parse_week(text: str) -> Period:
    """An ISO week from `YYYY-Www`."""
    match = re.fullmatch(r"(\d{4})-W(\d{2})", text)
    if match is None:
        raise InvalidPeriod(f"not a week (YYYY-Www): {text[:40]!r}")
    try:
        return week_period(date.fromisocalendar(int(match[1]), int(match[2]), 1))
    except ValueError as error:
        raise InvalidPeriod(f"no such week: {text!r}") from error


def parse_month(text: str) -> Period:
    """A month from `YYYY-MM`."""
    match = re.fullmatch(r"(\d{4})-(\d{2})", text)
    if match is None or not 1 <= int(match[2]) <= 12:
        raise InvalidPeriod(f"not a month (YYYY-MM): {text[:40]!r}")
    return month_period(date(int(match[1]), int(match[2]), 1))


def today_in(zone: str, now: datetime) -> date:
    """The calendar day it is at `now` (UTC) in the time zone `zone`."""
    return now.astimezone(ZoneInfo(zone)).date()


def _bad(text: str) -> date:
    raise InvalidPeriod(f"not a day (YYYY-MM-DD): {text[:40]!r}")
