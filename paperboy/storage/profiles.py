"""What a profile page reads: the member by username, papers they submitted and upvoted.

Submissions come from `entry_curation.submitted_by_id` (a member who put a paper on a list)
and upvotes from `votes`; both tables belong to the votes and curation work, read-only here.
"""

from __future__ import annotations

from sqlalchemy import Engine, select

from paperboy.domain.accounts import User
from paperboy.domain.profiles import ProfilePaper
from paperboy.storage.account_rows import user_from
from paperboy.storage.schema import daily_entries, entry_curation, papers, users, votes


class SqlProfileStore:
    """Profile reads on SQLite and PostgreSQL."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def member(self, username: str) -> User | None:
        """The member with that username (any case), deleted ones included."""
        query = select(users).where(users.c.username == username.strip().lower())
        with self.engine.connect() as connection:
            row = connection.execute(query).first()
        return None if row is None else user_from(row._mapping)

    def submitted_papers(self, user_id: int, limit: int = 50) -> list[ProfilePaper]:
        """Papers the member put on a daily list, latest first."""
        query = (
            select(
                papers.c.arxiv_id,
                papers.c.title,
                daily_entries.c.submitted_at,
                daily_entries.c.listed_on,
            )
            .select_from(entry_curation)
            .join(daily_entries, daily_entries.c.id == entry_curation.c.entry_id)
            .join(papers, papers.c.id == daily_entries.c.paper_id)
            .where(entry_curation.c.submitted_by_id == user_id)
            .order_by(daily_entries.c.listed_on.desc(), daily_entries.c.id.desc())
            .limit(limit)
        )
        with self.engine.connect() as connection:
            return [
                ProfilePaper(row.arxiv_id, row.title, row.submitted_at, row.listed_on)
                for row in connection.execute(query)
            ]

    def upvoted_papers(self, user_id: int, limit: int = 50) -> list[ProfilePaper]:
        """Papers the member upvoted, latest vote first."""
        query = (
            select(papers.c.arxiv_id, papers.c.title, votes.c.created_at)
            .join(votes, votes.c.paper_id == papers.c.id)
            .where(votes.c.user_id == user_id)
            .order_by(votes.c.created_at.desc(), votes.c.id.desc())
            .limit(limit)
        )
        with self.engine.connect() as connection:
            return [
                ProfilePaper(row.arxiv_id, row.title, row.created_at)
                for row in connection.execute(query)
            ]
