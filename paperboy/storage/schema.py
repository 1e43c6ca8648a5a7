"""The schema, written once for both engines with SQLAlchemy Core.

All times are stored as naive UTC and come back as aware UTC (see `UtcDateTime`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.types import Float, TypeEngine, UserDefinedType


class UtcDateTime(TypeDecorator[datetime]):
    """A UTC timestamp: aware datetimes in, aware UTC datetimes out, naive UTC in the column."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: store times as aware UTC")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=UTC)  # type: ignore[no-any-return]


metadata = MetaData()

schema_migrations = Table(
    "schema_migrations",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("name", String(200), nullable=False),
    Column("applied_at", UtcDateTime, nullable=False),
)

papers = Table(
    "papers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("arxiv_id", String(40), nullable=False, unique=True),
    Column("version", Integer),
    Column("title", Text, nullable=False),
    Column("abstract", Text, nullable=False),
    Column("authors", JSON, nullable=False),
    Column("categories", JSON, nullable=False),
    Column("primary_category", String(40)),
    Column("comments", Text),
    Column("doi", Text),
    Column("journal_ref", Text),
    Column("license", Text),
    Column("published_at", UtcDateTime),
    Column("updated_at", UtcDateTime),
    Column("code_url", Text),
    Column("code_stars", Integer),
    Column("project_url", Text),
    Column("ai_summary", Text),
    Column("ai_keywords", JSON, nullable=False),
    Column("withdrawn", Boolean, nullable=False, default=False),
    Column("enriched_on", Date),
    Column("created_at", UtcDateTime, nullable=False),
    Column("modified_at", UtcDateTime, nullable=False),
    Index("ix_papers_published_at", "published_at"),
)

paper_versions = Table(
    "paper_versions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("paper_id", ForeignKey("papers.id", ondelete="CASCADE"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("submitted_at", UtcDateTime, nullable=False),
    UniqueConstraint("paper_id", "version"),
)

submitters = Table(
    "submitters",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(100), nullable=False, unique=True),
    Column("fullname", Text),
    Column("avatar_url", Text),
)

daily_entries = Table(
    "daily_entries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("paper_id", ForeignKey("papers.id", ondelete="CASCADE"), nullable=False),
    Column("listed_on", Date, nullable=False),
    Column("submitter_id", ForeignKey("submitters.id")),
    Column("submitted_at", UtcDateTime),
    Column("upvote_count", Integer, nullable=False, default=0),
    Column("comment_count", Integer, nullable=False, default=0),
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("listed_on", "paper_id"),
    Index("ix_daily_entries_paper_id", "paper_id"),
    Index("ix_daily_entries_listed_on_upvotes", "listed_on", "upvote_count"),
)

ingest_cursors = Table(
    "ingest_cursors",
    metadata,
    Column("source", String(200), primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

revisions = Table(
    "revisions",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("value", Integer, nullable=False),
)
"""Counters bumped by every write of a kind ("content": papers and lists), for cache keys."""

jobs = Table(
    "jobs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("task", String(100), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("status", String(20), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("run_after", UtcDateTime, nullable=False),
    Column("locked_by", String(200)),
    Column("locked_at", UtcDateTime),
    Column("result", JSON),
    Column("error", Text),
    Column("created_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime),
    Index("ix_jobs_status_run_after", "status", "run_after"),
)


users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    # lower-cased on write: unique regardless of case, looked up without lower()
    Column("username", String(40), nullable=False, unique=True),
    Column("email", String(254), nullable=False, unique=True),
    Column("display_name", String(100), nullable=False),
    Column("password_hash", Text),
    Column("role", String(20), nullable=False, default="member"),
    Column("status", String(20), nullable=False, default="active"),
    Column("show_upvotes", Boolean, nullable=False, default=False),
    Column("email_verified_at", UtcDateTime),
    Column("created_at", UtcDateTime, nullable=False),
    Column("modified_at", UtcDateTime, nullable=False),
)
"""Members. A deleted member keeps the row (id, a placeholder username) and nothing personal."""

sessions = Table(
    "sessions",
    metadata,
    # sha256 (hex) of the cookie's random token: a stolen database logs no one in
    Column("id", String(64), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("last_seen_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("user_agent", String(300), nullable=False, default=""),
    Column("ip", String(64), nullable=False, default=""),
    Index("ix_sessions_user_id", "user_id"),
    Index("ix_sessions_expires_at", "expires_at"),
)
"""Logged-in browsers; a row is the whole session (no server-side data beyond these columns)."""

email_tokens = Table(
    "email_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("purpose", String(20), nullable=False),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("new_email", String(254)),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("used_at", UtcDateTime),
    Index("ix_email_tokens_user_id", "user_id"),
)
"""One-time links sent by email (verify, reset password, change email), stored hashed."""

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("prefix", String(16), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("last_used_at", UtcDateTime),
    Column("revoked_at", UtcDateTime),
    Index("ix_api_tokens_user_id", "user_id"),
)
"""Personal API tokens for scripts, stored hashed; revoked ones stay listed until deletion."""

rate_limits = Table(
    "rate_limits",
    metadata,
    Column("key", String(300), primary_key=True),
    Column("window_start", UtcDateTime, primary_key=True),
    Column("count", Integer, nullable=False),
    Index("ix_rate_limits_window_start", "window_start"),
)
"""Attempts per (key, fixed time window), counted by an atomic upsert shared by all processes."""

votes = Table(
    "votes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("paper_id", ForeignKey("papers.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("user_id", "paper_id"),
    Index("ix_votes_paper_id_created_at", "paper_id", "created_at"),
)
"""Members' upvotes, one per member and paper; the time of each is kept for trending."""

paper_vote_counts = Table(
    "paper_vote_counts",
    metadata,
    Column("paper_id", ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True),
    Column("vote_count", Integer, nullable=False, default=0),
)
"""Members' upvotes per paper, moved in the transaction that adds or removes a vote.

A table of its own, not a column of `papers`: paper upserts rewrite whole rows they read
earlier, which on PostgreSQL could put back a count a concurrent vote had just moved.
"""

upvote_observations = Table(
    "upvote_observations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("paper_id", ForeignKey("papers.id", ondelete="CASCADE"), nullable=False),
    Column("observed_at", UtcDateTime, nullable=False),
    Column("upvote_count", Integer, nullable=False),
    UniqueConstraint("paper_id", "observed_at"),
)
"""Imported upvote counts as a list source showed them, kept only when the count moved."""

entry_curation = Table(
    "entry_curation",
    metadata,
    Column("entry_id", ForeignKey("daily_entries.id", ondelete="CASCADE"), primary_key=True),
    # a local member who put the paper on the list (imported submitters are in `submitters`)
    Column("submitted_by_id", ForeignKey("users.id", ondelete="SET NULL")),
    Column("pinned", Boolean, nullable=False, default=False),
    Column("hidden", Boolean, nullable=False, default=False),
    Column("modified_at", UtcDateTime, nullable=False),
    Index("ix_entry_curation_submitted_by_id", "submitted_by_id"),
)
"""What curators and members did to a daily entry; imports never touch it, so it survives them."""

EMBEDDING_DIMENSION = 384


class _PgVector(UserDefinedType[Any]):
    """pgvector's `vector(n)`, spoken as its text form '[0.1,0.2,...]'."""

    cache_ok = True

    def __init__(self, dimension: int) -> None:
        self.dimension = dimension

    def get_col_spec(self, **kw: Any) -> str:
        return f"vector({self.dimension})"


class EmbeddingVector(TypeDecorator[NDArray[np.float32]]):
    """A float32 vector: raw little-endian bytes in a BLOB on SQLite, `vector(n)` on PostgreSQL.

    Its comparator has pgvector's distance operators (`cosine_distance` is `<=>`), so nearest
    neighbour queries are written with SQLAlchemy; they run on PostgreSQL only.
    """

    impl = LargeBinary
    cache_ok = True

    class Comparator(TypeDecorator.Comparator[NDArray[np.float32]]):
        def cosine_distance(self, other: Any) -> Any:
            return self.op("<=>", return_type=Float)(other)

        def max_inner_product(self, other: Any) -> Any:
            return self.op("<#>", return_type=Float)(other)

        def l2_distance(self, other: Any) -> Any:
            return self.op("<->", return_type=Float)(other)

    comparator_factory = Comparator

    def __init__(self, dimension: int = EMBEDDING_DIMENSION) -> None:
        super().__init__()
        self.dimension = dimension

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(_PgVector(self.dimension))
        return dialect.type_descriptor(LargeBinary())

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        array = np.asarray(value, dtype="<f4").reshape(-1)
        if dialect.name == "postgresql":
            return "[" + ",".join(map(repr, array.tolist())) + "]"
        return array.tobytes()

    def process_result_value(self, value: Any, dialect: Dialect) -> NDArray[np.float32] | None:
        if value is None:
            return None
        if isinstance(value, str):
            return np.array(value[1:-1].split(","), dtype=np.float32)
        return np.frombuffer(value, dtype="<f4").astype(np.float32)


paper_embeddings = Table(
    "paper_embeddings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("paper_id", ForeignKey("papers.id", ondelete="CASCADE"), nullable=False),
    Column("model", String(100), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("vector", EmbeddingVector(), nullable=False),
    Column("embedded_at", UtcDateTime, nullable=False),
    UniqueConstraint("paper_id", "model"),
    Index("ix_paper_embeddings_model_id", "model", "id"),
    # ids only grow, even after deletes, so `id` orders writes for incremental index syncs
    sqlite_autoincrement=True,
)
"""One vector per (paper, model); `content_hash` is sha256 of title + "\\n" + abstract."""


comments = Table(
    "comments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("paper_id", ForeignKey("papers.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", ForeignKey("users.id"), nullable=False),
    # always a top comment: a reply to a reply is stored under the top one (one level deep)
    Column("parent_id", ForeignKey("comments.id", ondelete="CASCADE")),
    Column("body", Text, nullable=False),
    Column("status", String(20), nullable=False, default="visible"),
    Column("hidden_by", ForeignKey("users.id")),
    Column("created_at", UtcDateTime, nullable=False),
    Column("edited_at", UtcDateTime),
    Index("ix_comments_paper_id_created_at", "paper_id", "created_at"),
    Index("ix_comments_user_id_created_at", "user_id", "created_at"),
    Index("ix_comments_parent_id", "parent_id"),
)
"""Members' comments as Markdown source; rendered (and sanitised) when a page shows them."""

comment_reports = Table(
    "comment_reports",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("comment_id", ForeignKey("comments.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", ForeignKey("users.id"), nullable=False),
    Column("reason", String(500), nullable=False, default=""),
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("comment_id", "user_id"),
)

paper_comment_counts = Table(
    "paper_comment_counts",
    metadata,
    Column("paper_id", ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True),
    Column("visible_count", Integer, nullable=False, default=0),
)
"""Visible local comments per paper, moved in the transaction that changes a comment."""

author_claims = Table(
    "author_claims",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("paper_id", ForeignKey("papers.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", ForeignKey("users.id"), nullable=False),
    Column("author_index", Integer, nullable=False),
    Column("author_name", Text, nullable=False),
    Column("status", String(20), nullable=False, default="pending"),
    Column("decided_by", ForeignKey("users.id")),
    Column("decided_at", UtcDateTime),
    Column("created_at", UtcDateTime, nullable=False),
    Index("ix_author_claims_status_created_at", "status", "created_at"),
    Index("ix_author_claims_user_id", "user_id"),
)
"""Claims to author slots; a rejected claim frees its slot (the unique indexes skip it)."""

_LIVE_CLAIM = author_claims.c.status != "rejected"
Index(
    "uq_author_claims_slot",
    author_claims.c.paper_id,
    author_claims.c.author_index,
    unique=True,
    sqlite_where=_LIVE_CLAIM,
    postgresql_where=_LIVE_CLAIM,
)
Index(
    "uq_author_claims_member",
    author_claims.c.paper_id,
    author_claims.c.user_id,
    unique=True,
    sqlite_where=_LIVE_CLAIM,
    postgresql_where=_LIVE_CLAIM,
)

# ---- email digests (issue 5): subscriptions and the outbox

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(254), nullable=False, unique=True),  # lower-cased domain on write
    Column("user_id", ForeignKey("users.id", ondelete="SET NULL"), unique=True),
    Column("status", String(20), nullable=False),
    Column("frequency", String(10), nullable=False),
    Column("weekday", Integer, nullable=False, default=0),
    Column("hour", Integer, nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("max_papers", Integer, nullable=False),
    Column("categories", JSON, nullable=False),  # list of arXiv categories; [] = all
    Column("content", String(20), nullable=False),
    Column("searches", JSON, nullable=False),  # list of saved search queries
    Column("next_due_at", UtcDateTime),  # set only while active: what the scheduler scans
    Column("hard_bounces", Integer, nullable=False, default=0),
    Column("paused_reason", Text),
    Column("created_at", UtcDateTime, nullable=False),
    Column("confirmed_at", UtcDateTime),
    Column("modified_at", UtcDateTime, nullable=False),
    Column("unsubscribed_at", UtcDateTime),
    Index("ix_subscriptions_status_next_due_at", "status", "next_due_at"),
)
"""Who gets digests; `paperboy.domain.digests.Subscription` is a row."""

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("subscription_id", ForeignKey("subscriptions.id", ondelete="CASCADE"), nullable=False),
    Column("period", String(20), nullable=False),  # the local date of the slot, YYYY-MM-DD
    Column("due_at", UtcDateTime, nullable=False),
    Column("status", String(20), nullable=False),
    Column("message_id", String(255), nullable=False, unique=True),  # fixed at planning
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("claimed_by", String(200)),
    Column("lease_until", UtcDateTime),
    Column("composed_at", UtcDateTime),  # when the papers were chosen (delivery_papers)
    Column("sent_at", UtcDateTime),
    Column("last_error", Text),
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("subscription_id", "period"),
    Index("ix_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
)
"""The outbox: one row per (subscription, period), claimed before the SMTP hand-off."""

delivery_papers = Table(
    "delivery_papers",
    metadata,
    Column("delivery_id", ForeignKey("deliveries.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("arxiv_id", String(32), nullable=False),
)
"""The papers a delivery carries, chosen once, so a resend after a crash sends the same mail."""

digest_runs = Table(
    "digest_runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("worker", String(200), nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime),
    Column("planned", Integer, nullable=False, default=0),
    Column("sent", Integer, nullable=False, default=0),
    Column("empty", Integer, nullable=False, default=0),
    Column("retried", Integer, nullable=False, default=0),
    Column("failed", Integer, nullable=False, default=0),
    Column("note", Text),
    Index("ix_digest_runs_started_at", "started_at"),
)
"""One row per digest run, for `paperboy digest status` and the admin page."""
