"""Changes members and curators make to daily lists: submissions, additions, removals, pins.

An entry added here is a `daily_entries` row like an imported one, with an `entry_curation`
row saying which member put it there; removals and pins live in that row too, which imports
never write, so a re-import neither brings back a removed entry nor unpins one.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Connection, Engine, and_, func, select

from paperboy.domain.community import EntryChange
from paperboy.storage.engine import write_transaction
from paperboy.storage.schema import daily_entries, entry_curation, papers, users
from paperboy.storage.votes import bump_content_revision, upsert_statement


class SqlCurationStore:
    """`CurationStore` over SQLAlchemy Core; the same SQL on SQLite and PostgreSQL."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add_entry(
        self,
        arxiv_id: str,
        day: date,
        user_id: int | None,
        now: datetime,
        *,
        daily_limit: int | None = None,
        restore: bool = False,
    ) -> EntryChange:
        """Put a stored paper on `day`'s list as put there by `user_id`, in one transaction.

        With `daily_limit`, the member's entries on that day are counted under a lock on their
        row (PostgreSQL; SQLite's write lock serialises anyway), so racing submissions cannot
        pass the limit together. With `restore`, an entry a curator removed comes back.
        """
        with write_transaction(self.engine) as connection:
            paper_id = connection.execute(
                select(papers.c.id).where(papers.c.arxiv_id == arxiv_id)
            ).scalar()
            if paper_id is None:
                return EntryChange.NO_PAPER
            existing = _entry(connection, day, paper_id)
            if existing is not None:
                return self._existing(connection, existing, restore, now)
            if _over_limit(connection, user_id, day, daily_limit):
                return EntryChange.LIMIT_REACHED
            inserted = connection.execute(
                upsert_statement(connection, daily_entries)
                .values(
                    paper_id=paper_id,
                    listed_on=day,
                    submitted_at=now,
                    upvote_count=0,
                    comment_count=0,
                    created_at=now,
                )
                .on_conflict_do_nothing(index_elements=["listed_on", "paper_id"])
                .returning(daily_entries.c.id)
            )
            entry_id = inserted.scalar()
            if entry_id is None:  # a concurrent request listed it first
                return EntryChange.ALREADY_LISTED
            connection.execute(
                entry_curation.insert().values(
                    entry_id=entry_id,
                    submitted_by_id=user_id,
                    pinned=False,
                    hidden=False,
                    modified_at=now,
                )
            )
            _touch_paper(connection, paper_id, now)
            bump_content_revision(connection)
            return EntryChange.ADDED

    def _existing(
        self, connection: Connection, entry_id: int, restore: bool, now: datetime
    ) -> EntryChange:
        hidden = connection.execute(
            select(entry_curation.c.hidden).where(entry_curation.c.entry_id == entry_id)
        ).scalar()
        if not hidden:
            return EntryChange.ALREADY_LISTED
        if not restore:
            return EntryChange.REMOVED_BY_CURATOR
        _mark(connection, entry_id, now, hidden=False)
        bump_content_revision(connection)
        return EntryChange.RESTORED

    def set_hidden(self, arxiv_id: str, day: date, hidden: bool, now: datetime) -> bool:
        """Remove the paper from `day`'s list (or put it back); False when it is not on it."""
        return self._set(arxiv_id, day, now, hidden=hidden)

    def set_pinned(self, arxiv_id: str, day: date, pinned: bool, now: datetime) -> bool:
        """Pin the paper to the top of `day`'s list (or unpin); False when it is not on it."""
        return self._set(arxiv_id, day, now, pinned=pinned)

    def _set(self, arxiv_id: str, day: date, now: datetime, **values: bool) -> bool:
        with write_transaction(self.engine) as connection:
            paper_id = connection.execute(
                select(papers.c.id).where(papers.c.arxiv_id == arxiv_id)
            ).scalar()
            entry_id = None if paper_id is None else _entry(connection, day, paper_id)
            if paper_id is None or entry_id is None:
                return False
            if _mark(connection, entry_id, now, **values):
                _touch_paper(connection, paper_id, now)
                bump_content_revision(connection)
            return True

    def submissions_on(self, user_id: int, day: date) -> int:
        """How many papers `user_id` put on `day`'s list (removed ones count too)."""
        with self.engine.connect() as connection:
            return _submissions(connection, user_id, day, lock=False)

    def hidden_on(self, day: date) -> list[str]:
        """The arXiv ids curators removed from `day`'s list."""
        query = (
            select(papers.c.arxiv_id)
            .join(daily_entries, daily_entries.c.paper_id == papers.c.id)
            .join(entry_curation, entry_curation.c.entry_id == daily_entries.c.id)
            .where(daily_entries.c.listed_on == day, entry_curation.c.hidden.is_(True))
            .order_by(papers.c.arxiv_id)
        )
        with self.engine.connect() as connection:
            return list(connection.execute(query).scalars())


def _entry(connection: Connection, day: date, paper_id: int) -> int | None:
    query = select(daily_entries.c.id).where(
        and_(daily_entries.c.listed_on == day, daily_entries.c.paper_id == paper_id)
    )
    value = connection.execute(query).scalar()
    return None if value is None else int(value)


def _mark(connection: Connection, entry_id: int, now: datetime, **values: bool) -> bool:
    """Set curation flags of one entry; True when anything changed."""
    current = connection.execute(
        select(entry_curation).where(entry_curation.c.entry_id == entry_id)
    ).first()
    if current is None:
        row = {"pinned": False, "hidden": False, **values}
        connection.execute(
            entry_curation.insert().values(entry_id=entry_id, modified_at=now, **row)
        )
        return any(values.values())
    if all(getattr(current, name) == value for name, value in values.items()):
        return False
    connection.execute(
        entry_curation.update()
        .where(entry_curation.c.entry_id == entry_id)
        .values(modified_at=now, **values)
    )
    return True


def _over_limit(
    connection: Connection, user_id: int | None, day: date, daily_limit: int | None
) -> bool:
    if daily_limit is None or user_id is None:
        return False
    return _submissions(connection, user_id, day, lock=True) >= daily_limit


def _submissions(connection: Connection, user_id: int, day: date, *, lock: bool) -> int:
    if lock:
        connection.execute(select(users.c.id).where(users.c.id == user_id).with_for_update())
    query = (
        select(func.count())
        .select_from(entry_curation)
        .join(daily_entries, daily_entries.c.id == entry_curation.c.entry_id)
        .where(entry_curation.c.submitted_by_id == user_id, daily_entries.c.listed_on == day)
    )
    return int(connection.execute(query).scalar_one())


def _touch_paper(connection: Connection, paper_id: int, now: datetime) -> None:
    """Search indexes re-read papers by modified_at: a list change must move it on.

    The wall clock, not `now` (which tests may set in the past): indexes resume after the
    latest modified_at they read, so it must only grow.
    """
    moment = max(now, datetime.now(UTC))
    connection.execute(papers.update().where(papers.c.id == paper_id).values(modified_at=moment))
