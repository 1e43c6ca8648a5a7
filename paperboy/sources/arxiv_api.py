"""The arXiv export API (Atom): papers by category and submission dates, or by a list of ids.

Pages are fetched with `start`/`max_results`; the resume position after a page is the next
`start` (for an id list, the number of ids already asked for), so a rerun repeats at most one
page. Ids that do not parse are rejected before asking; ids arXiv does not know come back as no
entry at all, and are rejected by name.
"""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date

from paperboy.domain.ids import InvalidArxivId, parse_arxiv_id
from paperboy.domain.models import PaperRecord, PaperVersion, Rejection
from paperboy.sources.arxiv_text import is_withdrawn, squash
from paperboy.sources.dates import parse_timestamp
from paperboy.sources.http import HttpStatusError, PoliteClient, SourceError, body_snippet

ParsedItem = PaperRecord | Rejection
NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "arxiv": "http://arxiv.org/schemas/atom",
    "opensearch": "http://a9.com/-/spec/opensearch/1.1/",
}
ID_CHUNK = 100
MAX_PAGE_SIZE = 2000
_ERROR_ID_PREFIX = "https://arxiv.org/api/errors"


@dataclass(frozen=True, slots=True)
class AtomPage:
    """One page of results: what arXiv says the query matches in all, and this page's items."""

    total_count: int | None
    items: list[ParsedItem]


class ArxivApiSource:
    """Papers from the arXiv export API, either by category and date range or by id list."""

    def __init__(
        self,
        client: PoliteClient,
        api_url: str,
        *,
        category: str | None = None,
        start: date | None = None,
        end: date | None = None,
        ids: Sequence[str] = (),
        page_size: int = 100,
    ) -> None:
        if ids and (category or start or end):
            raise ValueError("ask either by ids or by category and dates, not both")
        if not ids and not (category or start or end):
            raise ValueError("give ids, or a category and/or a date range")
        if (start is None) != (end is None) or (start and end and start > end):
            raise ValueError("give both start and end, start on or before end")
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be between 1 and {MAX_PAGE_SIZE}")
        self.client = client
        self.api_url = api_url
        self.category, self.start, self.end = category, start, end
        self.ids = tuple(dict.fromkeys(i.strip() for i in ids if i.strip()))
        self.page_size = page_size
        self.name = _source_name(category, start, end, self.ids)

    def total(self) -> int | None:
        return len(self.ids) if self.ids else None

    def records(self, resume_from: str | None) -> Iterator[tuple[ParsedItem, str | None]]:
        offset = int(resume_from) if resume_from and resume_from.isdigit() else 0
        if self.ids:
            yield from self._by_ids(offset)
        else:
            yield from self._by_query(offset)

    def search_query(self) -> str:
        """The query for a category and date range: `cat:cs.CL AND submittedDate:[… TO …]`."""
        parts = [f"cat:{self.category}"] if self.category else []
        if self.start and self.end:
            parts.append(f"submittedDate:[{self.start:%Y%m%d}0000 TO {self.end:%Y%m%d}2359]")
        return " AND ".join(parts)

    def _by_query(self, offset: int) -> Iterator[tuple[ParsedItem, str | None]]:
        while True:
            params = {
                "search_query": self.search_query(),
                "sortBy": "submittedDate",
                "sortOrder": "ascending",
                "start": str(offset),
                "max_results": str(self.page_size),
            }
            page = self._fetch(params, offset)
            if not page.items:
                return
            offset += len(page.items)
            yield from _with_position(page.items, str(offset))
            if page.total_count is not None and offset >= page.total_count:
                return

    def _by_ids(self, offset: int) -> Iterator[tuple[ParsedItem, str | None]]:
        size = min(self.page_size, ID_CHUNK)
        for first in range(offset, len(self.ids), size):
            chunk = self.ids[first : first + size]
            items = list(self._chunk_items(chunk, first))
            yield from _with_position(items, str(first + len(chunk)))

    def _chunk_items(self, chunk: Sequence[str], first: int) -> Iterator[ParsedItem]:
        wanted: dict[str, str] = {}
        for text in chunk:
            try:
                ref = parse_arxiv_id(text)
                wanted[ref.arxiv_id] = str(ref)
            except InvalidArxivId as error:
                yield Rejection(self.name, text, str(error))
        if not wanted:
            return
        params = {
            "id_list": ",".join(wanted.values()),
            "start": "0",
            "max_results": str(len(wanted)),
        }
        page = self._fetch(params, first)
        for item in page.items:
            if isinstance(item, PaperRecord):
                wanted.pop(item.arxiv_id, None)
            yield item
        for text in wanted.values():
            yield Rejection(self.name, text, "arXiv returned no paper for this id")

    def _fetch(self, params: dict[str, str], offset: int) -> AtomPage:
        try:
            response = self.client.get(self.api_url, params)
        except HttpStatusError as error:
            explanation = _error_summary(error.body)
            message = f"{error} (arXiv says: {explanation})" if explanation else str(error)
            raise SourceError(message) from error
        return parse_feed(response.content, self.name, str(response.url), first_number=offset + 1)


def _with_position(
    items: Sequence[ParsedItem], position: str
) -> Iterator[tuple[ParsedItem, str | None]]:
    for index, item in enumerate(items):
        yield item, position if index == len(items) - 1 else None


def _source_name(
    category: str | None, start: date | None, end: date | None, ids: Sequence[str]
) -> str:
    if ids:
        digest = hashlib.sha1(",".join(sorted(ids)).encode()).hexdigest()[:12]
        return f"arxiv-api:ids={digest}"
    name = f"arxiv-api:cat={category or '*'}"
    return f"{name}:{start.isoformat()}..{end.isoformat()}" if start and end else name


def parse_feed(body: bytes, source: str, url: str, *, first_number: int = 1) -> AtomPage:
    """The entries of one Atom page; a malformed entry becomes a Rejection, the rest still land."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError as error:
        message = f"{url}: not a readable Atom feed ({error}): {body_snippet(body)}"
        raise SourceError(message) from error
    if root.tag != f"{{{NS['atom']}}}feed":
        raise SourceError(f"{url}: expected an Atom feed, got <{root.tag}>: {body_snippet(body)}")
    items = [
        _entry_or_rejection(entry, source, number)
        for number, entry in enumerate(root.findall("atom:entry", NS), start=first_number)
    ]
    return AtomPage(_total_count(root), items)


def _total_count(root: ET.Element) -> int | None:
    text = root.findtext("opensearch:totalResults", namespaces=NS)
    return int(text) if text and text.strip().isdigit() else None


def _entry_or_rejection(entry: ET.Element, source: str, number: int) -> ParsedItem:
    entry_id = squash(entry.findtext("atom:id", "", NS))
    ref = f"entry {number} ({entry_id or 'no id'})"
    if entry_id.startswith(_ERROR_ID_PREFIX) or entry.findtext("atom:title", "", NS) == "Error":
        summary = squash(entry.findtext("atom:summary", "", NS))
        return Rejection(source, ref, f"arXiv API error: {summary or entry_id}")
    try:
        return parse_entry(entry)
    except (ValueError, InvalidArxivId) as error:
        return Rejection(source, ref, str(error))


def parse_entry(entry: ET.Element) -> PaperRecord:
    """One `<entry>` as a PaperRecord; raises ValueError naming what is missing or wrong."""
    ref = parse_arxiv_id(_text(entry, "atom:id"))
    abstract = squash(entry.findtext("atom:summary", "", NS))
    comments = _optional(entry, "arxiv:comment")
    published_at = parse_timestamp(_text(entry, "atom:published"))
    updated_text = _optional(entry, "atom:updated")
    updated_at = parse_timestamp(updated_text) if updated_text else published_at
    version = ref.version or 1
    versions = [PaperVersion(1, published_at)]
    if version > 1:
        versions.append(PaperVersion(version, updated_at))
    return PaperRecord(
        arxiv_id=ref.arxiv_id,
        version=version,
        title=_text(entry, "atom:title"),
        abstract=abstract,
        authors=tuple(_authors(entry)),
        categories=_categories(entry),
        primary_category=_primary_category(entry),
        comments=comments,
        doi=_optional(entry, "arxiv:doi"),
        journal_ref=_optional(entry, "arxiv:journal_ref"),
        published_at=published_at,
        updated_at=updated_at,
        withdrawn=is_withdrawn(comments, abstract),
        versions=tuple(versions),
    )


def _text(entry: ET.Element, path: str) -> str:
    value = squash(entry.findtext(path, "", NS))
    if not value:
        raise ValueError(f"missing or empty <{path.split(':')[1]}>")
    return value


def _optional(entry: ET.Element, path: str) -> str | None:
    return squash(entry.findtext(path, "", NS)) or None


def _authors(entry: ET.Element) -> Iterator[str]:
    for author in entry.findall("atom:author", NS):
        name = squash(author.findtext("atom:name", "", NS))
        if name:
            yield name


def _categories(entry: ET.Element) -> tuple[str, ...]:
    terms = (c.get("term", "").strip() for c in entry.findall("atom:category", NS))
    primary = _primary_category(entry)
    ordered = [primary] if primary else []
    return tuple(dict.fromkeys([*ordered, *(t for t in terms if t)]))


def _primary_category(entry: ET.Element) -> str | None:
    element = entry.find("arxiv:primary_category", NS)
    term = element.get("term", "").strip() if element is not None else ""
    return term or None


def _error_summary(body: bytes) -> str | None:
    """The explanation in arXiv's error feed (`<entry><title>Error</title><summary>…`), if any."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return None
    summary = root.findtext("atom:entry/atom:summary", namespaces=NS)
    return squash(summary) if summary else None
