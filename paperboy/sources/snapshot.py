"""JSON-lines files of papers: the arXiv metadata snapshot, and the arXiv daily-listing dump.

Both are read line by line (gzip too) so memory stays flat; the resume position is the line
number, tied to the file's size and modification time so a changed file starts over.
"""

from __future__ import annotations

import gzip
import io
import json
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from paperboy.domain.ids import InvalidArxivId, parse_arxiv_id
from paperboy.domain.models import PaperRecord, PaperVersion, Rejection
from paperboy.sources.arxiv_text import is_withdrawn, split_authors, squash
from paperboy.sources.dates import parse_timestamp

ParsedItem = PaperRecord | Rejection


class JsonLinesPapers:
    """Papers from a JSON-lines file in the snapshot or daily-listing shape (detected per line)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = f"jsonl:{path.resolve()}"
        stat = path.stat()
        self._fingerprint = f"{stat.st_size}-{int(stat.st_mtime)}"

    def total(self) -> int | None:
        if self.path.suffix == ".gz":
            return None
        with self.path.open("rb") as handle:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))

    def records(self, resume_from: str | None) -> Iterator[tuple[ParsedItem, str | None]]:
        skip = self._resume_line(resume_from)
        with _open(self.path) as handle:
            for number, line in enumerate(handle, start=1):
                if number <= skip or not line.strip():
                    continue
                yield self._parse(line, number), f"{self._fingerprint}:{number}"

    def _resume_line(self, resume_from: str | None) -> int:
        if not resume_from or ":" not in resume_from:
            return 0
        fingerprint, line = resume_from.rsplit(":", 1)
        return int(line) if fingerprint == self._fingerprint and line.isdigit() else 0

    def _parse(self, line: str, number: int) -> ParsedItem:
        ref = f"line {number}"
        try:
            raw = json.loads(line)
            if not isinstance(raw, dict):
                raise TypeError(f"expected an object, got {type(raw).__name__}")
            ref = f"line {number} ({raw.get('id', '?')})"
            return parse_paper_line(raw)
        except (ValueError, TypeError, KeyError, InvalidArxivId) as error:
            reason = (
                f"missing field {error.args[0]!r}" if isinstance(error, KeyError) else str(error)
            )
            return Rejection(self.name, ref, reason)


def _open(path: Path) -> IO[str]:
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8")
    return path.open(encoding="utf-8")


def parse_paper_line(raw: dict[str, Any]) -> PaperRecord:
    """One record in either shape: the snapshot (`versions`, `authors_parsed`) or a listing."""
    if "versions" in raw or "update_date" in raw:
        return _snapshot_record(raw)
    return _listing_record(raw)


def _snapshot_record(raw: dict[str, Any]) -> PaperRecord:
    ref = parse_arxiv_id(str(raw["id"]))
    versions = tuple(
        PaperVersion(int(str(v["version"]).lstrip("v")), parse_timestamp(v["created"]))
        for v in raw.get("versions") or ()
    )
    categories = tuple(str(raw.get("categories") or "").split())
    abstract = squash(_required(raw, "abstract"))
    comments = raw.get("comments") or None
    return PaperRecord(
        arxiv_id=ref.arxiv_id,
        version=max((v.version for v in versions), default=ref.version or 1),
        title=squash(_required(raw, "title")),
        abstract=abstract,
        authors=tuple(_snapshot_authors(raw)),
        categories=categories,
        primary_category=categories[0] if categories else None,
        comments=comments,
        doi=raw.get("doi") or None,
        journal_ref=raw.get("journal-ref") or None,
        license=raw.get("license") or None,
        published_at=versions[0].submitted_at if versions else None,
        updated_at=_latest(versions, raw.get("update_date")),
        withdrawn=is_withdrawn(comments, abstract),
        versions=versions,
    )


def _snapshot_authors(raw: dict[str, Any]) -> list[str]:
    parsed = raw.get("authors_parsed")
    if isinstance(parsed, list) and parsed:
        # authors_parsed splits hyphenated initials ("C. -P."); join them back.
        names = (" ".join(p for p in (first, last, *rest) if p) for last, first, *rest in parsed)
        return [re.sub(r"\s+-", "-", squash(name)) for name in names]
    return split_authors(str(raw.get("authors") or ""))


def _latest(versions: tuple[PaperVersion, ...], update_date: Any) -> datetime | None:
    if versions:
        return versions[-1].submitted_at
    return parse_timestamp(update_date) if isinstance(update_date, str) else None


def _listing_record(raw: dict[str, Any]) -> PaperRecord:
    ref = parse_arxiv_id(str(raw["id"]))
    categories = tuple(raw.get("categories") or ())
    dates = sorted(raw.get("listing_dates") or ())
    abstract = squash(_required(raw, "summary"))
    authors = raw.get("authors") or []
    if not isinstance(authors, list):
        raise TypeError("'authors' is not a list")
    return PaperRecord(
        arxiv_id=ref.arxiv_id,
        version=ref.version,
        title=squash(_required(raw, "title")),
        abstract=abstract,
        authors=tuple(squash(str(a)) for a in authors),
        categories=categories,
        primary_category=categories[0] if categories else None,
        comments=raw.get("comment") or None,
        published_at=parse_timestamp(dates[0]) if dates else None,
        withdrawn=is_withdrawn(raw.get("comment"), abstract),
    )


def _required(raw: dict[str, Any], field: str) -> str:
    value = raw.get(field)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"missing or empty {field!r}")
    return value
