"""Calendar periods of the daily list: parsing, shifting, labels, and what day it is."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from paperboy.domain.calendar import (
    InvalidPeriod,
    Period,
    PeriodKind,
    day_period,
    month_period,
    parse_day,
    parse_month,
    parse_week,
    today_in,
    week_period,
)

NEW_YORK = "America/New_York"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2026-03-02", date(2026, 3, 2)), ("2024-02-29", date(2024, 2, 29))],
)
def test_parse_day(text: str, expected: date) -> None:
    assert parse_day(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "2026-3-2", "20260302", "2026-03-02x", " 2026-03-02", "2026-02-30", "2025-02-29",
     "2026-13-01", "2026-00-10", "2026-W10", "2026-03", "yesterday"],
)  # fmt: skip
def test_parse_day_rejects(text: str) -> None:
    with pytest.raises(InvalidPeriod):
        parse_day(text)


@pytest.mark.parametrize(
    ("text", "monday", "sunday"),
    [
        ("2026-W10", date(2026, 3, 2), date(2026, 3, 8)),
        ("2026-W01", date(2025, 12, 29), date(2026, 1, 4)),  # week 1 starts in the old year
        ("2021-W01", date(2021, 1, 4), date(2021, 1, 10)),
        ("2020-W53", date(2020, 12, 28), date(2021, 1, 3)),  # a year with an ISO week 53
        ("2026-W53", date(2026, 12, 28), date(2027, 1, 3)),
    ],
)
def test_parse_week(text: str, monday: date, sunday: date) -> None:
    week = parse_week(text)
    assert (week.kind, week.first, week.last) == (PeriodKind.WEEK, monday, sunday)
    assert week.label == text


@pytest.mark.parametrize(
    "text",
    ["", "2026-W00", "2021-W53", "2025-W53", "2026-W54", "2026-W1", "2026W10", "2026-w10",
     "2026-10", "2026-W10-1"],
)  # fmt: skip
def test_parse_week_rejects(text: str) -> None:
    with pytest.raises(InvalidPeriod):
        parse_week(text)


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("2026-03", date(2026, 3, 1), date(2026, 3, 31)),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29)),
        ("2025-02", date(2025, 2, 1), date(2025, 2, 28)),
        ("2025-12", date(2025, 12, 1), date(2025, 12, 31)),
        ("2026-01", date(2026, 1, 1), date(2026, 1, 31)),
    ],
)
def test_parse_month(text: str, first: date, last: date) -> None:
    month = parse_month(text)
    assert (month.kind, month.first, month.last) == (PeriodKind.MONTH, first, last)
    assert month.label == text


@pytest.mark.parametrize("text", ["", "2026-00", "2026-13", "2026-3", "202603", "2026-03-01"])
def test_parse_month_rejects(text: str) -> None:
    with pytest.raises(InvalidPeriod):
        parse_month(text)


def test_invalid_period_is_a_value_error() -> None:
    assert issubclass(InvalidPeriod, ValueError)


@pytest.mark.parametrize(
    ("period", "steps", "expected"),
    [
        (day_period(date(2025, 12, 31)), 1, day_period(date(2026, 1, 1))),
        (day_period(date(2026, 1, 1)), -1, day_period(date(2025, 12, 31))),
        (day_period(date(2024, 2, 28)), 1, day_period(date(2024, 2, 29))),
        (day_period(date(2026, 3, 2)), 0, day_period(date(2026, 3, 2))),
        (parse_week("2020-W53"), 1, parse_week("2021-W01")),
        (parse_week("2021-W01"), -1, parse_week("2020-W53")),
        (parse_week("2025-W52"), 1, parse_week("2026-W01")),
        (parse_week("2026-W01"), -1, parse_week("2025-W52")),
        (parse_week("2026-W10"), 53, parse_week("2027-W10")),  # 2026 has 53 weeks
        (parse_month("2025-12"), 1, parse_month("2026-01")),
        (parse_month("2026-01"), -1, parse_month("2025-12")),
        (parse_month("2026-03"), -15, parse_month("2024-12")),
        (parse_month("2026-03"), 24, parse_month("2028-03")),
        (parse_month("2024-01"), 1, parse_month("2024-02")),
    ],
)
def test_shifted(period: Period, steps: int, expected: Period) -> None:
    assert period.shifted(steps) == expected


@pytest.mark.parametrize(
    "day", [date(2026, 3, 2), date(2026, 3, 5), date(2026, 3, 8), date(2021, 1, 3)]
)
def test_week_period_runs_monday_to_sunday(day: date) -> None:
    week = week_period(day)
    assert (week.first.isoweekday(), week.last.isoweekday()) == (1, 7)
    assert week.first <= day <= week.last


def test_month_period_of_any_day() -> None:
    assert month_period(date(2026, 12, 17)) == Period(
        PeriodKind.MONTH, date(2026, 12, 1), date(2026, 12, 31)
    )


@pytest.mark.parametrize(
    ("period", "label", "title"),
    [
        (day_period(date(2026, 3, 2)), "2026-03-02", "March 2, 2026"),
        (parse_week("2026-W01"), "2026-W01", "Week 1 of 2026"),
        (parse_week("2020-W53"), "2020-W53", "Week 53 of 2020"),
        (parse_month("2026-03"), "2026-03", "March 2026"),
    ],
)
def test_label_and_title(period: Period, label: str, title: str) -> None:
    assert (period.label, period.title) == (label, title)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # winter: New York is UTC-5
        (datetime(2026, 3, 2, 4, 59, 59, tzinfo=UTC), date(2026, 3, 1)),
        (datetime(2026, 3, 2, 5, 0, 0, tzinfo=UTC), date(2026, 3, 2)),
        # summer: UTC-4
        (datetime(2026, 7, 1, 3, 59, 59, tzinfo=UTC), date(2026, 6, 30)),
        (datetime(2026, 7, 1, 4, 0, 0, tzinfo=UTC), date(2026, 7, 1)),
        # New Year's Eve in New York is already New Year's Day in UTC
        (datetime(2027, 1, 1, 2, 0, tzinfo=UTC), date(2026, 12, 31)),
        # the night the clocks go forward (2026-03-08 02:00 local)
        (datetime(2026, 3, 8, 4, 59, tzinfo=UTC), date(2026, 3, 7)),
        (datetime(2026, 3, 8, 5, 0, tzinfo=UTC), date(2026, 3, 8)),
        # an aware time in another zone means the same instant
        (datetime(2026, 3, 2, 1, 0, tzinfo=timezone(timedelta(hours=2))), date(2026, 3, 1)),
    ],
)
def test_today_in_new_york_around_midnight(now: datetime, expected: date) -> None:
    assert today_in(NEW_YORK, now) == expected


def test_today_in_utc_and_far_east_differ_from_new_york() -> None:
    now = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
    assert today_in("UTC", now) == date(2026, 3, 2)
    assert today_in("Asia/Tokyo", now) == date(2026, 3, 2)
    assert today_in(NEW_YORK, now) == date(2026, 3, 1)
