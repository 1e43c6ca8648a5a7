"""How a new description of a paper merges into the stored one.

The rule, by field family:
- arXiv-owned fields (title, abstract, authors, …) are replaced only by a record that carries a
  version at least as new as the stored one; any other record only fills fields still empty.
  So an older version never overwrites a newer one, and the daily-papers JSON (which has no
  version) never overwrites what arXiv said.
- enrichment fields (code link, stars, project page, AI summary) take the values of the most
  recent observation (`observed_on`, the list day that showed them); an older one only fills.
- a value a source leaves out (None or empty) never erases a stored one.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from paperboy.domain.models import PaperRecord

ARXIV_FIELDS = (
    "version",
    "title",
    "abstract",
    "authors",
    "categories",
    "primary_category",
    "comments",
    "doi",
    "journal_ref",
    "license",
    "published_at",
    "updated_at",
    "withdrawn",
)
ENRICHMENT_FIELDS = ("code_url", "code_stars", "project_url", "ai_summary", "ai_keywords")


def record_values(record: PaperRecord) -> dict[str, Any]:
    """The record's mergeable fields as plain values (tuples become lists, as stored)."""
    values: dict[str, Any] = {}
    for name in ARXIV_FIELDS + ENRICHMENT_FIELDS:
        value = getattr(record, name)
        values[name] = list(value) if isinstance(value, tuple) else value
    values["enriched_on"] = record.observed_on
    return values


def is_authoritative(stored_version: int | None, record: PaperRecord) -> bool:
    """True when the record may replace arXiv-owned fields of a paper stored at `stored_version`."""
    if record.version is None:
        return stored_version is None
    return stored_version is None or record.version >= stored_version


def merge_paper(stored: Mapping[str, Any], record: PaperRecord) -> dict[str, Any]:
    """The stored paper's mergeable fields after taking in `record` (see the module docstring)."""
    incoming = record_values(record)
    authoritative = is_authoritative(stored.get("version"), record)
    fresher = is_fresher(stored.get("enriched_on"), record)
    merged: dict[str, Any] = {}
    for name in ARXIV_FIELDS + ENRICHMENT_FIELDS:
        current, new = stored.get(name), incoming[name]
        wins = authoritative if name in ARXIV_FIELDS else fresher
        merged[name] = new if (wins or _is_empty(current)) and not _is_empty(new) else current
    if merged["withdrawn"] is None:
        merged["withdrawn"] = False
    merged["enriched_on"] = _latest(stored.get("enriched_on"), record.observed_on)
    return merged


def is_fresher(enriched_on: date | None, record: PaperRecord) -> bool:
    """True when the record's enrichment fields are at least as recent as the stored ones."""
    if record.observed_on is None or enriched_on is None:
        return True
    return record.observed_on >= enriched_on


def _latest(stored: date | None, observed: date | None) -> date | None:
    return max((d for d in (stored, observed) if d is not None), default=None)


def _is_empty(value: Any) -> bool:
    return value is None or value == [] or value == ""
