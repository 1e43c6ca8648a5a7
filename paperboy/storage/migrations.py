"""Versioned migrations: small named steps, each recorded in `schema_migrations` once applied.

A step is a function of an open transaction; steps run in order, each in its own transaction,
so a crash leaves the database at the last whole step and `paperboy db upgrade` resumes there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, inspect, select

from paperboy.storage import indexing, schema
from paperboy.storage.embeddings import create_embeddings_table
from paperboy.storage.engine import write_transaction


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    apply: Callable[[Connection], None]


def _initial(connection: Connection) -> None:
    tables = [
        schema.papers,
        schema.paper_versions,
        schema.submitters,
        schema.daily_entries,
        schema.ingest_cursors,
        schema.jobs,
    ]
    schema.metadata.create_all(connection, tables=tables)


def _revisions(connection: Connection) -> None:
    schema.metadata.create_all(connection, tables=[schema.revisions])
    connection.execute(schema.revisions.insert().values(name="content", value=0))


def _users(connection: Connection) -> None:
    schema.metadata.create_all(connection, tables=[schema.users])


def _sessions_and_tokens(connection: Connection) -> None:
    tables = [schema.sessions, schema.email_tokens, schema.api_tokens, schema.rate_limits]
    schema.metadata.create_all(connection, tables=tables)


def _votes_and_curation(connection: Connection) -> None:
    tables = [
        schema.votes,
        schema.paper_vote_counts,
        schema.upvote_observations,
        schema.entry_curation,
    ]
    schema.metadata.create_all(connection, tables=tables)


def _comments_and_claims(connection: Connection) -> None:
    tables = [
        schema.comments,
        schema.comment_reports,
        schema.paper_comment_counts,
        schema.author_claims,
    ]
    schema.metadata.create_all(connection, tables=tables)


def _digests(connection: Connection) -> None:
    tables = [schema.subscriptions, schema.deliveries, schema.delivery_papers, schema.digest_runs]
    schema.metadata.create_all(connection, tables=tables)


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "papers, daily entries, cursors, jobs", _initial),
    Migration(2, "content revision counter for page caches", _revisions),
    Migration(3, "paper vectors (pgvector HNSW on PostgreSQL)", create_embeddings_table),
    Migration(5, "change-order and title indexes for search (pg_trgm)", indexing.create_indexes),
    Migration(6, "members", _users),
    Migration(7, "sessions, email and API tokens, rate limits", _sessions_and_tokens),
    Migration(8, "upvotes, imported upvote history, daily entry curation", _votes_and_curation),
    Migration(9, "comments, reports, comment counts, authorship claims", _comments_and_claims),
    Migration(10, "digest subscriptions, deliveries (outbox), digest runs", _digests),
)


def applied_versions(engine: Engine) -> set[int]:
    """The versions already applied to this database."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("schema_migrations"):
            return set()
        rows = connection.execute(select(schema.schema_migrations.c.version))
        return {row.version for row in rows}


def upgrade(engine: Engine) -> list[Migration]:
    """Apply every migration not applied yet; return the ones applied now."""
    schema.metadata.create_all(engine, tables=[schema.schema_migrations])
    done = applied_versions(engine)
    applied = []
    for migration in MIGRATIONS:
        if migration.version in done:
            continue
        with write_transaction(engine) as connection:
            migration.apply(connection)
            connection.execute(
                schema.schema_migrations.insert().values(
                    version=migration.version, name=migration.name, applied_at=datetime.now(UTC)
                )
            )
        applied.append(migration)
    return applied


def pending(engine: Engine) -> list[Migration]:
    """Migrations this database has not had yet."""
    done = applied_versions(engine)
    return [m for m in MIGRATIONS if m.version not in done]
