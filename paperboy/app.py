"""The composition root: builds the store, job queue and sources from Settings, once."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine

from paperboy.config import Settings
from paperboy.domain.search import SearchRequest, SearchResult
from paperboy.embeddings import embedder_for
from paperboy.indexes.keyword import TantivyKeywordIndex
from paperboy.indexes.vectors import FaissVectorIndex, vector_index_path
from paperboy.mail import mail_templates_for, mailer_for
from paperboy.services.account_mail import AccountMail
from paperboy.services.accounts import Accounts, Limits, MemberData
from paperboy.services.claims import ClaimStore
from paperboy.services.comments import CommentStore
from paperboy.services.member_data import ProfilePapers
from paperboy.services.passwords import Passwords
from paperboy.services.ports import (
    CurationStore,
    DeliveryStore,
    DigestRunStore,
    Embedder,
    EmbeddingStore,
    JobQueue,
    KeywordIndex,
    Mailer,
    MailTemplates,
    PaperStore,
    Progress,
    SubscriptionStore,
    SyncedVectorIndex,
    VectorLookup,
    VoteStore,
)
from paperboy.services.profiles import ProfileStore
from paperboy.services.rate_limits import RateLimiter
from paperboy.services.search import search
from paperboy.services.sessions import Sessions
from paperboy.services.similar import DEFAULT_LIMIT, SimilarPaper, similar_papers
from paperboy.services.subscriptions import Subscriptions
from paperboy.sources.arxiv_api import ArxivApiSource
from paperboy.sources.daily_papers import DailyPapersBundle, DailyPapersFiles, DailyPapersUrl
from paperboy.sources.http import PoliteClient
from paperboy.sources.oai_pmh import OaiPmhSource
from paperboy.sources.snapshot import JsonLinesPapers
from paperboy.storage import migrations
from paperboy.storage.accounts import SqlAccountStore
from paperboy.storage.claims import SqlClaimStore
from paperboy.storage.comments import SqlCommentStore
from paperboy.storage.copy import CopyRefused as CopyRefused  # for the CLI's `db copy`
from paperboy.storage.copy import TableCopy, copy_database, source_row_counts
from paperboy.storage.curation import SqlCurationStore
from paperboy.storage.deliveries import SqlDeliveryStore
from paperboy.storage.digest_runs import SqlDigestRuns
from paperboy.storage.embeddings import SqlEmbeddingStore
from paperboy.storage.engine import is_sqlite, make_engine
from paperboy.storage.jobs import SqlJobQueue
from paperboy.storage.papers import SqlPaperStore
from paperboy.storage.profiles import SqlProfileStore
from paperboy.storage.rate_limits import SqlRateLimits
from paperboy.storage.subscriptions import SqlSubscriptionStore
from paperboy.storage.vectors import PgVectorIndex, SqlVectorLookup
from paperboy.storage.votes import SqlVoteStore

Clock = Callable[[], datetime]
logger = logging.getLogger(__name__)
SAMPLE_PATH = Path(__file__).parent / "sample" / "daily-papers.json.gz"


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class SourceFactory:
    """Builds sources with the operator's HTTP settings; tests pass a transport for fixtures."""

    settings: Settings
    transport: httpx.BaseTransport | None = None

    def daily_papers_files(self, paths: Sequence[Path]) -> DailyPapersFiles:
        return DailyPapersFiles(paths)

    def daily_papers_url(self, day: date, url: str | None = None) -> DailyPapersUrl:
        return DailyPapersUrl(self._fetch_json, url or self.settings.daily_papers_url, day)

    def jsonl(self, path: Path) -> JsonLinesPapers:
        return JsonLinesPapers(path)

    def bundled_sample(self) -> DailyPapersBundle:
        return DailyPapersBundle(SAMPLE_PATH)

    def arxiv_api(
        self,
        *,
        category: str | None = None,
        start: date | None = None,
        end: date | None = None,
        ids: Sequence[str] = (),
        page_size: int = 100,
    ) -> ArxivApiSource:
        """Papers from the arXiv export API, by category and dates or by id list."""
        return ArxivApiSource(
            self._arxiv_client(),
            self.settings.arxiv_api_url,
            category=category,
            start=start,
            end=end,
            ids=ids,
            page_size=page_size,
        )

    def oai(
        self,
        *,
        metadata_prefix: str = "arXivRaw",
        from_: date | None = None,
        until: date | None = None,
        set_spec: str | None = None,
    ) -> OaiPmhSource:
        """Papers harvested from arXiv's OAI-PMH interface."""
        return OaiPmhSource(
            self._arxiv_client(),
            self.settings.arxiv_oai_url,
            metadata_prefix=metadata_prefix,
            from_=from_,
            until=until,
            set_spec=set_spec,
        )

    def _arxiv_client(self) -> PoliteClient:
        return PoliteClient(
            interval=self.settings.arxiv_request_interval,
            retries=self.settings.http_retries,
            timeout=self.settings.http_timeout,
            transport=self.transport,
        )

    def _fetch_json(self, url: str, params: dict[str, str]) -> Any:
        with httpx.Client(transport=self.transport, timeout=self.settings.http_timeout) as client:
            response = client.get(url, params=params, follow_redirects=True)
            response.raise_for_status()
            return response.json()


@dataclass(frozen=True, slots=True)
class Deps:
    """Everything the faces need, built once from Settings."""

    settings: Settings
    store: PaperStore
    jobs: JobQueue
    sources: SourceFactory
    keywords: KeywordIndex
    embedder: Embedder
    embeddings: EmbeddingStore
    vectors: SyncedVectorIndex
    stored_vectors: VectorLookup
    mailer: Mailer
    mail_templates: MailTemplates
    votes: VoteStore
    curation: CurationStore
    comments: CommentStore
    claims: ClaimStore
    profiles: ProfileStore
    accounts: Accounts
    subscriptions: SubscriptionStore
    deliveries: DeliveryStore
    digest_runs: DigestRunStore
    open_mailer: Callable[[], Mailer]  # a new connection per digest worker
    clock: Clock = field(default=utc_now)


def build_deps(
    settings: Settings,
    *,
    clock: Clock = utc_now,
    transport: httpx.BaseTransport | None = None,
    embedder: Embedder | None = None,
    mailer: Mailer | None = None,
) -> Deps:
    """The concrete objects for `settings`; the database must already be upgraded.

    The bundled model loads on its first embedding, so building deps stays cheap; tests may
    pass their own `embedder` and `mailer`.
    """
    engine = make_engine(settings.database_url)
    embedder = embedder or embedder_for(settings.embedder)
    open_mailer = mailer_opener(settings, clock, mailer)
    mailer = mailer or mailer_for(settings, clock)
    mail_templates = mail_templates_for(settings)
    return Deps(
        settings=settings,
        store=SqlPaperStore(engine),
        jobs=SqlJobQueue(engine, clock),
        sources=SourceFactory(settings, transport),
        keywords=keyword_index(settings),
        embedder=embedder,
        embeddings=SqlEmbeddingStore(engine),
        vectors=vector_index(settings, engine, embedder.name),
        stored_vectors=SqlVectorLookup(engine),
        mailer=mailer,
        mail_templates=mail_templates,
        accounts=account_service(
            settings, engine, mailer, mail_templates, clock, member_sections(engine)
        ),
        votes=SqlVoteStore(engine),
        curation=SqlCurationStore(engine),
        comments=SqlCommentStore(engine),
        claims=SqlClaimStore(engine),
        profiles=SqlProfileStore(engine),
        subscriptions=SqlSubscriptionStore(engine),
        deliveries=SqlDeliveryStore(engine),
        digest_runs=SqlDigestRuns(engine),
        open_mailer=open_mailer,
        clock=clock,
    )


def mailer_opener(settings: Settings, clock: Clock, given: Mailer | None) -> Callable[[], Mailer]:
    """Opens a mailer per digest worker (one SMTP connection each); a given one is shared."""
    if given is not None:
        return lambda: given
    return lambda: mailer_for(settings, clock)


def account_service(
    settings: Settings,
    engine: Engine,
    mailer: Mailer,
    templates: MailTemplates,
    clock: Clock,
    member_data: Sequence[MemberData] = (),
) -> Accounts:
    """Members, sessions and tokens over `engine`, with the settings' limits and lifetimes.

    `member_data` are the other parts of the site that keep something about a member (votes,
    comments...): each adds its section to the member's data export.
    """
    store = SqlAccountStore(engine)
    return Accounts(
        store,
        passwords=Passwords(),
        sessions=Sessions(store, clock, timedelta(days=settings.session_days)),
        limiter=RateLimiter(SqlRateLimits(engine)),
        limits=Limits.from_settings(settings),
        mail=AccountMail(store, mailer, templates, clock),
        clock=clock,
        member_data=member_data,
    )


def subscribing(deps: Deps) -> Subscriptions:
    """The digest subscription service over `deps` (confirmation mails, rate limits, links)."""
    limiter = deps.accounts.limiter
    return Subscriptions(
        deps.subscriptions, deps.mailer, deps.mail_templates, limiter, deps.settings, deps.clock
    )


def member_sections(engine: Engine) -> list[MemberData]:
    """What each part of the site keeps about a member, for their data export."""
    profiles = SqlProfileStore(engine)
    return [
        SqlCommentStore(engine),
        SqlClaimStore(engine),
        ProfilePapers("submitted_papers", profiles.submitted_papers),
        ProfilePapers("upvotes", profiles.upvoted_papers),
        SqlSubscriptionStore(engine),
    ]


def vector_index(settings: Settings, engine: Engine, model: str) -> SyncedVectorIndex:
    """pgvector's HNSW on PostgreSQL; on SQLite a faiss index saved in the index folder."""
    if not is_sqlite(engine):
        return PgVectorIndex(engine, model)
    path = vector_index_path(settings.index_path(), model)
    return FaissVectorIndex(SqlEmbeddingStore(engine), SqlPaperStore(engine), model, path)


def keyword_index(settings: Settings) -> TantivyKeywordIndex:
    """The tantivy keyword index under the index folder (searching, and writing for syncs)."""
    return TantivyKeywordIndex(settings.index_path() / "keyword")


def upgrade_database(settings: Settings) -> list[str]:
    """Apply pending migrations to the configured database; the names of those applied."""
    engine = make_engine(settings.database_url)
    try:
        return [f"{m.version:04d} {m.name}" for m in migrations.upgrade(engine)]
    finally:
        engine.dispose()


def copy_database_to(settings: Settings, target_url: str, progress: Progress) -> list[TableCopy]:
    """Upgrade the database at `target_url`, then copy the configured database's rows into it."""
    source, target = make_engine(settings.database_url), make_engine(target_url)
    try:
        migrations.upgrade(target)
        progress.start(sum(source_row_counts(source).values()), "copy rows")
        report = copy_database(source, target, lambda _table, rows: progress.advance(rows))
        progress.finish()
        return report
    finally:
        source.dispose()
        target.dispose()


def pending_migrations(settings: Settings) -> list[str]:
    engine = make_engine(settings.database_url)
    try:
        return [f"{m.version:04d} {m.name}" for m in migrations.pending(engine)]
    finally:
        engine.dispose()


def warm_up(deps: Deps) -> None:
    """Load the query embedder and the vector index now, so the first search is not slow.

    Best effort: a failure here is the same failure the first search would report itself.
    """
    try:
        deps.embedder.embed_query("warm up")
        deps.vectors.version()
    except Exception:
        logger.warning("warming up the search model failed", exc_info=True)


def find_similar(deps: Deps, arxiv_id: str, limit: int = DEFAULT_LIMIT) -> list[SimilarPaper]:
    """Papers closest in meaning to `arxiv_id` by the configured embedder's vectors."""
    return similar_papers(
        deps.store, deps.vectors, deps.stored_vectors, arxiv_id, limit, model=deps.embedder.name
    )


def run_search(deps: Deps, request: SearchRequest) -> SearchResult:
    """Hybrid search over the deps' store, indexes and embedder, tuned by the settings."""
    return search(
        deps.store,
        deps.keywords,
        deps.vectors,
        deps.embedder,
        request,
        rrf_k=deps.settings.rrf_k,
        embed_timeout=deps.settings.search_embed_timeout,
    )
