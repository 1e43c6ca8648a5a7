"""RSS 2.0 and Atom 1.0 documents of a daily list, built with ElementTree.

Every piece of text from a paper goes into the tree as element text or an attribute value, so
ElementTree escapes it; the HTML of an item's description is built as a tree too. Characters
XML 1.0 forbids (control characters in some abstracts) are dropped first.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from email.utils import format_datetime

from paperboy.domain.models import DailyEntry
from paperboy.domain.urls import web_url

ATOM_NS = "http://www.w3.org/2005/Atom"
DC_NS = "http://purl.org/dc/elements/1.1/"
GENERATOR = "paperboy"
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
RSS_TYPE = "application/rss+xml; charset=utf-8"
ATOM_TYPE = "application/atom+xml; charset=utf-8"


@dataclass(frozen=True, slots=True)
class FeedItem:
    """One paper of the list, as both formats show it."""

    guid: str
    link: str
    title: str
    authors: tuple[str, ...]
    listed_at: datetime
    categories: tuple[str, ...]
    abstract: str
    upvotes: int
    abs_url: str
    code_url: str | None
    project_url: str | None


@dataclass(frozen=True, slots=True)
class Feed:
    """A channel: where its page and itself live, when it last changed, and its items in order."""

    title: str
    link: str
    self_url: str
    description: str
    updated_at: datetime
    items: tuple[FeedItem, ...]
    site_name: str = "paperboy"


def feed_item(entry: DailyEntry, base_url: str) -> FeedItem:
    """The feed item for a list entry; its link (also its id) is our paper page."""
    paper = entry.paper
    link = f"{base_url.rstrip('/')}/papers/{paper.arxiv_id}"
    return FeedItem(
        guid=link,
        link=link,
        title=paper.title,
        authors=paper.authors,
        listed_at=entry.submitted_at or midnight(entry.listed_on),
        categories=paper.categories,
        abstract=paper.abstract,
        upvotes=entry.upvote_count,
        abs_url=paper.abs_url,
        code_url=web_url(paper.code_url),  # from outside: never a javascript: link in a feed
        project_url=web_url(paper.project_url),
    )


def latest_time(items: Sequence[FeedItem], default: datetime) -> datetime:
    """When the newest item joined the list (`default` for an empty list)."""
    return max((item.listed_at for item in items), default=default)


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


def rss_document(feed: Feed) -> bytes:
    """The feed as RSS 2.0 (with atom:link rel=self and dc:creator per author)."""
    rss = ET.Element("rss", {"version": "2.0", "xmlns:atom": ATOM_NS, "xmlns:dc": DC_NS})
    channel = ET.SubElement(rss, "channel")
    _text(channel, "title", feed.title)
    _text(channel, "link", feed.link)
    _text(channel, "description", feed.description)
    ET.SubElement(
        channel, "atom:link", {"href": feed.self_url, "rel": "self", "type": "application/rss+xml"}
    )
    _text(channel, "lastBuildDate", format_datetime(feed.updated_at.astimezone(UTC), usegmt=True))
    _text(channel, "generator", GENERATOR)
    for item in feed.items:
        _rss_item(channel, item)
    return _serialise(rss)


def atom_document(feed: Feed) -> bytes:
    """The feed as Atom 1.0."""
    root = ET.Element("feed", {"xmlns": ATOM_NS})
    _text(root, "id", feed.self_url)
    _text(root, "title", feed.title)
    _text(root, "subtitle", feed.description)
    ET.SubElement(root, "link", {"rel": "alternate", "type": "text/html", "href": feed.link})
    ET.SubElement(
        root, "link", {"rel": "self", "type": "application/atom+xml", "href": feed.self_url}
    )
    _text(root, "updated", _rfc3339(feed.updated_at))
    _text(ET.SubElement(root, "author"), "name", feed.site_name)
    _text(root, "generator", GENERATOR)
    for item in feed.items:
        _atom_entry(root, item)
    return _serialise(root)


def description_html(item: FeedItem) -> str:
    """The abstract, upvotes and links as an HTML fragment, built as a tree (never by pasting)."""
    root = ET.Element("div")
    _text(root, "p", item.abstract)
    meta = _text(root, "p", f"▲ {item.upvotes} upvote{'s' if item.upvotes != 1 else ''}")
    links = [("arXiv", item.abs_url), ("Code", item.code_url), ("Project page", item.project_url)]
    previous: ET.Element | None = None
    for label, url in links:
        if not url:
            continue
        if previous is None:
            meta.text = f"{meta.text} · "
        else:
            previous.tail = " · "
        previous = ET.SubElement(meta, "a", {"href": _clean(url)})
        previous.text = label
    return ET.tostring(root, encoding="unicode", method="html")


def _rss_item(channel: ET.Element, item: FeedItem) -> None:
    element = ET.SubElement(channel, "item")
    _text(element, "title", item.title)
    _text(element, "link", item.link)
    _text(element, "guid", item.guid).set("isPermaLink", "true")
    for author in item.authors:
        _text(element, "dc:creator", author)
    _text(element, "pubDate", format_datetime(item.listed_at.astimezone(UTC), usegmt=True))
    for category in item.categories:
        _text(element, "category", category)
    _text(element, "description", description_html(item))


def _atom_entry(root: ET.Element, item: FeedItem) -> None:
    entry = ET.SubElement(root, "entry")
    _text(entry, "id", item.guid)
    _text(entry, "title", item.title).set("type", "text")
    ET.SubElement(entry, "link", {"rel": "alternate", "type": "text/html", "href": item.link})
    ET.SubElement(entry, "link", {"rel": "related", "href": item.abs_url, "title": "arXiv"})
    _text(entry, "published", _rfc3339(item.listed_at))
    _text(entry, "updated", _rfc3339(item.listed_at))
    for author in item.authors:
        _text(ET.SubElement(entry, "author"), "name", author)
    for category in item.categories:
        ET.SubElement(entry, "category", {"term": _clean(category)})
    _text(entry, "summary", description_html(item)).set("type", "html")


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = _clean(text)
    return element


def _clean(text: str) -> str:
    return _NOT_XML.sub("", text)


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _serialise(root: ET.Element) -> bytes:
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document
