"""Members' upvotes and the imported upvote history, counted exactly on both engines.

A vote and the per-paper counter move in one write transaction: the vote row is inserted with
ON CONFLICT DO NOTHING (or deleted), and the counter moves only when that statement changed a
row. So a storm of the same request from one member counts once, and concurrent members are
all counted, whatever the engine's isolation level.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, and_, func, select
from sqlalchemy.dialects import postgresql, sqlite

from paperboy.domain.community import VoteHistory, VoteState
from paperboy.storage.engine import write_transaction
from paperboy.storage.schema import (
    daily_entries,
    paper_vote_counts,
    papers,
    revisions,
    upvote_observations,
    votes,
)

_BATCH = 500
_VOTED_AMONG = (
    "SELECT papers.arxiv_id FROM papers JOIN votes ON votes.paper_id = papers.id"
    " WHERE votes.user_id = {user} AND papers.arxiv_id IN ({ids})"
)


class SqlVoteStore:
    """`VoteStore` over SQLAlchemy Core; the same SQL on SQLite and PostgreSQL."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def set_vote(self, user_id: int, arxiv_id: str, on: bool, now: datetime) -> VoteState | None:
        """Upvote (`on`) or take the upvote back; None when no such paper is stored."""
        with write_transaction(self.engine) as connection:
            paper_id = _paper_id(connection, arxiv_id)
            if paper_id is None:
                return None
            changed = (_add if on else _remove)(connection, user_id, paper_id, now)
            if changed:
                _move_count(connection, paper_id, 1 if on else -1)
                bump_content_revision(connection)
            # the member holds a vote now exactly when they asked for one (changed or not)
            return VoteState(arxiv_id, on, _total(connection, paper_id))

    def vote_state(self, user_id: int | None, arxiv_id: str) -> VoteState | None:
        """Whether `user_id` upvoted the paper, and its upvotes (imported plus members')."""
        with self.engine.connect() as connection:
            paper_id = _paper_id(connection, arxiv_id)
            if paper_id is None:
                return None
            voted = user_id is not None and _has_vote(connection, user_id, paper_id)
            return VoteState(arxiv_id, voted, _total(connection, paper_id))

    def voted_among(self, user_id: int, arxiv_ids: Iterable[str]) -> set[str]:
        """The papers among `arxiv_ids` that `user_id` has upvoted.

        Asked on every member's list page, so the SQL goes to the pooled driver connection
        directly: through a SQLAlchemy `Connection` the 50-id query cost ~5x more.
        """
        wanted = sorted(set(arxiv_ids))
        found: set[str] = set()
        if not wanted:
            return found
        mark = "?" if self.engine.dialect.paramstyle == "qmark" else "%s"
        connection = self.engine.raw_connection()
        try:
            cursor = connection.cursor()
            for start in range(0, len(wanted), _BATCH):
                batch = wanted[start : start + _BATCH]
                sql = _VOTED_AMONG.format(user=mark, ids=", ".join([mark] * len(batch)))
                cursor.execute(sql, [user_id, *batch])
                found.update(str(row[0]) for row in cursor.fetchall())
            cursor.close()
        finally:
            connection.close()  # back to the pool, which rolls the read back
        return found

    def member_vote_count(self, arxiv_id: str) -> int:
        """Members' upvotes of one paper, from the counter."""
        query = (
            select(paper_vote_counts.c.vote_count)
            .join(papers, papers.c.id == paper_vote_counts.c.paper_id)
            .where(papers.c.arxiv_id == arxiv_id)
        )
        with self.engine.connect() as connection:
            return int(connection.execute(query).scalar() or 0)

    def upvoted_papers(self, user_id: int, limit: int = 100) -> list[str]:
        """The arXiv ids `user_id` upvoted, latest first."""
        query = (
            select(papers.c.arxiv_id)
            .join(votes, votes.c.paper_id == papers.c.id)
            .where(votes.c.user_id == user_id)
            .order_by(votes.c.created_at.desc(), votes.c.id.desc())
            .limit(limit)
        )
        with self.engine.connect() as connection:
            return list(connection.execute(query).scalars())

    def vote_history(self, arxiv_ids: Sequence[str]) -> dict[str, VoteHistory]:
        """Each paper's member vote times, imported count observations and best imported count."""
        history: dict[str, VoteHistory] = {}
        wanted = sorted(set(arxiv_ids))
        with self.engine.connect() as connection:
            for start in range(0, len(wanted), _BATCH):
                history.update(_history(connection, wanted[start : start + _BATCH]))
        return history

    def observations(self, arxiv_id: str) -> list[tuple[datetime, int]]:
        """The imported upvote counts seen for one paper, oldest first."""
        return self.vote_history([arxiv_id]).get(arxiv_id, VoteHistory()).observations


def _paper_id(connection: Connection, arxiv_id: str) -> int | None:
    value = connection.execute(select(papers.c.id).where(papers.c.arxiv_id == arxiv_id)).scalar()
    return None if value is None else int(value)


def upsert_statement(connection: Connection, table: Any) -> Any:
    """An INSERT of the connection's dialect, which has ON CONFLICT clauses."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def _add(connection: Connection, user_id: int, paper_id: int, now: datetime) -> bool:
    statement = (
        upsert_statement(connection, votes)
        .values(user_id=user_id, paper_id=paper_id, created_at=now)
        .on_conflict_do_nothing(index_elements=["user_id", "paper_id"])
        .returning(votes.c.id)  # a row back only when inserted (rowcount is -1 on some drivers)
    )
    return connection.execute(statement).first() is not None


def _remove(connection: Connection, user_id: int, paper_id: int, now: datetime) -> bool:
    statement = votes.delete().where(and_(votes.c.user_id == user_id, votes.c.paper_id == paper_id))
    return connection.execute(statement).rowcount == 1


def _move_count(connection: Connection, paper_id: int, step: int) -> None:
    statement = upsert_statement(connection, paper_vote_counts).values(
        paper_id=paper_id, vote_count=max(step, 0)
    )
    statement = statement.on_conflict_do_update(
        index_elements=["paper_id"],
        set_={"vote_count": paper_vote_counts.c.vote_count + step},
    )
    connection.execute(statement)


def _has_vote(connection: Connection, user_id: int, paper_id: int) -> bool:
    query = select(votes.c.id).where(and_(votes.c.user_id == user_id, votes.c.paper_id == paper_id))
    return connection.execute(query).first() is not None


def _total(connection: Connection, paper_id: int) -> int:
    """Upvotes shown for a paper: its best imported count plus members' upvotes."""
    imported = (
        select(func.coalesce(func.max(daily_entries.c.upvote_count), 0))
        .where(daily_entries.c.paper_id == paper_id)
        .scalar_subquery()
    )
    members = (
        select(func.coalesce(func.max(paper_vote_counts.c.vote_count), 0))
        .where(paper_vote_counts.c.paper_id == paper_id)
        .scalar_subquery()
    )
    return int(connection.execute(select(imported + members)).scalar_one())


def _history(connection: Connection, arxiv_ids: Sequence[str]) -> dict[str, VoteHistory]:
    ids = dict(
        connection.execute(
            select(papers.c.id, papers.c.arxiv_id).where(papers.c.arxiv_id.in_(arxiv_ids))
        ).all()
    )
    times: dict[int, list[datetime]] = defaultdict(list)
    for row in connection.execute(
        select(votes.c.paper_id, votes.c.created_at)
        .where(votes.c.paper_id.in_(list(ids)))
        .order_by(votes.c.created_at)
    ):
        times[row.paper_id].append(row.created_at)
    seen: dict[int, list[tuple[datetime, int]]] = defaultdict(list)
    for seen_row in connection.execute(
        select(
            upvote_observations.c.paper_id,
            upvote_observations.c.observed_at,
            upvote_observations.c.upvote_count,
        )
        .where(upvote_observations.c.paper_id.in_(list(ids)))
        .order_by(upvote_observations.c.observed_at)
    ):
        seen[seen_row.paper_id].append((seen_row.observed_at, seen_row.upvote_count))
    imported = dict(
        connection.execute(
            select(daily_entries.c.paper_id, func.max(daily_entries.c.upvote_count))
            .where(daily_entries.c.paper_id.in_(list(ids)))
            .group_by(daily_entries.c.paper_id)
        ).all()
    )
    return {
        arxiv_id: VoteHistory(times[paper_id], seen[paper_id], int(imported.get(paper_id) or 0))
        for paper_id, arxiv_id in ids.items()
    }


def record_observations(
    connection: Connection, counts: Mapping[int, int], observed_at: datetime
) -> None:
    """Keep each paper's imported upvote count as seen at `observed_at`, if it moved.

    A count equal to the latest one seen at or before `observed_at` adds nothing, and the same
    observation twice is one row (unique paper and time; a different count at the same moment
    replaces it), so re-imports are idempotent.
    """
    wanted = {paper_id: count for paper_id, count in counts.items() if count > 0}
    if not wanted:
        return
    latest = _latest_counts(connection, sorted(wanted), observed_at)
    rows = [
        {"paper_id": paper_id, "observed_at": observed_at, "upvote_count": count}
        for paper_id, count in wanted.items()
        if latest.get(paper_id) != count
    ]
    if rows:
        statement = upsert_statement(connection, upvote_observations)
        # the same moment seen again (one import run writing two fetches of a day): keep the last
        statement = statement.on_conflict_do_update(
            index_elements=["paper_id", "observed_at"],
            set_={"upvote_count": statement.excluded.upvote_count},
        )
        connection.execute(statement, rows)


def _latest_counts(
    connection: Connection, paper_ids: Sequence[int], observed_at: datetime
) -> dict[int, int]:
    found: dict[int, int] = {}
    for start in range(0, len(paper_ids), _BATCH):
        chunk = paper_ids[start : start + _BATCH]
        rows = connection.execute(
            select(
                upvote_observations.c.paper_id,
                upvote_observations.c.observed_at,
                upvote_observations.c.upvote_count,
            )
            .where(upvote_observations.c.paper_id.in_(chunk))
            .where(upvote_observations.c.observed_at <= observed_at)
            .order_by(upvote_observations.c.observed_at)
        )
        found.update({row.paper_id: row.upvote_count for row in rows})
    return found


def bump_content_revision(connection: Connection) -> None:
    """Move the pages' content revision on, inside the writing transaction."""
    bump = revisions.update().where(revisions.c.name == "content")
    connection.execute(bump.values(value=revisions.c.value + 1))


__all__ = ["SqlVoteStore", "bump_content_revision", "record_observations", "upsert_statement"]
