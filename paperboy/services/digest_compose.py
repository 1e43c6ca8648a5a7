"""Digests: choosing each subscriber's papers, and the multipart mail that carries them.

Choosing reuses the site's own rankings: the daily lists by upvotes (`top`), the trending
ranking (`trending`) and hybrid search over the papers published in the window (`searches`).
A run composes thousands of digests from a handful of rankings, so the composer keeps, for its
lifetime (one run), each ranking per (content, window, searches) and its category-filtered
list per categories, and each paper's text and HTML fragment rendered once: per subscriber
what is left is skipping papers already sent, the links, and joining fragments into a mail.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from html import escape
from typing import Protocol
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

from paperboy.config import Settings
from paperboy.domain.digest_choice import (
    SEARCH_LAG_DAYS,
    Window,
    candidates_in,
    digest_window,
    interleaved,
    pick,
)
from paperboy.domain.digest_schedule import Slot, describe_schedule
from paperboy.domain.digest_text import (
    Frame,
    author_line,
    excerpt,
    one_line,
    readable,
    shortened,
    slot,
)
from paperboy.domain.digest_text import wrapped as wrap
from paperboy.domain.digests import DigestContent, Subscription
from paperboy.domain.mail import OutgoingMail
from paperboy.domain.models import ListSort, Paper
from paperboy.domain.search import SearchFilters, SearchRequest, parse_query
from paperboy.domain.urls import web_url
from paperboy.services.digest_links import DigestLinks, digest_links
from paperboy.services.ports import (
    Embedder,
    KeywordIndex,
    MailTemplates,
    PaperStore,
    VectorIndex,
    VoteStore,
)
from paperboy.services.search import search
from paperboy.services.trending import trending

RANKING_SIZE = 1000  # candidates kept per ranking: max_papers (≤ 50) plus room for those sent
SEARCH_SIZE = 50  # hits per saved search
RANKING_LIMIT = 1024  # daily-list and trending rankings kept (one per window or slot time)
SEARCH_LIMIT = 8192  # saved searches' hits kept, per (query, window)
FILTERED_LIMIT = 16384  # candidate lists kept, per (content, window, searches, categories)
FRAGMENT_LIMIT = 20000  # rendered papers kept
SUBJECT_TITLE = 70  # characters of the first title in the subject line
EXCERPT = 320  # characters of abstract per paper
_LINKS = ("confirm", "manage", "unsubscribe", "feed_rss", "feed_atom")
WHAT = {
    DigestContent.TOP: ("most upvoted paper", "most upvoted papers"),
    DigestContent.TRENDING: ("trending paper", "trending papers"),
    DigestContent.SEARCHES: ("new paper for your searches", "new papers for your searches"),
}


class ComposeDeps(Protocol):
    """The parts of the composition root (`paperboy.app.Deps`) the composer reads."""

    @property
    def settings(self) -> Settings: ...
    @property
    def store(self) -> PaperStore: ...
    @property
    def votes(self) -> VoteStore: ...
    @property
    def keywords(self) -> KeywordIndex: ...
    @property
    def vectors(self) -> VectorIndex: ...
    @property
    def embedder(self) -> Embedder: ...
    @property
    def mail_templates(self) -> MailTemplates: ...


@dataclass(frozen=True, slots=True)
class DigestFrame:
    """The digest's subject, text and HTML for one number of papers, each with holes."""

    subject: Frame
    text: Frame
    html: Frame
    escaped: frozenset[str]  # the HTML's holes but the papers (those are HTML already)


@dataclass(frozen=True, slots=True)
class Fragment:
    """One paper rendered once for every digest it is in."""

    title: str
    text: str
    html: str


class _Bounded(dict[Hashable, object]):
    """A dict that drops its oldest key past `limit` keys (memory stays flat over a long run).

    The outbox's workers share one composer from their threads: eviction and insertion hold a
    lock; a value is made outside it (two threads may make the same one once, never wait on it).
    """

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit
        self._lock = threading.Lock()

    def get_or(self, key: Hashable, make: Callable[[], object]) -> object:
        """The value kept for `key`, else `make()`, kept."""
        found = self.get(key, _MISSING)
        if found is not _MISSING:
            return found
        value = make()
        with self._lock:
            while len(self) >= self.limit:
                del self[next(iter(self))]
            self[key] = value
        return value


_MISSING = object()


@dataclass
class DigestComposer:
    """Chooses and composes digests over the site's stores, search and mail templates."""

    settings: Settings
    store: PaperStore
    votes: VoteStore
    keywords: KeywordIndex
    vectors: VectorIndex
    embedder: Embedder
    templates: MailTemplates
    _rankings: _Bounded = field(default_factory=lambda: _Bounded(RANKING_LIMIT))
    _searches: _Bounded = field(default_factory=lambda: _Bounded(SEARCH_LIMIT))
    _filtered: _Bounded = field(default_factory=lambda: _Bounded(FILTERED_LIMIT))
    _fragments: _Bounded = field(default_factory=lambda: _Bounded(FRAGMENT_LIMIT))

    @classmethod
    def from_deps(cls, deps: ComposeDeps) -> DigestComposer:
        """A composer over the deps' stores, indexes, embedder and mail templates."""
        return cls(
            deps.settings,
            deps.store,
            deps.votes,
            deps.keywords,
            deps.vectors,
            deps.embedder,
            deps.mail_templates,
        )

    # choosing

    def choose(
        self, subscription: Subscription, slot: Slot, already_sent: frozenset[str]
    ) -> list[Paper]:
        """The papers of this slot's digest, best first, ≤ max_papers; [] when nothing is new."""
        prefs = subscription.preferences
        return pick(self.candidates(subscription, slot), already_sent, prefs.max_papers)

    def candidates(self, subscription: Subscription, slot: Slot) -> tuple[Paper, ...]:
        """Every paper the subscriber's content offers for `slot`, best first, in its categories."""
        prefs = subscription.preferences
        window = digest_window(prefs.frequency, slot.period)
        if prefs.content is DigestContent.SEARCHES:
            queries = tuple(sorted({q.casefold(): q for q in prefs.searches}.values()))
            key: tuple[Hashable, ...] = ("searches", window, queries)
        elif prefs.content is DigestContent.TRENDING:
            key = ("trending", slot.due_at)
        else:
            key = ("top", window)

        def filtered() -> tuple[Paper, ...]:
            if prefs.content is DigestContent.SEARCHES:
                ranking = interleaved([self._search(q, window) for q in queries])
            else:
                ranking = self._rankings.get_or(key, lambda: self._ranking(key))  # type: ignore[assignment]
            return candidates_in(ranking, prefs.categories)

        found = self._filtered.get_or((key, prefs.categories), filtered)
        return found  # type: ignore[return-value]

    def _ranking(self, key: tuple[Hashable, ...]) -> tuple[Paper, ...]:
        """The daily lists of a window by upvotes (`top`), or trending at a moment."""
        if key[0] == "trending":
            due_at = key[1]
            assert isinstance(due_at, datetime)
            return self._trending(due_at)
        window = key[1]
        assert isinstance(window, Window)
        entries = self.store.entries_between(
            window.first, window.last, sort=ListSort.UPVOTES, limit=RANKING_SIZE
        )
        return tuple(entry.paper for entry in entries)

    def _trending(self, now: datetime) -> tuple[Paper, ...]:
        ranked = trending(
            self.store,
            self.votes,
            now,
            timezone=self.settings.timezone,
            window_days=self.settings.trending_window_days,
            limit=RANKING_SIZE,
        )
        return tuple(t.entry.paper for t in ranked)

    def _search(self, query: str, window: Window) -> tuple[Paper, ...]:
        def run() -> tuple[Paper, ...]:
            parsed = parse_query(query)
            if parsed.is_empty:  # only punctuation or -exclusions: it would match everything
                return ()
            searched = window.widened(SEARCH_LAG_DAYS)
            filters = SearchFilters(published_from=searched.first, published_to=searched.last)
            request = SearchRequest(parsed, filters, limit=SEARCH_SIZE)
            result = search(
                self.store,
                self.keywords,
                self.vectors,
                self.embedder,
                request,
                rrf_k=self.settings.rrf_k,
                embed_timeout=self.settings.search_embed_timeout,
            )
            return tuple(hit.paper for hit in result.hits)

        return self._searches.get_or((query.casefold(), window), run)  # type: ignore[return-value]

    def feed_papers(self, subscription: Subscription, now: datetime, size: int) -> list[Paper]:
        """The subscription's content as of `now` (its private feed): up to `size` papers."""
        zone = ZoneInfo(subscription.preferences.timezone)
        today = Slot(period=now.astimezone(zone).date().isoformat(), due_at=now)
        return list(self.candidates(subscription, today)[:size])

    def load_papers(self, arxiv_ids: Sequence[str]) -> list[Paper]:
        """The papers of `arxiv_ids` in that order (a resend of fixed papers); gone ones skipped."""
        found = self.store.papers_by_ids(list(arxiv_ids))
        return [found[i][0] for i in arxiv_ids if i in found]

    # composing

    def compose(
        self, subscription: Subscription, papers: list[Paper], *, message_id: str, period: str
    ) -> OutgoingMail:
        """The digest mail of `papers` for `subscription`, with list and unsubscribe headers."""
        if not papers:
            raise ValueError("a digest needs at least one paper (an empty period sends nothing)")
        prefs = subscription.preferences
        links = digest_links(self.settings, subscription.id)
        fragments = [self.fragment(paper) for paper in papers]
        count = len(papers)
        what = WHAT[prefs.content][0 if count == 1 else 1]
        day = _day_label(period)
        text = {
            "count": str(count),
            "what": what,
            "day": day,
            "first_title": shortened(fragments[0].title, SUBJECT_TITLE),
            "preheader": " · ".join(f.title for f in fragments[:3]),
            "email": subscription.email,
            "schedule": describe_schedule(prefs),
            **{f"link_{name}": getattr(links, name) for name in _LINKS},
        }
        frame = self.frame(count)
        html = {name: escape(text[name]) for name in frame.escaped}
        for number, fragment in enumerate(fragments):
            text[f"paper_{number}"] = fragment.text
            html[f"paper_{number}"] = fragment.html  # rendered by an autoescaping template
        return OutgoingMail(
            to=subscription.email,
            subject=frame.subject.fill(text),  # one line: titles are one_line, the rest fixed
            text=frame.text.fill(text),
            html=frame.html.fill(html),
            message_id=message_id,
            headers=self.list_headers(links),
        )

    def frame(self, count: int) -> DigestFrame:
        """The digest templates rendered once for `count` papers, with holes for the rest."""
        found = self._fragments.get_or(("frame", count), lambda: self._render_frame(count))
        return found  # type: ignore[return-value]

    def _render_frame(self, count: int) -> DigestFrame:
        holes = ["count", "what", "day", "first_title", "preheader", "email", "schedule"]
        links = DigestLinks(**{name: slot(f"link_{name}") for name in _LINKS})
        context: dict[str, object] = {name: slot(name) for name in holes}
        context["heading"] = f"{slot('count')} {slot('what')} — {slot('day')}"
        context["links"] = links
        context["papers"] = [
            Fragment(title="", text=slot(f"paper_{n}"), html=slot(f"paper_{n}"))
            for n in range(count)
        ]
        rendered = self.templates.render("digest", context)
        html = Frame.of(rendered.html)
        escaped = frozenset(n for n in html.names if not n.startswith("paper_"))
        return DigestFrame(Frame.of(rendered.subject), Frame.of(rendered.text), html, escaped)

    def list_headers(self, links: DigestLinks) -> tuple[tuple[str, str], ...]:
        """List-Id, List-Unsubscribe (one-click https, RFC 8058) and List-Help headers."""
        return (
            ("List-Id", _list_id(self.settings.site_name, self.settings.base_url)),
            ("List-Unsubscribe", f"<{links.unsubscribe}>"),
            ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
            ("List-Help", f"<{links.manage}>"),
            ("Auto-Submitted", "auto-generated"),
        )

    def fragment(self, paper: Paper) -> Fragment:
        """The paper's text and HTML blocks, rendered on first use and then kept."""
        found = self._fragments.get_or(paper.arxiv_id, lambda: self._render(paper))
        return found  # type: ignore[return-value]

    def _render(self, paper: Paper) -> Fragment:
        base = self.settings.base_url.rstrip("/")
        title = readable(paper.title)
        authors = author_line(paper.authors)
        short = excerpt(paper.abstract, EXCERPT)
        rendered = self.templates.render(
            "digest_paper",
            {
                "title": title,
                "title_text": wrap(title, 72, "    ").removeprefix("    "),
                "authors": authors,
                "excerpt": short,
                "excerpt_text": wrap(short, 72, "    "),
                "paper_url": f"{base}/papers/{quote(paper.arxiv_id, safe='/.')}",
                "arxiv_url": f"https://arxiv.org/abs/{quote(paper.arxiv_id, safe='/.')}",
                "code_url": web_url(paper.code_url),
            },
        )
        return Fragment(title=title, text=rendered.text.rstrip("\n"), html=rendered.html)


@lru_cache(maxsize=8)
def _list_id(site_name: str, base_url: str) -> str:
    """`"paperboy digest" <digest.example.org>`: the list's name and its id under our host."""
    host = urlsplit(base_url).hostname or "localhost"
    return f'"{one_line(site_name).replace(chr(34), chr(39))} digest" <digest.{host}>'


@lru_cache(maxsize=64)
def _day_label(period: str) -> str:
    """`2026-11-26` as `Thu 26 Nov`."""
    day = date.fromisoformat(period)
    return f"{day:%a} {day.day} {day:%b}"
