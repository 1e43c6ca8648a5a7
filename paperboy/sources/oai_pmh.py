"""arXiv's OAI-PMH interface: ListRecords in the `arXivRaw` or `arXiv` format, page by page.

A harvest follows `resumptionToken`s; the resume position after each page is `token:<token>`,
so a rerun continues from the last whole page (arXiv's tokens expire, and an expired one is
reported as such). `noRecordsMatch` is an empty harvest, every other OAI error a SourceError.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from paperboy.domain.ids import InvalidArxivId, parse_arxiv_id
from paperboy.domain.models import PaperRecord, PaperVersion, Rejection
from paperboy.sources.arxiv_text import is_withdrawn, split_authors, squash
from paperboy.sources.dates import parse_timestamp
from paperboy.sources.http import PoliteClient, SourceError, body_snippet

ParsedItem = PaperRecord | Rejection
OAI_NS = "http://www.openarchives.org/OAI/2.0/"
RAW_NS = "http://arxiv.org/OAI/arXivRaw/"
ARXIV_NS = "http://arxiv.org/OAI/arXiv/"
METADATA_FORMATS = ("arXivRaw", "arXiv")
TOKEN_PREFIX = "token:"
_NO_RECORDS = "noRecordsMatch"


@dataclass(frozen=True, slots=True)
class OaiPage:
    """One ListRecords (or GetRecord) answer: its items and the token for the next page, if any."""

    items: list[ParsedItem]
    token: str | None


class OaiPmhSource:
    """Papers harvested with ListRecords, optionally limited to a set and a datestamp range."""

    def __init__(
        self,
        client: PoliteClient,
        oai_url: str,
        *,
        metadata_prefix: str = "arXivRaw",
        from_: date | None = None,
        until: date | None = None,
        set_spec: str | None = None,
    ) -> None:
        if metadata_prefix not in METADATA_FORMATS:
            raise ValueError(f"metadata_prefix must be one of {', '.join(METADATA_FORMATS)}")
        self.client = client
        self.oai_url = oai_url
        self.metadata_prefix = metadata_prefix
        self.from_, self.until, self.set_spec = from_, until, set_spec
        window = f"{from_.isoformat() if from_ else ''}..{until.isoformat() if until else ''}"
        self.name = f"oai:{metadata_prefix}:set={set_spec or '*'}:{window}"

    def total(self) -> int | None:
        return None  # arXiv tells the list size only with the first page

    def records(self, resume_from: str | None) -> Iterator[tuple[ParsedItem, str | None]]:
        token = _token(resume_from)
        params = {"verb": "ListRecords", "resumptionToken": token} if token else self.first_params()
        number = 1
        while True:
            page = fetch_page(self.client, self.oai_url, params, self.name, first_number=number)
            position = f"{TOKEN_PREFIX}{page.token}" if page.token else None
            for index, item in enumerate(page.items):
                yield item, position if index == len(page.items) - 1 else None
            if not page.token:
                return
            number += len(page.items)
            params = {"verb": "ListRecords", "resumptionToken": page.token}

    def first_params(self) -> dict[str, str]:
        """The query of the harvest's first page: format, and the set and dates when given."""
        params = {"verb": "ListRecords", "metadataPrefix": self.metadata_prefix}
        if self.from_:
            params["from"] = self.from_.isoformat()
        if self.until:
            params["until"] = self.until.isoformat()
        if self.set_spec:
            params["set"] = self.set_spec
        return params


def fetch_record(
    client: PoliteClient, oai_url: str, arxiv_id: str, metadata_prefix: str = "arXivRaw"
) -> ParsedItem:
    """One paper by id with GetRecord; raises SourceError (idDoesNotExist) for an unknown id."""
    params = {
        "verb": "GetRecord",
        "identifier": f"oai:arXiv.org:{arxiv_id}",
        "metadataPrefix": metadata_prefix,
    }
    page = fetch_page(client, oai_url, params, f"oai:{metadata_prefix}:GetRecord")
    if not page.items:
        raise SourceError(f"{oai_url}: GetRecord {arxiv_id} returned no record")
    return page.items[0]


def fetch_page(
    client: PoliteClient, url: str, params: dict[str, str], source: str, *, first_number: int = 1
) -> OaiPage:
    """One OAI-PMH answer, parsed; OAI errors other than noRecordsMatch raise SourceError."""
    response = client.get(url, params)
    return parse_page(response.content, source, str(response.url), first_number=first_number)


def parse_page(body: bytes, source: str, url: str, *, first_number: int = 1) -> OaiPage:
    """The records and resumption token of one OAI-PMH response body."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError as error:
        message = f"{url}: not a readable OAI-PMH response ({error}): {body_snippet(body)}"
        raise SourceError(message) from error
    if root.tag != f"{{{OAI_NS}}}OAI-PMH":
        raise SourceError(f"{url}: expected <OAI-PMH>, got <{root.tag}>: {body_snippet(body)}")
    errors = root.findall(f"{{{OAI_NS}}}error")
    if errors:
        _raise_unless_empty(errors, url)
        return OaiPage([], None)
    records = root.iter(f"{{{OAI_NS}}}record")
    items = [_record_or_rejection(r, source, n) for n, r in enumerate(records, start=first_number)]
    token = (root.findtext(f".//{{{OAI_NS}}}resumptionToken") or "").strip()
    return OaiPage(items, token or None)


def _raise_unless_empty(errors: list[ET.Element], url: str) -> None:
    codes = [e.get("code", "unknown") for e in errors]
    if codes == [_NO_RECORDS]:
        return
    described = "; ".join(f"{e.get('code', 'unknown')}: {squash(e.text or '')}" for e in errors)
    hint = (
        " (the saved position has expired: harvest again from the start)"
        if "badResumptionToken" in codes
        else ""
    )
    raise SourceError(f"{url}: OAI-PMH error {described}{hint}")


def _record_or_rejection(record: ET.Element, source: str, number: int) -> ParsedItem:
    header = record.find(f"{{{OAI_NS}}}header")
    identifier = (header.findtext(f"{{{OAI_NS}}}identifier") if header is not None else None) or ""
    ref = f"record {number} ({identifier.strip() or 'no identifier'})"
    if header is not None and header.get("status") == "deleted":
        return Rejection(source, ref, "deleted at the source (OAI header status=deleted)")
    metadata = record.find(f"{{{OAI_NS}}}metadata")
    if metadata is None or len(metadata) == 0:
        return Rejection(source, ref, "record has no metadata")
    try:
        return parse_metadata(metadata[0])
    except (ValueError, InvalidArxivId) as error:
        return Rejection(source, ref, str(error))


def _token(resume_from: str | None) -> str | None:
    if resume_from and resume_from.startswith(TOKEN_PREFIX):
        return resume_from[len(TOKEN_PREFIX) :] or None
    return None


def parse_metadata(element: ET.Element) -> PaperRecord:
    """A PaperRecord from an `<arXivRaw>` or `<arXiv>` metadata element."""
    if element.tag == f"{{{RAW_NS}}}arXivRaw":
        return parse_arxiv_raw(element)
    if element.tag == f"{{{ARXIV_NS}}}arXiv":
        return parse_arxiv_format(element)
    raise ValueError(f"unsupported metadata format <{element.tag}>")


def parse_arxiv_raw(element: ET.Element) -> PaperRecord:
    """`arXivRaw`: every version with its date, the author string, space-separated categories."""
    fields = _Fields(element, RAW_NS)
    versions = tuple(sorted((_raw_version(v) for v in fields.all("version")), key=_number))
    abstract, comments = fields.text("abstract"), fields.optional("comments")
    categories = tuple(fields.text("categories").split())
    return PaperRecord(
        arxiv_id=parse_arxiv_id(fields.text("id")).arxiv_id,
        version=versions[-1].version if versions else None,
        title=fields.text("title"),
        abstract=abstract,
        authors=tuple(split_authors(fields.text("authors"))),
        categories=categories,
        primary_category=categories[0],
        comments=comments,
        doi=fields.optional("doi"),
        journal_ref=fields.optional("journal-ref"),
        license=fields.optional("license"),
        published_at=versions[0].submitted_at if versions else None,
        updated_at=versions[-1].submitted_at if versions else None,
        withdrawn=is_withdrawn(comments, abstract),
        versions=versions,
    )


def parse_arxiv_format(element: ET.Element) -> PaperRecord:
    """`arXiv`: created/updated dates but no versions, authors as keyname and forenames."""
    fields = _Fields(element, ARXIV_NS)
    abstract, comments = fields.text("abstract"), fields.optional("comments")
    categories = tuple(fields.text("categories").split())
    updated = fields.optional("updated")
    return PaperRecord(
        arxiv_id=parse_arxiv_id(fields.text("id")).arxiv_id,
        title=fields.text("title"),
        abstract=abstract,
        authors=tuple(_structured_author(a, fields) for a in fields.all("authors/{ns}author")),
        categories=categories,
        primary_category=categories[0],
        comments=comments,
        doi=fields.optional("doi"),
        journal_ref=fields.optional("journal-ref"),
        license=fields.optional("license"),
        published_at=parse_timestamp(fields.text("created")),
        updated_at=parse_timestamp(updated) if updated else None,
        withdrawn=is_withdrawn(comments, abstract),
    )


class _Fields:
    """Child elements of one metadata record, looked up in its namespace, whitespace squashed."""

    def __init__(self, element: ET.Element, namespace: str) -> None:
        self.element = element
        self.ns = f"{{{namespace}}}"

    def optional(self, name: str, within: ET.Element | None = None) -> str | None:
        found = (within if within is not None else self.element).findtext(self.ns + name)
        return squash(found) if found and found.strip() else None

    def text(self, name: str, within: ET.Element | None = None) -> str:
        value = self.optional(name, within)
        if value is None:
            raise ValueError(f"missing or empty <{name}>")
        return value

    def all(self, path: str) -> list[ET.Element]:
        return self.element.findall(self.ns + path.format(ns=self.ns))


def _raw_version(element: ET.Element) -> PaperVersion:
    label = element.get("version", "").lstrip("v")
    if not label.isdigit():
        raise ValueError(f"version label {element.get('version')!r} is not v<number>")
    submitted = element.findtext(f"{{{RAW_NS}}}date")
    if not submitted:
        raise ValueError(f"version v{label} has no date")
    return PaperVersion(int(label), parse_timestamp(submitted))


def _number(version: PaperVersion) -> int:
    return version.version


def _structured_author(author: ET.Element, fields: _Fields) -> str:
    parts = (fields.optional(n, author) for n in ("forenames", "keyname", "suffix"))
    name = " ".join(p for p in parts if p)
    if not name:
        raise ValueError("an <author> has no keyname")
    return name
