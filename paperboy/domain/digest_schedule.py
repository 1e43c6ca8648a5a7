"""When a digest goes out, and what a subscriber may ask for.

A subscriber picks a local hour and a time zone; daily digests go out Monday to Friday (arXiv
announces on weekdays), weekly ones on a chosen day. A slot is one such send time: its period is
the slot's local date (`YYYY-MM-DD`), which keys the outbox's one delivery per subscription and
period. Local times are resolved with zoneinfo: an hour that does not exist on the day clocks go
forward is sent as many minutes later as the gap (02:00 becomes 03:00), and an hour that happens
twice on the day clocks go back is sent the first time.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from paperboy.domain.digests import DigestContent, Frequency, Preferences

MAX_PAPERS = 50
MAX_CATEGORIES = 20
MAX_SEARCHES = 10
MAX_SEARCH_LENGTH = 200
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_CATEGORY = re.compile(r"^[a-z][a-z-]{0,19}(?:\.[a-z][a-z-]{0,19})?$", re.IGNORECASE)
_E = TypeVar("_E", Frequency, DigestContent)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


class InvalidPreferences(ValueError):
    """A preference is out of range or malformed; `field` names which one."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True, slots=True)
class Slot:
    """One send time: `period` is its local date, `due_at` the UTC instant it is due."""

    period: str
    due_at: datetime


def checked_preferences(
    frequency: str,
    weekday: int | str,
    hour: int | str,
    timezone: str,
    max_papers: int | str,
    categories: Iterable[str],
    content: str,
    searches: Iterable[str],
) -> Preferences:
    """Preferences from raw form or JSON values, else `InvalidPreferences` naming the field."""
    return Preferences(
        frequency=_choice(Frequency, "frequency", frequency),
        weekday=_number("weekday", weekday, 0, 6),
        hour=_number("hour", hour, 0, 23),
        timezone=checked_timezone(timezone),
        max_papers=_number("max_papers", max_papers, 1, MAX_PAPERS),
        categories=checked_categories(categories),
        content=_choice(DigestContent, "content", content),
        searches=checked_searches(searches),
    )


def checked_timezone(name: str) -> str:
    """An IANA zone name zoneinfo knows (`Europe/Berlin`, `UTC`), else `InvalidPreferences`."""
    zone = name.strip()
    if not zone or len(zone) > 64 or _CONTROL.search(zone) or zone.startswith(("/", ".")):
        raise InvalidPreferences("timezone", f"{_shown(zone)} is not a time zone name")
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidPreferences(
            "timezone", f"unknown time zone {_shown(zone)} (expected a name like Europe/Berlin)"
        ) from None
    return zone


def checked_categories(values: Iterable[str]) -> tuple[str, ...]:
    """arXiv categories (`cs.CL`, `hep-th`) in their usual spelling, duplicates dropped."""
    found: dict[str, str] = {}
    for value in values:
        text = value.strip()
        if not text:
            continue
        if not _CATEGORY.match(text):
            raise InvalidPreferences(
                "categories", f"{_shown(text)} is not an arXiv category (expected e.g. cs.CL)"
            )
        found.setdefault(text.lower(), _spelled(text))
    if len(found) > MAX_CATEGORIES:
        raise InvalidPreferences("categories", f"at most {MAX_CATEGORIES} categories")
    return tuple(found.values())


def checked_searches(values: Iterable[str]) -> tuple[str, ...]:
    """Saved search queries, trimmed, blanks and duplicates dropped, within the limits."""
    found: dict[str, str] = {}
    for value in values:
        text = value.strip()
        if not text:
            continue
        if _CONTROL.search(text):
            raise InvalidPreferences("searches", "a search may not contain control characters")
        if len(text) > MAX_SEARCH_LENGTH:
            raise InvalidPreferences(
                "searches", f"a search may be at most {MAX_SEARCH_LENGTH} characters long"
            )
        found.setdefault(text.casefold(), text)
    if len(found) > MAX_SEARCHES:
        raise InvalidPreferences("searches", f"at most {MAX_SEARCHES} saved searches")
    return tuple(found.values())


def next_slot(prefs: Preferences, after: datetime) -> Slot:
    """The first send slot strictly after the UTC instant `after`."""
    start = after.astimezone(ZoneInfo(prefs.timezone)).date() - timedelta(days=1)
    for offset in range(10):
        slot = _slot_on(prefs, start + timedelta(days=offset))
        if slot is not None and slot.due_at > after:
            return slot
    raise AssertionError("every week has a send day")  # pragma: no cover


def latest_slot(prefs: Preferences, now: datetime) -> Slot | None:
    """The most recent send slot at or before `now` (None only before any could exist)."""
    start = now.astimezone(ZoneInfo(prefs.timezone)).date() + timedelta(days=1)
    for offset in range(10):
        try:
            day = start - timedelta(days=offset)
        except OverflowError:  # pragma: no cover - the first days of year 1
            return None
        slot = _slot_on(prefs, day)
        if slot is not None and slot.due_at <= now:
            return slot
    return None  # pragma: no cover


def is_send_day(prefs: Preferences, day: date) -> bool:
    """Whether a digest goes out on local date `day`: weekdays when daily, else `weekday`."""
    if prefs.frequency is Frequency.DAILY:
        return day.weekday() < 5
    return day.weekday() == prefs.weekday


def describe_schedule(prefs: Preferences) -> str:
    """The schedule in words: 'Monday to Friday at 08:00 (America/New_York)'."""
    days = "Monday to Friday" if prefs.frequency is Frequency.DAILY else WEEKDAYS[prefs.weekday]
    return f"{days} at {prefs.hour:02d}:00 ({prefs.timezone})"


def _slot_on(prefs: Preferences, day: date) -> Slot | None:
    if not is_send_day(prefs, day):
        return None
    local = datetime.combine(day, time(prefs.hour), tzinfo=ZoneInfo(prefs.timezone))
    # fold=0: a skipped hour is read with the offset before the change (so it lands later),
    # a repeated hour as its first occurrence
    return Slot(day.isoformat(), local.astimezone(UTC))


def _choice(kind: type[_E], field: str, value: str) -> _E:
    try:
        return kind(value.strip().lower())
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        raise InvalidPreferences(
            field, f"{field} must be one of {allowed}, not {_shown(value)}"
        ) from None


def _number(field: str, value: int | str, low: int, high: int) -> int:
    if isinstance(value, str):
        text = value.strip()
        if not text.isascii() or not text.lstrip("-").isdigit() or len(text) > 6:
            raise InvalidPreferences(field, f"{field} must be a whole number, not {_shown(text)}")
        value = int(text)
    if isinstance(value, bool) or not low <= value <= high:
        raise InvalidPreferences(field, f"{field} must be between {low} and {high}")
    return value


def _spelled(category: str) -> str:
    archive, dot, subject = category.partition(".")
    if not dot:
        return archive.lower()
    return f"{archive.lower()}.{subject.upper() if len(subject) == 2 else subject.lower()}"


def _shown(text: str) -> str:
    return repr(text[:40] + ("…" if len(text) > 40 else ""))
