"""Digest schedule: checked preferences, and send slots across weekends, weeks and DST changes."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from paperboy.domain.digest_schedule import (
    InvalidPreferences,
    Slot,
    checked_preferences,
    describe_schedule,
    latest_slot,
    next_slot,
)
from paperboy.domain.digests import DigestContent, Frequency, Preferences

NEW_YORK = "America/New_York"
GOOD: dict[str, Any] = {
    "frequency": "daily",
    "weekday": "0",
    "hour": "8",
    "timezone": "Europe/Berlin",
    "max_papers": "10",
    "categories": [],
    "content": "top",
    "searches": [],
}


def _utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def _daily(hour: int = 8, zone: str = NEW_YORK) -> Preferences:
    return Preferences(frequency=Frequency.DAILY, hour=hour, timezone=zone)


def _weekly(weekday: int, hour: int = 8, zone: str = NEW_YORK) -> Preferences:
    return Preferences(frequency=Frequency.WEEKLY, weekday=weekday, hour=hour, timezone=zone)


def test_checked_preferences_reads_form_values() -> None:
    prefs = checked_preferences(
        **{**GOOD, "frequency": " Weekly ", "weekday": "4", "hour": 23, "max_papers": "50"},
    )
    assert prefs == Preferences(
        frequency=Frequency.WEEKLY,
        weekday=4,
        hour=23,
        timezone="Europe/Berlin",
        max_papers=50,
        categories=(),
        content=DigestContent.TOP,
        searches=(),
    )


def test_checked_preferences_spells_categories_and_drops_duplicates() -> None:
    prefs = checked_preferences(
        **{**GOOD, "categories": ["CS.cl", "cs.CL", " hep-th ", "", "cond-mat.Mes-Hall", "Math"]}
    )
    assert prefs.categories == ("cs.CL", "hep-th", "cond-mat.mes-hall", "math")


def test_checked_preferences_trims_searches_and_drops_blanks_and_repeats() -> None:
    prefs = checked_preferences(
        **{**GOOD, "content": "searches", "searches": [" diffusion ", "", "Diffusion", "RLHF"]}
    )
    assert (prefs.content, prefs.searches) == (DigestContent.SEARCHES, ("diffusion", "RLHF"))


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("frequency", "hourly", "frequency must be one of daily, weekly"),
        ("content", "everything", "content must be one of top, trending, searches"),
        ("weekday", "7", "weekday must be between 0 and 6"),
        ("weekday", "-1", "weekday must be between 0 and 6"),
        ("hour", "24", "hour must be between 0 and 23"),
        ("hour", "8am", "hour must be a whole number"),
        ("hour", "", "hour must be a whole number"),
        ("hour", "٣", "hour must be a whole number"),  # a non-ASCII digit
        ("hour", True, "hour must be between 0 and 23"),
        ("max_papers", "0", "max_papers must be between 1 and 50"),
        ("max_papers", "51", "max_papers must be between 1 and 50"),
        ("max_papers", "9" * 40, "max_papers must be a whole number"),
        ("timezone", "Mars/Olympus_Mons", "unknown time zone"),
        ("timezone", "", "is not a time zone name"),
        ("timezone", "/etc/passwd", "is not a time zone name"),
        ("timezone", "../../etc/passwd", "is not a time zone name"),
        ("timezone", "Europe/Berlin\r\nBcc: x@example.org", "is not a time zone name"),
        ("timezone", "A" * 65, "is not a time zone name"),
        ("categories", ["cs.CL", "<script>"], "'<script>' is not an arXiv category"),
        ("categories", ["cs..CL"], "is not an arXiv category"),
        ("categories", ["cs.CL\nx"], "is not an arXiv category"),
        ("categories", [f"cat-{chr(97 + i)}" for i in range(21)], "at most 20 categories"),
        ("searches", ["a\r\nBcc: victim@example.org"], "control characters"),
        ("searches", ["a\x00b"], "control characters"),
        ("searches", ["x" * 201], "at most 200 characters"),
        ("searches", [f"query {i}" for i in range(11)], "at most 10 saved searches"),
    ],
)
def test_checked_preferences_names_the_bad_field(field: str, value: Any, message: str) -> None:
    with pytest.raises(InvalidPreferences) as raised:
        checked_preferences(**{**GOOD, field: value})
    assert raised.value.field == field
    assert message in str(raised.value)


def test_checked_preferences_accepts_the_limits() -> None:
    prefs = checked_preferences(
        **{
            **GOOD,
            "weekday": 6,
            "hour": 0,
            "max_papers": 1,
            "categories": [f"cat-{chr(97 + i)}" for i in range(20)],
            "searches": ["x" * 200] + [f"q{i}" for i in range(9)],
        }
    )
    assert (prefs.weekday, prefs.hour, prefs.max_papers) == (6, 0, 1)
    assert (len(prefs.categories), len(prefs.searches)) == (20, 10)


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        # Thursday 2026-03-05 before and after 08:00 in New York (13:00 UTC, EST)
        (_utc(2026, 3, 5, 12, 59), Slot("2026-03-05", _utc(2026, 3, 5, 13))),
        (_utc(2026, 3, 5, 13), Slot("2026-03-06", _utc(2026, 3, 6, 13))),  # strictly after
        # Friday's slot passed: Monday next, skipping the weekend (and DST started on Sunday)
        (_utc(2026, 3, 6, 13, 0, 1), Slot("2026-03-09", _utc(2026, 3, 9, 12))),
        (_utc(2026, 3, 7, 20), Slot("2026-03-09", _utc(2026, 3, 9, 12))),  # Saturday
        # Sunday 23:30 local is Monday 04:30 UTC: Monday's local slot is still ahead
        (_utc(2026, 3, 9, 3, 30), Slot("2026-03-09", _utc(2026, 3, 9, 12))),
    ],
)
def test_next_slot_daily_is_weekdays_at_the_local_hour(after: datetime, expected: Slot) -> None:
    assert next_slot(_daily(), after) == expected


def test_next_slot_daily_in_a_zone_ahead_of_utc_keeps_the_local_date() -> None:
    # Monday 07:00 in Tokyo is Sunday 22:00 UTC; the period is the local Monday
    slot = next_slot(_daily(7, "Asia/Tokyo"), _utc(2026, 3, 6, 23))  # Saturday 08:00 local
    assert slot == Slot("2026-03-09", _utc(2026, 3, 8, 22))


@pytest.mark.parametrize(
    ("weekday", "after", "expected"),
    [
        (2, _utc(2026, 3, 4, 12, 59), Slot("2026-03-04", _utc(2026, 3, 4, 13))),  # same Wednesday
        (2, _utc(2026, 3, 4, 13), Slot("2026-03-11", _utc(2026, 3, 11, 12))),  # a week on, EDT
        (5, _utc(2026, 3, 2), Slot("2026-03-07", _utc(2026, 3, 7, 13))),  # Saturday is allowed
        (0, _utc(2026, 12, 29), Slot("2027-01-04", _utc(2027, 1, 4, 13))),  # over the new year
    ],
)
def test_next_slot_weekly_is_the_chosen_day(weekday: int, after: datetime, expected: Slot) -> None:
    assert next_slot(_weekly(weekday), after) == expected


def test_next_slot_moves_a_skipped_hour_forward() -> None:
    # 2026-03-08 (a Sunday): New York's clocks jump from 02:00 to 03:00; 02:00 is sent at 03:00 EDT
    slot = next_slot(_weekly(6, hour=2), _utc(2026, 3, 7))
    assert slot == Slot("2026-03-08", _utc(2026, 3, 8, 7))
    assert slot.due_at.astimezone(ZoneInfo(NEW_YORK)).hour == 3


def test_next_slot_takes_the_first_of_a_repeated_hour() -> None:
    # 2026-11-01 (a Sunday): 01:00 happens twice in New York; the first is 01:00 EDT = 05:00 UTC
    first = next_slot(_weekly(6, hour=1), _utc(2026, 10, 31))
    assert first == Slot("2026-11-01", _utc(2026, 11, 1, 5))
    # after the first 01:00 passed, the repeated 01:00 (06:00 UTC) is not a second slot
    assert next_slot(_weekly(6, hour=1), first.due_at) == Slot("2026-11-08", _utc(2026, 11, 8, 6))


def test_next_slot_across_a_dst_change_in_europe_keeps_the_local_hour() -> None:
    prefs = _daily(9, "Europe/Berlin")  # clocks go forward on Sunday 2026-03-29
    friday = next_slot(prefs, _utc(2026, 3, 27))
    monday = next_slot(prefs, friday.due_at)
    assert (friday.due_at, monday.due_at) == (_utc(2026, 3, 27, 8), _utc(2026, 3, 30, 7))


def test_latest_slot_is_the_most_recent_at_or_before_now() -> None:
    prefs = _daily()
    assert latest_slot(prefs, _utc(2026, 3, 5, 13)) == Slot("2026-03-05", _utc(2026, 3, 5, 13))
    assert latest_slot(prefs, _utc(2026, 3, 5, 12, 59)) == Slot("2026-03-04", _utc(2026, 3, 4, 13))
    assert latest_slot(prefs, _utc(2026, 3, 8, 20)) == Slot("2026-03-06", _utc(2026, 3, 6, 13))
    weekly = _weekly(3)
    assert latest_slot(weekly, _utc(2026, 3, 4)) == Slot("2026-02-26", _utc(2026, 2, 26, 13))


@pytest.mark.parametrize("zone", [NEW_YORK, "Europe/Berlin", "Australia/Lord_Howe", "UTC"])
@pytest.mark.parametrize("frequency", [Frequency.DAILY, Frequency.WEEKLY])
def test_slots_have_no_gaps_and_no_repeats(zone: str, frequency: Frequency) -> None:
    """Seeded random instants over two years: latest ≤ now < next, and nothing lies between."""
    rng = random.Random(f"{zone}-{frequency}")
    for _ in range(300):
        prefs = Preferences(
            frequency=frequency, weekday=rng.randrange(7), hour=rng.randrange(24), timezone=zone
        )
        now = _utc(2026, 1, 1) + timedelta(seconds=rng.randrange(2 * 365 * 86400))
        latest, upcoming = latest_slot(prefs, now), next_slot(prefs, now)
        assert latest is not None
        assert latest.due_at <= now < upcoming.due_at
        assert next_slot(prefs, latest.due_at) == upcoming
        assert latest_slot(prefs, upcoming.due_at) == upcoming
        assert latest.period < upcoming.period
        gap = upcoming.due_at - latest.due_at
        assert gap <= (timedelta(days=7, hours=2) if frequency is Frequency.WEEKLY
                       else timedelta(days=3, hours=2))  # fmt: skip


def test_describe_schedule() -> None:
    assert describe_schedule(_daily()) == "Monday to Friday at 08:00 (America/New_York)"
    assert describe_schedule(_weekly(6, 18, "UTC")) == "Sunday at 18:00 (UTC)"
