"""How values look on a page: short author lists, compact counts, dates, safe links.

Every function here is pure and cheap; the templates call them as Jinja filters.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from urllib.parse import quote

from paperboy.domain.calendar import Period, PeriodKind

_MATH = re.compile(r"\$[^$]+\$|\\\(|\\\[")


def short_authors(authors: Sequence[str], shown: int = 3) -> str:
    """`A, B, C et al. (12 authors)` for long lists; every name when there are few."""
    if len(authors) <= shown + 1:
        return ", ".join(authors)
    return f"{', '.join(authors[:shown])} et al. ({len(authors)} authors)"


def compact_count(count: int | None) -> str:
    """1234 as `1.2k` and 1500000 as `1.5M`; small counts as they are."""
    if count is None:
        return ""
    for limit, suffix in ((1_000_000, "M"), (1_000, "k")):
        if count >= limit:
            text = f"{count / limit:.1f}".removesuffix(".0")
            return f"{text}{suffix}"
    return str(count)


def plural(count: int, noun: str) -> str:
    """`1 comment`, `3 comments`."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def day_label(day: date | datetime | None) -> str:
    """`Dec 3, 2024` (empty for an unknown day)."""
    if day is None:
        return ""
    return f"{day:%b} {day.day}, {day.year}"


def teaser(flat: str, limit: int = 220) -> str:
    """The start of a flattened text, cut at a word boundary, with an ellipsis when cut."""
    if len(flat) <= limit:
        return flat
    cut = flat[: limit + 1].rsplit(" ", 1)[0]
    return cut.rstrip(",;:.") + "…"


def flatten(text: str) -> str:
    """Text with its hard line breaks (arXiv abstracts wrap at 80 columns) joined."""
    return " ".join(text.split())


def has_math(text: str) -> bool:
    """True when `text` has a `$...$`, `\\(` or `\\[` span that KaTeX would render."""
    if "$" not in text and "\\" not in text:  # the common case, without the regex
        return False
    return _MATH.search(text) is not None


def doi_url(doi: str) -> str:
    """The resolver URL of a DOI, its characters escaped."""
    return "https://doi.org/" + quote(doi.strip(), safe="/:;()._-")


def paper_path(arxiv_id: str) -> str:
    return f"/papers/{quote(arxiv_id, safe='/.')}"


def period_path(period: Period) -> str:
    """`/date/2024-12-03`, `/week/2024-W49` or `/month/2024-12`."""
    prefix = {PeriodKind.DAY: "date", PeriodKind.WEEK: "week", PeriodKind.MONTH: "month"}
    return f"/{prefix[period.kind]}/{period.label}"


def period_name(period: Period) -> str:
    """`Tue, Dec 3, 2024`, `Week 49 of 2024` or `December 2024`."""
    if period.kind is PeriodKind.DAY:
        return f"{period.first:%a}, {day_label(period.first)}"
    return period.title
