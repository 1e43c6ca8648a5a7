"""The reference site's `/api/daily_papers` JSON, from files (one per day) or a URL.

Each item keeps the list date, submitter, upvotes, comment count, code repository and stars,
project page, AI summary and keywords. Some real files hold Python-repr strings instead of JSON
objects (and one wraps them in `{status, date, count, data}`): those are parsed with
`ast.literal_eval`, which evaluates literals only, never code.
"""

from __future__ import annotations

import ast
import gzip
import json
import re
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from paperboy.domain.ids import InvalidArxivId, parse_arxiv_id
from paperboy.domain.models import EntryRecord, PaperRecord, Rejection, Submitter
from paperboy.sources.dates import parse_timestamp

ParsedItem = EntryRecord | Rejection
_DAY_IN_NAME = re.compile(r"(\d{4}-\d{2}-\d{2})")
_MAX_REPR_CHARS = 1_000_000


class DailyPapersFiles:
    """Daily-papers JSON files, read in date order; resumes after the last whole file."""

    def __init__(self, paths: Sequence[Path]) -> None:
        self.files = sorted(_expand(paths), key=lambda p: p.name)
        self.name = "daily-papers:" + ",".join(str(p) for p in paths)

    def total(self) -> int | None:
        return None  # counted in papers, and a file's count is known only once it is parsed

    def records(self, resume_from: str | None) -> Iterator[tuple[ParsedItem, str | None]]:
        for path in self.files:
            if resume_from is not None and path.name <= resume_from:
                continue
            items = list(parse_daily_file(path))
            for index, item in enumerate(items):
                yield item, path.name if index == len(items) - 1 else None
            if not items:
                yield Rejection(self.name, str(path), "no papers in this file"), path.name


def _expand(paths: Sequence[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from (p for p in path.iterdir() if p.suffix == ".json")
        else:
            yield path


def parse_daily_file(path: Path) -> Iterator[ParsedItem]:
    """The entries of one file; the list date comes from the file name (or its `date` field)."""
    source = f"daily-papers {path.name}"
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError) as error:
        yield Rejection(source, str(path), f"not readable JSON: {error}")
        return
    day_match = _DAY_IN_NAME.search(path.name)
    fallback_day = data.get("date") if isinstance(data, dict) else None
    day_text = day_match.group(1) if day_match else fallback_day
    if not isinstance(day_text, str):
        yield Rejection(source, str(path), "no list date in the file name or the file")
        return
    yield from parse_daily_items(data, date.fromisoformat(day_text), source)


def parse_daily_items(data: Any, listed_on: date, source: str) -> Iterator[ParsedItem]:
    """Entries from a decoded `/api/daily_papers` response (a list, or `{data: [...]}`)."""
    if isinstance(data, dict) and isinstance(data.get("data"), list):
        data = data["data"]
    if not isinstance(data, list):
        yield Rejection(
            source, "top level", f"expected a list of papers, got {type(data).__name__}"
        )
        return
    for index, raw in enumerate(data):
        yield _entry_or_rejection(raw, listed_on, source, index)


def _entry_or_rejection(raw: Any, listed_on: date, source: str, index: int) -> ParsedItem:
    ref = f"item {index}"
    try:
        item = _decode_item(raw)
        ref = f"item {index} ({_paper_id(item)})"
        return parse_entry(item, listed_on)
    except (KeyError, TypeError, ValueError, InvalidArxivId, SyntaxError) as error:
        return Rejection(source, ref, _describe(error))


def _decode_item(raw: Any) -> dict[str, Any]:
    if isinstance(raw, str):
        if len(raw) > _MAX_REPR_CHARS:
            raise ValueError("item text too long to parse")
        raw = ast.literal_eval(raw)
    if not isinstance(raw, dict):
        raise TypeError(f"expected an object, got {type(raw).__name__}")
    return raw


def _paper_id(item: dict[str, Any]) -> str:
    paper = item.get("paper")
    return str(paper.get("id", "?")) if isinstance(paper, dict) else "?"


def parse_entry(item: dict[str, Any], listed_on: date) -> EntryRecord:
    """One daily-list entry from an `/api/daily_papers` item."""
    paper = item["paper"]
    if not isinstance(paper, dict):
        raise TypeError("'paper' is not an object")
    ref = parse_arxiv_id(str(paper["id"]))
    title = _text(paper.get("title") or item.get("title"), "title")
    abstract = _text(paper.get("summary") or item.get("summary") or "", "summary", allow_empty=True)
    person = paper.get("submittedOnDailyBy") or item.get("submittedBy")
    return EntryRecord(
        paper=PaperRecord(
            arxiv_id=ref.arxiv_id,
            version=ref.version,
            title=" ".join(title.split()),
            abstract=abstract.strip(),
            authors=tuple(_authors(paper.get("authors") or [])),
            published_at=_time(paper.get("publishedAt")),
            code_url=_url(paper.get("githubRepo")),
            code_stars=_int(paper.get("githubStars")),
            project_url=_url(paper.get("projectPage")),
            ai_summary=paper.get("ai_summary") or None,
            ai_keywords=tuple(str(k) for k in paper.get("ai_keywords") or ()),
            observed_on=listed_on,
        ),
        listed_on=listed_on,
        submitter=_submitter(person),
        submitted_at=_time(paper.get("submittedOnDailyAt") or item.get("publishedAt")),
        upvote_count=_int(paper.get("upvotes")) or 0,
        comment_count=_int(item.get("numComments")) or 0,
    )


def _text(value: Any, field: str, *, allow_empty: bool = False) -> str:
    if not isinstance(value, str) or (not allow_empty and not value.strip()):
        raise ValueError(f"missing or empty {field!r}")
    return value


def _authors(raw: Any) -> Iterator[str]:
    if not isinstance(raw, list):
        raise TypeError("'authors' is not a list")
    for author in raw:
        name = author.get("name") if isinstance(author, dict) else author
        if (
            isinstance(name, str)
            and name.strip()
            and not (isinstance(author, dict) and author.get("hidden"))
        ):
            yield " ".join(name.split())


def _submitter(raw: Any) -> Submitter | None:
    if not isinstance(raw, dict):
        return None
    username = raw.get("user") or raw.get("name")
    if not isinstance(username, str) or not username:
        return None
    avatar = raw.get("avatarUrl")
    if isinstance(avatar, str) and avatar.startswith("/"):
        avatar = "https://huggingface.co" + avatar
    return Submitter(
        username=username, fullname=raw.get("fullname") or None, avatar_url=_url(avatar)
    )


def _time(value: Any) -> Any:
    return parse_timestamp(value) if isinstance(value, str) and value else None


def _int(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    raise ValueError(f"expected a whole number, got {value!r}")


def _url(value: Any) -> str | None:
    """Keep only http(s) URLs: anything else (javascript:, data:) is dropped, never shown."""
    if isinstance(value, str) and re.match(r"^https?://[^\s<>\"']+$", value.strip()):
        return value.strip()
    return None


def _describe(error: Exception) -> str:
    if isinstance(error, KeyError):
        return f"missing field {error.args[0]!r}"
    return str(error) or type(error).__name__


class DailyPapersUrl:
    """One day fetched from a `/api/daily_papers` endpoint (`?date=YYYY-MM-DD`)."""

    def __init__(
        self, fetch_json: Callable[[str, dict[str, str]], Any], url: str, day: date
    ) -> None:
        self.fetch_json = fetch_json
        self.url = url
        self.day = day
        self.name = f"daily-papers-url:{url}:{day.isoformat()}"

    def total(self) -> int | None:
        return None

    def records(self, resume_from: str | None) -> Iterator[tuple[ParsedItem, str | None]]:
        data = self.fetch_json(self.url, {"date": self.day.isoformat()})
        for item in parse_daily_items(data, self.day, f"daily-papers {self.url}"):
            yield item, None


class DailyPapersBundle:
    """Many days in one gzipped JSON object `{"YYYY-MM-DD": [items]}` (the bundled sample)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = f"daily-papers-bundle:{path.name}"

    def total(self) -> int | None:
        return None

    def records(self, resume_from: str | None) -> Iterator[tuple[ParsedItem, str | None]]:
        days = json.loads(gzip.decompress(self.path.read_bytes()))
        for day_text in sorted(days):
            if resume_from is not None and day_text <= resume_from:
                continue
            items = list(parse_daily_items(days[day_text], date.fromisoformat(day_text), self.name))
            for index, item in enumerate(items):
                yield item, day_text if index == len(items) - 1 else None
