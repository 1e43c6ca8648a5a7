"""The comment store: comments, reports and each paper's visible-comment counter.

Every write that changes what a page shows moves the comment counter and the "content"
revision in its own transaction, so counts are exact under concurrency and cached pages
are never stale.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.dialects import postgresql, sqlite

from paperboy.domain.accounts import AccountStatus
from paperboy.domain.comments import Comment, CommentAuthor, CommentReport, CommentStatus
from paperboy.storage.engine import write_transaction
from paperboy.storage.schema import (
    comment_reports,
    comments,
    paper_comment_counts,
    papers,
    revisions,
    users,
)

_REPORTS = (
    select(func.count())
    .where(comment_reports.c.comment_id == comments.c.id)
    .correlate(comments)
    .scalar_subquery()
)
_COMMENTS = (
    select(
        comments,
        papers.c.arxiv_id,
        papers.c.title.label("paper_title"),
        users.c.username,
        users.c.display_name,
        users.c.status.label("author_status"),
        _REPORTS.label("report_count"),
    )
    .select_from(comments)
    .join(papers, papers.c.id == comments.c.paper_id)
    .join(users, users.c.id == comments.c.user_id)
)
_ORDER = (comments.c.created_at, comments.c.id)


class SqlCommentStore:
    """Comments on SQLite and PostgreSQL, with the same SQL."""

    name = "comments"  # the member's data export section (services.accounts.MemberData)

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def member_data(self, user_id: int) -> dict[str, list[dict[str, Any]]]:
        """Every comment the member wrote (any status) and every report they filed."""
        written = _COMMENTS.where(comments.c.user_id == user_id).order_by(*_ORDER)
        reports = (
            select(comment_reports)
            .where(comment_reports.c.user_id == user_id)
            .order_by(comment_reports.c.created_at, comment_reports.c.id)
        )
        with self.engine.connect() as connection:
            return {
                "written": [_exported(_comment(row)) for row in connection.execute(written)],
                "reported": [
                    {
                        "comment_id": row.comment_id,
                        "reason": row.reason,
                        "created_at": row.created_at.isoformat(),
                    }
                    for row in connection.execute(reports)
                ],
            }

    def add_comment(
        self,
        arxiv_id: str,
        user_id: int,
        body: str,
        now: datetime,
        parent_id: int | None = None,
    ) -> Comment | None:
        """Store a visible comment and count it; None when no paper has that id."""
        with write_transaction(self.engine) as connection:
            paper_id = connection.execute(
                select(papers.c.id).where(papers.c.arxiv_id == arxiv_id)
            ).scalar()
            if paper_id is None:
                return None
            values = {
                "paper_id": paper_id,
                "user_id": user_id,
                "parent_id": parent_id,
                "body": body,
                "status": CommentStatus.VISIBLE.value,
                "created_at": now,
            }
            comment_id = connection.execute(
                comments.insert().values(**values).returning(comments.c.id)
            ).scalar_one()
            _move_count(connection, paper_id, 1)
            bump_content_revision(connection)
            return _one(connection, comment_id)

    def comment(self, comment_id: int) -> Comment | None:
        with self.engine.connect() as connection:
            return _one(connection, comment_id)

    def comments_for_paper(self, arxiv_id: str, limit: int = 2000) -> list[Comment]:
        """Every comment on the paper in any status, oldest first (pages filter by viewer)."""
        query = _COMMENTS.where(papers.c.arxiv_id == arxiv_id).order_by(*_ORDER).limit(limit)
        return self._many(query)

    def comments_by_user(self, user_id: int, limit: int = 50) -> list[Comment]:
        """The member's visible comments, newest first."""
        query = (
            _COMMENTS.where(comments.c.user_id == user_id)
            .where(comments.c.status == CommentStatus.VISIBLE.value)
            .order_by(comments.c.created_at.desc(), comments.c.id.desc())
            .limit(limit)
        )
        return self._many(query)

    def reported_comments(self, limit: int = 100) -> list[Comment]:
        """Visible comments with at least one report, most reported first."""
        query = (
            _COMMENTS.where(comments.c.status == CommentStatus.VISIBLE.value)
            .where(_REPORTS > 0)
            .order_by(_REPORTS.desc(), *_ORDER)
            .limit(limit)
        )
        return self._many(query)

    def reports_for(self, comment_id: int) -> list[CommentReport]:
        query = (
            select(comment_reports)
            .where(comment_reports.c.comment_id == comment_id)
            .order_by(comment_reports.c.created_at, comment_reports.c.id)
        )
        with self.engine.connect() as connection:
            return [
                CommentReport(row.comment_id, row.user_id, row.reason, row.created_at)
                for row in connection.execute(query)
            ]

    def local_comment_count(self, arxiv_id: str) -> int:
        """Visible local comments on the paper, as the counter holds it."""
        query = (
            select(paper_comment_counts.c.visible_count)
            .join(papers, papers.c.id == paper_comment_counts.c.paper_id)
            .where(papers.c.arxiv_id == arxiv_id)
        )
        with self.engine.connect() as connection:
            return int(connection.execute(query).scalar() or 0)

    def edit_comment(self, comment_id: int, body: str, now: datetime) -> Comment | None:
        """Replace the body and stamp `edited_at`; None when there is no such comment."""
        with write_transaction(self.engine) as connection:
            update = comments.update().where(comments.c.id == comment_id)
            result = connection.execute(update.values(body=body, edited_at=now))
            if result.rowcount == 0:
                return None
            bump_content_revision(connection)
            return _one(connection, comment_id)

    def set_comment_status(
        self, comment_id: int, status: CommentStatus, by_user_id: int
    ) -> Comment | None:
        """Hide, show or delete a comment, moving the paper's visible count to match.

        The row is locked first (FOR UPDATE on PostgreSQL, the write lock on SQLite), so two
        moderators acting at once count the change once.
        """
        with write_transaction(self.engine) as connection:
            query = select(comments.c.paper_id, comments.c.status).where(
                comments.c.id == comment_id
            )
            row = connection.execute(query.with_for_update()).first()
            if row is None:
                return None
            hidden_by = by_user_id if status is not CommentStatus.VISIBLE else None
            update = comments.update().where(comments.c.id == comment_id)
            connection.execute(update.values(status=status.value, hidden_by=hidden_by))
            was_visible = row.status == CommentStatus.VISIBLE.value
            delta = int(status is CommentStatus.VISIBLE) - int(was_visible)
            if delta:
                _move_count(connection, row.paper_id, delta)
            if row.status != status.value:
                bump_content_revision(connection)
            return _one(connection, comment_id)

    def report_comment(self, comment_id: int, user_id: int, reason: str, now: datetime) -> bool:
        """Record the member's report; False when they had already reported it."""
        values = {"comment_id": comment_id, "user_id": user_id, "reason": reason}
        with write_transaction(self.engine) as connection:
            insert = _dialect_insert(connection, comment_reports).values(**values, created_at=now)
            # RETURNING, not rowcount: psycopg reports -1 for a skipped ON CONFLICT insert
            added = insert.on_conflict_do_nothing().returning(comment_reports.c.id)
            return connection.execute(added).scalar() is not None

    def clear_reports(self, comment_id: int) -> int:
        """Dismiss every report of the comment; how many there were."""
        with write_transaction(self.engine) as connection:
            delete = comment_reports.delete().where(comment_reports.c.comment_id == comment_id)
            return int(connection.execute(delete).rowcount)

    def _many(self, query: Any) -> list[Comment]:
        with self.engine.connect() as connection:
            return [_comment(row) for row in connection.execute(query)]


def bump_content_revision(connection: Connection) -> None:
    """Move the "content" revision on inside the writing transaction (page caches key on it)."""
    bump = revisions.update().where(revisions.c.name == "content")
    connection.execute(bump.values(value=revisions.c.value + 1))


def _move_count(connection: Connection, paper_id: int, delta: int) -> None:
    """Add `delta` to the paper's visible-comment counter, creating it at need (an upsert)."""
    insert = _dialect_insert(connection, paper_comment_counts).values(
        paper_id=paper_id, visible_count=max(delta, 0)
    )
    connection.execute(
        insert.on_conflict_do_update(
            index_elements=["paper_id"],
            set_={"visible_count": paper_comment_counts.c.visible_count + delta},
        )
    )


def _dialect_insert(connection: Connection, table: Any) -> Any:
    if connection.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def _exported(comment: Comment) -> dict[str, Any]:
    return {
        "id": comment.id,
        "paper": comment.arxiv_id,
        "parent_id": comment.parent_id,
        "body": comment.body,
        "status": comment.status.value,
        "created_at": comment.created_at.isoformat(),
        "edited_at": comment.edited_at.isoformat() if comment.edited_at else None,
    }


def _one(connection: Connection, comment_id: int) -> Comment | None:
    row = connection.execute(_COMMENTS.where(comments.c.id == comment_id)).first()
    return None if row is None else _comment(row)


def _comment(row: Any) -> Comment:
    author = CommentAuthor(
        id=row.user_id,
        username=row.username,
        display_name=row.display_name,
        status=AccountStatus(row.author_status),
    )
    return Comment(
        id=row.id,
        arxiv_id=row.arxiv_id,
        paper_title=row.paper_title,
        author=author,
        parent_id=row.parent_id,
        body=row.body,
        status=CommentStatus(row.status),
        created_at=row.created_at,
        edited_at=row.edited_at,
        hidden_by=row.hidden_by,
        report_count=int(row.report_count or 0),
    )


__all__: Sequence[str] = ["SqlCommentStore", "bump_content_revision"]
