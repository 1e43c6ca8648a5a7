"""The digest preference form: read from a POST, shown again pre-filled, errors by field.

Shared by the anonymous pages (`/subscribe`, `/subscription`) and the member's settings
section (`/settings/digest`), so every face checks preferences the same way
(`paperboy.domain.digest_schedule.checked_preferences`).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from functools import cache
from typing import Annotated, Any
from zoneinfo import available_timezones

from fastapi import Depends, Form

from paperboy.domain.digest_schedule import WEEKDAYS, InvalidPreferences, checked_preferences
from paperboy.domain.digests import DigestContent, Frequency, Preferences

FormText = Annotated[str, Form(max_length=2048)]
LongFormText = Annotated[str, Form(max_length=8192)]
CONTENT_LABELS = {
    DigestContent.TOP: "Top of the daily list, by upvotes",
    DigestContent.TRENDING: "Trending papers",
    DigestContent.SEARCHES: "New papers matching my saved searches",
}
FREQUENCY_LABELS = {
    Frequency.DAILY: "Daily, Monday to Friday (as arXiv announces)",
    Frequency.WEEKLY: "Weekly, on one day",
}
_SEPARATORS = re.compile(r"[\s,;]+")


@dataclass(frozen=True, slots=True)
class PreferenceForm:
    """The raw values of the preference fields, as typed (strings), for checking or showing."""

    frequency: str = Frequency.DAILY.value
    weekday: str = "0"
    hour: str = "8"
    timezone: str = "America/New_York"
    max_papers: str = "10"
    categories: str = ""
    content: str = DigestContent.TOP.value
    searches: str = ""

    @classmethod
    def of(cls, prefs: Preferences) -> PreferenceForm:
        """The form showing `prefs`."""
        return cls(
            frequency=prefs.frequency.value,
            weekday=str(prefs.weekday),
            hour=str(prefs.hour),
            timezone=prefs.timezone,
            max_papers=str(prefs.max_papers),
            categories=", ".join(prefs.categories),
            content=prefs.content.value,
            searches="\n".join(prefs.searches),
        )

    def preferences(self) -> Preferences:
        """The checked preferences; `InvalidPreferences` naming the first bad field."""
        return checked_preferences(
            self.frequency,
            self.weekday,
            self.hour,
            self.timezone,
            self.max_papers,
            _SEPARATORS.split(self.categories),
            self.content,
            self.searches.splitlines(),
        )

    def values(self) -> dict[str, str]:
        return asdict(self)


async def preference_form(
    frequency: FormText = Frequency.DAILY.value,
    weekday: FormText = "0",
    hour: FormText = "8",
    timezone: FormText = "America/New_York",
    max_papers: FormText = "10",
    categories: FormText = "",
    content: FormText = DigestContent.TOP.value,
    searches: LongFormText = "",
) -> PreferenceForm:
    """The preference fields of a POSTed form (defaults for those left out)."""
    return PreferenceForm(
        frequency, weekday, hour, timezone, max_papers, categories, content, searches
    )


PreferenceFormDep = Annotated[PreferenceForm, Depends(preference_form)]


def errors_of(error: InvalidPreferences | ValueError, field: str = "form") -> dict[str, str]:
    """The message of `error` keyed by the field it is about (for showing next to it)."""
    return {getattr(error, "field", field): str(error)}


def form_context(form: PreferenceForm, errors: dict[str, str]) -> dict[str, Any]:
    """What the preference fields macro needs: values, errors and the choices."""
    return {
        "values": form.values(),
        "errors": errors,
        "zones": time_zones(),
        "weekdays": list(enumerate(WEEKDAYS)),
        "hours": [(hour, f"{hour:02d}:00") for hour in range(24)],
        "contents": [(c.value, label) for c, label in CONTENT_LABELS.items()],
        "frequencies": [(f.value, label) for f, label in FREQUENCY_LABELS.items()],
    }


@cache
def time_zones() -> tuple[str, ...]:
    """The IANA zone names zoneinfo knows, sorted, for the time zone field's suggestions."""
    return tuple(sorted(zone for zone in available_timezones() if "/" in zone or zone == "UTC"))
