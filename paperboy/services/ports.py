"""The protocols services need from the edges; storage and sources implement them structurally."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from paperboy.domain.community import EntryChange, VoteHistory, VoteState
from paperboy.domain.digests import Preferences, Subscription, SubscriptionStatus
from paperboy.domain.embedding import EmbeddingTask as EmbeddingTask
from paperboy.domain.indexing import IndexDocument, SyncPosition, SyncState
from paperboy.domain.mail import OutgoingMail, RenderedMail
from paperboy.domain.models import (
    DailyEntry,
    EntryRecord,
    ListSort,
    Outcome,
    Paper,
    PaperRecord,
    Rejection,
)

# re-exported: the queue protocol speaks it, and storage may not import services
from paperboy.domain.models import Job as Job
from paperboy.domain.outbox import ClaimedDelivery, Delivery, DigestRun, PlannedDelivery, RunCounts
from paperboy.domain.search import ParsedQuery, Scored, SearchFilters, SearchSort


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where a source got to; saved in the same transaction as the batch it ends."""

    source: str
    value: str


class PaperStore(Protocol):
    """Papers and daily lists."""

    def upsert_papers(
        self, records: Sequence[PaperRecord], cursor: Cursor | None = None
    ) -> list[Outcome]: ...

    def upsert_entries(
        self,
        records: Sequence[EntryRecord],
        cursor: Cursor | None = None,
        *,
        observed_at: datetime | None = None,
    ) -> list[Outcome]: ...

    def paper(self, arxiv_id: str) -> Paper | None: ...

    def entries_between(
        self,
        first: date,
        last: date,
        *,
        sort: ListSort = ListSort.UPVOTES,
        limit: int = 50,
        offset: int = 0,
        submitter: str | None = None,
    ) -> list[DailyEntry]: ...

    def count_entries_between(
        self, first: date, last: date, *, submitter: str | None = None
    ) -> int: ...

    def entries_for_paper(self, arxiv_id: str) -> list[DailyEntry]: ...

    def list_day_before(self, day: date) -> date | None: ...

    def list_day_after(self, day: date) -> date | None: ...

    def latest_list_day(self, on_or_before: date | None = None) -> date | None: ...

    def papers_published_between(
        self, start: datetime, end: datetime, *, limit: int, offset: int = 0
    ) -> list[Paper]: ...

    def cursor(self, source: str) -> str | None: ...

    def save_cursor(self, cursor: Cursor) -> None: ...

    def counts(self) -> dict[str, int]: ...

    def content_revision(self) -> int: ...

    def papers_by_ids(
        self, arxiv_ids: Sequence[str]
    ) -> dict[str, tuple[Paper, int, date | None]]: ...

    def papers_for_index(self, after: SyncPosition | None, limit: int) -> list[IndexDocument]: ...

    def count_papers_for_index(self, after: SyncPosition | None) -> int: ...

    def titles_like(self, title: str, limit: int = 5) -> list[tuple[str, float]]: ...


class JobQueue(Protocol):
    """Where jobs wait for a worker; the embedded one lives in the main database."""

    def enqueue(self, task: str, payload: dict[str, Any]) -> int: ...

    def claim(self, worker: str, now: datetime) -> Job | None: ...

    def finish(
        self, job_id: int, result: dict[str, Any], now: datetime, attempt: int | None = None
    ) -> bool: ...

    def fail(
        self,
        job_id: int,
        error: str,
        now: datetime,
        retry_at: datetime | None,
        attempt: int | None = None,
    ) -> bool: ...

    def recent(self, limit: int = 20) -> list[Job]: ...


class Progress(Protocol):
    """Told how far a long command has got, so a face can show count, rate and time left."""

    def start(self, total: int | None, label: str) -> None: ...

    def advance(self, count: int) -> None: ...

    def finish(self) -> None: ...


class SilentProgress:
    """Progress that shows nothing (tests, jobs without a terminal)."""

    def start(self, total: int | None, label: str) -> None:
        pass

    def advance(self, count: int) -> None:
        pass

    def finish(self) -> None:
        pass


ParsedItem = PaperRecord | EntryRecord | Rejection


class RecordSource(Protocol):
    """A source of records, yielded in order with a resume position.

    The position after an item is where a rerun may start to skip everything up to it; it is
    None inside a page that cannot be resumed halfway (a rerun repeats that page, harmlessly).
    """

    name: str

    def records(self, resume_from: str | None) -> Iterator[tuple[ParsedItem, str | None]]: ...

    def total(self) -> int | None: ...


# ---- search (issue 3): embeddings, keyword and vector retrieval, and hydrating hits


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors; `name` is stored with every vector."""

    name: str
    dimension: int

    def embed_documents(self, texts: Sequence[str]) -> NDArray[np.float32]: ...

    def embed_query(self, text: str) -> NDArray[np.float32]: ...


class EmbeddingStore(Protocol):
    """Vectors kept in the database, so nothing is recomputed after a restart."""

    def papers_to_embed(self, model: str, after_id: int, limit: int) -> list[EmbeddingTask]: ...

    def save_embeddings(
        self, model: str, tasks: Sequence[EmbeddingTask], vectors: NDArray[np.float32]
    ) -> None: ...

    def embedding_counts(self, model: str) -> tuple[int, int]: ...

    def embeddings_after(
        self, model: str, after_id: int, limit: int
    ) -> tuple[list[str], NDArray[np.float32], int]: ...


class KeywordIndex(Protocol):
    """Full-text retrieval: arXiv ids best first for a parsed query, filters applied."""

    def search(
        self,
        query: ParsedQuery,
        filters: SearchFilters,
        limit: int,
        sort: SearchSort = SearchSort.RELEVANCE,
    ) -> list[Scored]: ...


class KeywordIndexWriter(Protocol):
    """One writing session of a keyword index; it holds the index's write lock while open."""

    def state(self) -> SyncState: ...

    def replace(self, documents: Sequence[IndexDocument]) -> None: ...

    def commit(self, state: SyncState) -> None: ...


class WritableKeywordIndex(Protocol):
    """A keyword index fed from the store; `fresh` starts over from an empty index."""

    def writing(self, *, fresh: bool = False) -> AbstractContextManager[KeywordIndexWriter]: ...


class VectorIndex(Protocol):
    """Nearest neighbours by cosine similarity: arXiv ids best first, filters applied."""

    def nearest(
        self,
        vector: NDArray[np.float32],
        limit: int,
        filters: SearchFilters | None = None,
        exclude: frozenset[str] = frozenset(),
    ) -> list[Scored]: ...


class SyncedVectorIndex(VectorIndex, Protocol):
    """A vector index the app keeps up to date: `sync` after embedding, `version` for caches."""

    def sync(self) -> int: ...

    def version(self) -> int: ...


class VectorLookup(Protocol):
    """One paper's stored vector by bare arXiv id; None until the paper is embedded."""

    def embedding_of(self, model: str, arxiv_id: str) -> NDArray[np.float32] | None: ...


class Mailer(Protocol):
    """Delivers messages (SMTP, or a folder of .eml files for the offline demo)."""

    def send(self, message: OutgoingMail) -> str:
        """Hand `message` over; return its Message-ID. Raises `MailError` subclasses on failure."""
        ...


class MailTemplates(Protocol):
    """Renders a named mail template (text + HTML + subject) with `context`."""

    def render(self, name: str, context: Mapping[str, Any]) -> RenderedMail: ...


# ---- the research community (issue 4): upvotes and curated lists


class VoteStore(Protocol):
    """Members' upvotes, counted exactly, and the imported upvote history for trending."""

    def set_vote(
        self, user_id: int, arxiv_id: str, on: bool, now: datetime
    ) -> VoteState | None: ...

    def vote_state(self, user_id: int | None, arxiv_id: str) -> VoteState | None: ...

    def voted_among(self, user_id: int, arxiv_ids: Iterable[str]) -> set[str]: ...

    def member_vote_count(self, arxiv_id: str) -> int: ...

    def upvoted_papers(self, user_id: int, limit: int = 100) -> list[str]: ...

    def vote_history(self, arxiv_ids: Sequence[str]) -> dict[str, VoteHistory]: ...

    def observations(self, arxiv_id: str) -> list[tuple[datetime, int]]: ...


class CurationStore(Protocol):
    """Entries members and curators add to daily lists, and curators' removals and pins."""

    def add_entry(
        self,
        arxiv_id: str,
        day: date,
        user_id: int | None,
        now: datetime,
        *,
        daily_limit: int | None = None,
        restore: bool = False,
    ) -> EntryChange: ...

    def set_hidden(self, arxiv_id: str, day: date, hidden: bool, now: datetime) -> bool: ...

    def set_pinned(self, arxiv_id: str, day: date, pinned: bool, now: datetime) -> bool: ...

    def submissions_on(self, user_id: int, day: date) -> int: ...

    def hidden_on(self, day: date) -> list[str]: ...


class DeliveryStore(Protocol):
    """The digest outbox: deliveries planned, claimed under a lease, and marked."""

    def due_subscriptions(self, now: datetime, after_id: int, limit: int) -> list[Subscription]: ...

    def plan(self, planned: Sequence[PlannedDelivery], now: datetime) -> int: ...

    def claim(
        self, worker: str, now: datetime, lease_until: datetime, limit: int
    ) -> list[ClaimedDelivery]: ...

    def fix_papers(
        self, delivery_id: int, arxiv_ids: Sequence[str], now: datetime
    ) -> list[str]: ...

    def papers(self, delivery_id: int) -> list[str] | None: ...

    def sent_papers(self, subscription_id: int, except_delivery: int) -> frozenset[str]: ...

    def papers_of(self, delivery_ids: Sequence[int]) -> dict[int, list[str] | None]: ...

    def sent_papers_of(
        self, subscription_ids: Sequence[int], except_deliveries: Sequence[int]
    ) -> dict[int, set[str]]: ...

    def fix_papers_of(
        self, choices: Mapping[int, Sequence[str]], now: datetime
    ) -> dict[int, list[str]]: ...

    def mark_sent(self, delivery_id: int, now: datetime, *, reset_bounces: bool = True) -> None: ...

    def mark_empty(self, delivery_id: int, now: datetime) -> None: ...

    def retry_later(self, delivery_id: int, error: str, at: datetime) -> None: ...

    def release(self, delivery_ids: Sequence[int]) -> None: ...

    def mark_failed(
        self, delivery_id: int, error: str, now: datetime, *, bounce_limit: int | None = None
    ) -> bool: ...

    def delivery(self, delivery_id: int) -> Delivery | None: ...

    def deliveries_of(self, subscription_id: int) -> list[Delivery]: ...


class DigestRunStore(Protocol):
    """Digest runs, and counts over the outbox for the status command and admin page."""

    def start_run(self, worker: str, now: datetime) -> int: ...

    def finish_run(
        self, run_id: int, counts: RunCounts, now: datetime, note: str | None
    ) -> None: ...

    def recent_runs(self, limit: int = 10) -> list[DigestRun]: ...

    def delivery_counts(self) -> dict[str, int]: ...

    def due_count(self, now: datetime) -> tuple[int, int]: ...

    def recent_failures(self, limit: int = 20) -> list[tuple[Delivery, str]]: ...


class SubscriptionStore(Protocol):
    """Digest subscriptions: one per address (and at most one per member), and their status."""

    def create(
        self,
        email: str,
        preferences: Preferences,
        now: datetime,
        *,
        user_id: int | None = None,
        next_due_at: datetime | None = None,
    ) -> Subscription: ...

    def subscription(self, subscription_id: int) -> Subscription | None: ...

    def by_email(self, email: str) -> Subscription | None: ...

    def by_user(self, user_id: int) -> Subscription | None: ...

    def confirm(self, subscription_id: int, now: datetime, next_due_at: datetime) -> bool: ...

    def restart(self, subscription_id: int, preferences: Preferences, now: datetime) -> bool: ...

    def activate(
        self,
        subscription_id: int,
        preferences: Preferences,
        now: datetime,
        next_due_at: datetime,
        *,
        user_id: int,
    ) -> bool: ...

    def update_preferences(
        self,
        subscription_id: int,
        preferences: Preferences,
        now: datetime,
        next_due_at: datetime | None,
    ) -> bool: ...

    def pause(self, subscription_id: int, now: datetime, reason: str | None = None) -> bool: ...

    def resume(self, subscription_id: int, now: datetime, next_due_at: datetime) -> bool: ...

    def unsubscribe(self, subscription_id: int, now: datetime) -> bool: ...

    def counts_by_status(self) -> dict[SubscriptionStatus, int]: ...
