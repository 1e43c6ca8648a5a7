"""The paper store: upserts by (arXiv id, version) and the daily-list queries, on both engines."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, Table, and_, bindparam, false, func, or_, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite

from paperboy.domain.indexing import IndexDocument, SyncPosition
from paperboy.domain.models import (
    DailyEntry,
    EntryRecord,
    ListSort,
    Outcome,
    Paper,
    PaperRecord,
    PaperVersion,
    Submitter,
)
from paperboy.domain.search import SearchFilters
from paperboy.storage import filtering, indexing, schema
from paperboy.storage.engine import write_transaction
from paperboy.storage.merge import merge_paper, paper_row
from paperboy.storage.schema import (
    daily_entries,
    entry_curation,
    ingest_cursors,
    paper_comment_counts,
    paper_versions,
    paper_vote_counts,
    papers,
    revisions,
    submitters,
    users,
)
from paperboy.storage.votes import record_observations

Cursor = Any  # services.ports.Cursor, structurally: .source and .value
_BATCH = 500
_FIXED_COLUMNS = frozenset({"id", "arxiv_id", "created_at"})


class SqlPaperStore:
    """`PaperStore` over SQLAlchemy Core; the same SQL on SQLite and PostgreSQL."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _write(self) -> AbstractContextManager[Connection]:
        return write_transaction(self.engine)

    def content_revision(self) -> int:
        """A number that changes whenever papers or lists change (a cache key, not a count)."""
        query = select(revisions.c.value).where(revisions.c.name == "content")
        return int(self._scalar(query) or 0)

    # ---- writes

    def upsert_papers(
        self, records: Sequence[PaperRecord], cursor: Cursor | None = None
    ) -> list[Outcome]:
        """Insert new papers, merge known ones; the batch and its cursor land as one."""
        with self._write() as connection:
            outcomes, _ = self._upsert_papers(connection, records)
            _bump_revision_if_changed(connection, outcomes)
            if cursor is not None:
                self._save_cursor(connection, cursor)
        return outcomes

    def upsert_entries(
        self,
        records: Sequence[EntryRecord],
        cursor: Cursor | None = None,
        *,
        observed_at: datetime | None = None,
    ) -> list[Outcome]:
        """Upsert each entry's paper, submitter and list entry in one transaction.

        The upvote counts are also kept as observed at `observed_at` (default: now), when they
        moved, so trending can date the imported upvotes.
        """
        with self._write() as connection:
            paper_outcomes, ids = self._upsert_papers(connection, [r.paper for r in records])
            submitter_ids = self._upsert_submitters(connection, records)
            entry_outcomes = self._upsert_entry_rows(connection, records, ids, submitter_ids)
            counts = {ids[r.paper.arxiv_id]: r.upvote_count for r in records}
            record_observations(connection, counts, observed_at or datetime.now(UTC))
            _bump_revision_if_changed(connection, paper_outcomes + entry_outcomes)
            if cursor is not None:
                self._save_cursor(connection, cursor)
        return [_combine(p, e) for p, e in zip(paper_outcomes, entry_outcomes, strict=True)]

    def save_cursor(self, cursor: Cursor) -> None:
        with self._write() as connection:
            self._save_cursor(connection, cursor)

    def _upsert_papers(
        self, connection: Connection, records: Sequence[PaperRecord]
    ) -> tuple[list[Outcome], dict[str, int]]:
        now = datetime.now(UTC)
        existing = self._rows_by_arxiv_id(connection, {r.arxiv_id for r in records})
        outcomes: list[Outcome] = []
        inserts: dict[str, dict[str, Any]] = {}
        updates: dict[str, dict[str, Any]] = {}
        for record in records:
            current = inserts.get(record.arxiv_id) or updates.get(record.arxiv_id)
            current = current or existing.get(record.arxiv_id)
            if current is None:
                inserts[record.arxiv_id] = paper_row(record, now)
                outcomes.append(Outcome.NEW)
                continue
            merged = merge_paper(current, record)
            if merged == {k: current[k] for k in merged}:
                outcomes.append(Outcome.UNCHANGED)
                continue
            target = inserts if record.arxiv_id in inserts else updates
            target[record.arxiv_id] = {**current, **merged, "modified_at": now}
            outcomes.append(Outcome.UPDATED)
        if inserts:
            connection.execute(papers.insert(), list(inserts.values()))
        if updates:
            columns = [c for c in next(iter(updates.values())) if c not in _FIXED_COLUMNS]
            _update_many(connection, papers, list(updates.values()), columns)
        ids = self._ids_by_arxiv_id(connection, {r.arxiv_id for r in records})
        self._add_versions(connection, records, ids)
        return outcomes, ids

    def _rows_by_arxiv_id(
        self, connection: Connection, arxiv_ids: set[str]
    ) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for chunk in _chunks(sorted(arxiv_ids)):
            rows = connection.execute(select(papers).where(papers.c.arxiv_id.in_(chunk)))
            found.update({row.arxiv_id: dict(row._mapping) for row in rows})
        return found

    def _ids_by_arxiv_id(self, connection: Connection, arxiv_ids: set[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for chunk in _chunks(sorted(arxiv_ids)):
            query = select(papers.c.arxiv_id, papers.c.id).where(papers.c.arxiv_id.in_(chunk))
            found.update({row.arxiv_id: row.id for row in connection.execute(query)})
        return found

    def _add_versions(
        self, connection: Connection, records: Sequence[PaperRecord], ids: Mapping[str, int]
    ) -> None:
        wanted = {(ids[r.arxiv_id], v.version): v.submitted_at for r in records for v in r.versions}
        if not wanted:
            return
        known: set[tuple[int, int]] = set()
        for chunk in _chunks(sorted({paper_id for paper_id, _ in wanted})):
            query = select(paper_versions.c.paper_id, paper_versions.c.version).where(
                paper_versions.c.paper_id.in_(chunk)
            )
            known.update((row.paper_id, row.version) for row in connection.execute(query))
        rows = [
            {"paper_id": paper_id, "version": version, "submitted_at": submitted_at}
            for (paper_id, version), submitted_at in wanted.items()
            if (paper_id, version) not in known
        ]
        if rows:
            connection.execute(paper_versions.insert(), rows)

    def _upsert_submitters(
        self, connection: Connection, records: Sequence[EntryRecord]
    ) -> dict[str, int]:
        people = {r.submitter.username: r.submitter for r in records if r.submitter is not None}
        if not people:
            return {}
        query = select(submitters).where(submitters.c.username.in_(sorted(people)))
        known = {row.username: row for row in connection.execute(query)}
        for username, person in people.items():
            values = {"fullname": person.fullname, "avatar_url": person.avatar_url}
            row = known.get(username)
            if row is None:
                connection.execute(submitters.insert().values(username=username, **values))
            elif (row.fullname, row.avatar_url) != (person.fullname, person.avatar_url):
                connection.execute(
                    submitters.update().where(submitters.c.id == row.id).values(**values)
                )
        rows = connection.execute(query)
        return {row.username: row.id for row in rows}

    def _upsert_entry_rows(
        self,
        connection: Connection,
        records: Sequence[EntryRecord],
        paper_ids: Mapping[str, int],
        submitter_ids: Mapping[str, int],
    ) -> list[Outcome]:
        keys = sorted({(r.listed_on, paper_ids[r.paper.arxiv_id]) for r in records})
        known: dict[tuple[date, int], dict[str, Any]] = {}
        for chunk in _chunks(keys):
            query = select(daily_entries).where(
                tuple_(daily_entries.c.listed_on, daily_entries.c.paper_id).in_(chunk)
            )
            rows = connection.execute(query)
            known.update({(row.listed_on, row.paper_id): dict(row._mapping) for row in rows})
        outcomes: list[Outcome] = []
        now = datetime.now(UTC)
        inserts: dict[tuple[date, int], dict[str, Any]] = {}
        updates: dict[tuple[date, int], dict[str, Any]] = {}
        for record in records:
            key = (record.listed_on, paper_ids[record.paper.arxiv_id])
            submitter = record.submitter
            values = {
                "submitter_id": submitter_ids.get(submitter.username) if submitter else None,
                "submitted_at": record.submitted_at,
                "upvote_count": record.upvote_count,
                "comment_count": record.comment_count,
            }
            current = inserts.get(key) or updates.get(key) or known.get(key)
            if current is None:
                inserts[key] = {
                    "listed_on": key[0],
                    "paper_id": key[1],
                    "created_at": now,
                    **values,
                }
                outcomes.append(Outcome.NEW)
            elif all(current[k] == v for k, v in values.items()):
                outcomes.append(Outcome.UNCHANGED)
            else:
                target = inserts if key in inserts else updates
                target[key] = {**current, **values}
                outcomes.append(Outcome.UPDATED)
        if inserts:
            connection.execute(daily_entries.insert(), list(inserts.values()))
        if updates:
            _update_many(connection, daily_entries, list(updates.values()), list(values))
        # search indexes re-read papers by modified_at: a list change must move it on too
        _touch_papers(connection, sorted({key[1] for key in [*inserts, *updates]}), now)
        return outcomes

    def _save_cursor(self, connection: Connection, cursor: Cursor) -> None:
        values = {"source": cursor.source, "value": cursor.value, "updated_at": datetime.now(UTC)}
        insert = (
            postgresql.insert(ingest_cursors)
            if connection.dialect.name == "postgresql"
            else sqlite.insert(ingest_cursors)
        )
        connection.execute(
            insert.values(**values).on_conflict_do_update(
                index_elements=["source"],
                set_={"value": values["value"], "updated_at": values["updated_at"]},
            )
        )

    # ---- reads

    def paper(self, arxiv_id: str) -> Paper | None:
        with self.engine.connect() as connection:
            row = connection.execute(select(papers).where(papers.c.arxiv_id == arxiv_id)).first()
            if row is None:
                return None
            query = (
                select(paper_versions.c.version, paper_versions.c.submitted_at)
                .where(paper_versions.c.paper_id == row.id)
                .order_by(paper_versions.c.version)
            )
            versions = tuple(
                PaperVersion(v.version, v.submitted_at) for v in connection.execute(query)
            )
        return _paper(row, versions)

    def entries_between(
        self,
        first: date,
        last: date,
        *,
        sort: ListSort = ListSort.UPVOTES,
        limit: int = 50,
        offset: int = 0,
        submitter: str | None = None,
    ) -> list[DailyEntry]:
        query = _entries_query().where(daily_entries.c.listed_on.between(first, last))
        if submitter is not None:
            query = query.where(_submitted_by(submitter))
        # NULLS LAST on both engines (PostgreSQL would put unknown times first on DESC).
        submitted = daily_entries.c.submitted_at.desc().nulls_last()
        if sort is ListSort.NEWEST:
            order = [submitted, papers.c.published_at.desc().nulls_last()]
        else:
            order = [_PINNED.desc(), _UPVOTES.desc(), submitted]
        query = query.order_by(*order, papers.c.arxiv_id.desc()).limit(limit).offset(offset)
        with self.engine.connect() as connection:
            return [_entry(row) for row in connection.execute(query)]

    def count_entries_between(
        self, first: date, last: date, *, submitter: str | None = None
    ) -> int:
        query = (
            select(func.count())
            .select_from(_ENTRY_JOINS)
            .where(daily_entries.c.listed_on.between(first, last), _VISIBLE)
        )
        if submitter is not None:
            query = query.where(_submitted_by(submitter))
        with self.engine.connect() as connection:
            return int(connection.execute(query).scalar_one())

    def entries_for_paper(self, arxiv_id: str) -> list[DailyEntry]:
        query = (
            _entries_query()
            .where(papers.c.arxiv_id == arxiv_id)
            .order_by(daily_entries.c.listed_on)
        )
        with self.engine.connect() as connection:
            return [_entry(row) for row in connection.execute(query)]

    def list_day_before(self, day: date) -> date | None:
        listed_on = daily_entries.c.listed_on
        return self._day(_shown_days().where(listed_on < day).order_by(listed_on.desc()))

    def list_day_after(self, day: date) -> date | None:
        listed_on = daily_entries.c.listed_on
        return self._day(_shown_days().where(listed_on > day).order_by(listed_on))

    def latest_list_day(self, on_or_before: date | None = None) -> date | None:
        listed_on = daily_entries.c.listed_on
        query = _shown_days().order_by(listed_on.desc())
        if on_or_before is not None:
            query = query.where(listed_on <= on_or_before)
        return self._day(query)

    def papers_published_between(
        self, start: datetime, end: datetime, *, limit: int, offset: int = 0
    ) -> list[Paper]:
        query = (
            select(papers)
            .where(and_(papers.c.published_at >= start, papers.c.published_at < end))
            .order_by(papers.c.published_at.desc(), papers.c.arxiv_id.desc())
            .limit(limit)
            .offset(offset)
        )
        with self.engine.connect() as connection:
            return [_paper(row, ()) for row in connection.execute(query)]

    def papers_by_ids(self, arxiv_ids: Sequence[str]) -> dict[str, tuple[Paper, int, date | None]]:
        """Papers by bare arXiv id, each with its best upvote count and latest list day.

        One query per 500 ids (search hydrates a page of hits at once); unknown ids are
        simply absent from the answer.
        """
        found: dict[str, tuple[Paper, int, date | None]] = {}
        with self.engine.connect() as connection:
            for chunk in _chunks(sorted(set(arxiv_ids))):
                for row in connection.execute(_PAPERS_BY_IDS, {"arxiv_ids": list(chunk)}):
                    day = row.last_listed_on
                    if isinstance(day, str):
                        day = date.fromisoformat(day)
                    found[row.arxiv_id] = (_paper(row, ()), int(row.best_upvotes or 0), day)
        return found

    def papers_for_index(self, after: SyncPosition | None, limit: int) -> list[IndexDocument]:
        """Papers changed after `after`, in (modified_at, id) order, as search indexes see them."""
        with self.engine.connect() as connection:
            return indexing.documents_after(connection, after, limit)

    def count_papers_for_index(self, after: SyncPosition | None) -> int:
        with self.engine.connect() as connection:
            return indexing.count_after(connection, after)

    def titles_like(self, title: str, limit: int = 5) -> list[tuple[str, float]]:
        """(arXiv id, similarity): trigram matches on PostgreSQL, exact ones on SQLite."""
        with self.engine.connect() as connection:
            return indexing.titles_like(connection, title, limit)

    def matching_ids(self, arxiv_ids: Collection[str] | None, filters: SearchFilters) -> set[str]:
        """The ids among `arxiv_ids` (None: every paper) of papers that meet `filters`."""
        with self.engine.connect() as connection:
            return filtering.matching_ids(connection, arxiv_ids, filters)

    def cursor(self, source: str) -> str | None:
        value = self._scalar(
            select(ingest_cursors.c.value).where(ingest_cursors.c.source == source)
        )
        return None if value is None else str(value)

    def counts(self) -> dict[str, int]:
        tables = {"papers": papers, "daily_entries": daily_entries, "submitters": submitters}
        with self.engine.connect() as connection:
            return {
                name: int(connection.execute(select(func.count()).select_from(t)).scalar_one())
                for name, t in tables.items()
            }

    def _day(self, query: Any) -> date | None:
        value = self._scalar(query)
        if isinstance(value, str):
            return date.fromisoformat(value)
        return value if isinstance(value, date) else None

    def _scalar(self, query: Any) -> Any:
        with self.engine.connect() as connection:
            return connection.execute(query).scalar()


def _papers_by_ids_query() -> Any:
    """Papers by id with their best upvotes and last list day, built once (search runs it a lot)."""
    of_paper = daily_entries.c.paper_id == papers.c.id
    imported = select(func.max(daily_entries.c.upvote_count)).where(of_paper).scalar_subquery()
    members = (
        select(paper_vote_counts.c.vote_count)
        .where(paper_vote_counts.c.paper_id == papers.c.id)
        .scalar_subquery()
    )
    upvotes = func.coalesce(imported, 0) + func.coalesce(members, 0)
    listed_on = select(func.max(daily_entries.c.listed_on)).where(of_paper).scalar_subquery()
    return select(papers, upvotes.label("best_upvotes"), listed_on.label("last_listed_on")).where(
        papers.c.arxiv_id.in_(bindparam("arxiv_ids", expanding=True))
    )


_PAPERS_BY_IDS = _papers_by_ids_query()


def _bump_revision_if_changed(connection: Connection, outcomes: Sequence[Outcome]) -> None:
    """Move the content revision on, inside the writing transaction, when anything changed."""
    if all(outcome is Outcome.UNCHANGED for outcome in outcomes):
        return
    bump = revisions.update().where(revisions.c.name == "content")
    connection.execute(bump.values(value=revisions.c.value + 1))


def _touch_papers(connection: Connection, paper_ids: Sequence[int], now: datetime) -> None:
    for chunk in _chunks(paper_ids):
        connection.execute(papers.update().where(papers.c.id.in_(chunk)).values(modified_at=now))


def _update_many(
    connection: Connection, table: Table, rows: list[dict[str, Any]], columns: list[str]
) -> None:
    """One executemany UPDATE of `columns` by id (per-row statements cost 10x more)."""
    statement = (
        table.update()
        .where(table.c.id == bindparam("row_id"))
        .values({name: bindparam(f"new_{name}") for name in columns})
    )
    params = [{"row_id": row["id"], **{f"new_{n}": row[n] for n in columns}} for row in rows]
    connection.execute(statement, params)


def _combine(paper: Outcome, entry: Outcome) -> Outcome:
    if Outcome.NEW in (paper, entry):
        return Outcome.NEW if entry is Outcome.NEW else Outcome.UPDATED
    if Outcome.UPDATED in (paper, entry):
        return Outcome.UPDATED
    return Outcome.UNCHANGED


def _chunks(items: Sequence[Any], size: int = _BATCH) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# An entry's upvotes are the imported count plus members' votes; a local member who put it on
# the list is its submitter, before any imported one; entries a curator removed are left out.
_ENTRY_JOINS = (
    daily_entries.join(papers, papers.c.id == daily_entries.c.paper_id)
    .outerjoin(submitters, submitters.c.id == daily_entries.c.submitter_id)
    .outerjoin(paper_vote_counts, paper_vote_counts.c.paper_id == daily_entries.c.paper_id)
    .outerjoin(entry_curation, entry_curation.c.entry_id == daily_entries.c.id)
    .outerjoin(users, users.c.id == entry_curation.c.submitted_by_id)
    .outerjoin(paper_comment_counts, paper_comment_counts.c.paper_id == daily_entries.c.paper_id)
)
_UPVOTES = daily_entries.c.upvote_count + func.coalesce(paper_vote_counts.c.vote_count, 0)
_PINNED = func.coalesce(entry_curation.c.pinned, false())
# numComments: the imported count plus members' visible comments here
_COMMENTS = daily_entries.c.comment_count + func.coalesce(paper_comment_counts.c.visible_count, 0)
_VISIBLE = or_(entry_curation.c.hidden.is_(None), entry_curation.c.hidden == false())


def _shown_days() -> Any:
    """Days with an entry a curator has not removed; order and one row picks the neighbour."""
    visible = daily_entries.outerjoin(
        entry_curation, entry_curation.c.entry_id == daily_entries.c.id
    )
    return select(daily_entries.c.listed_on).select_from(visible).where(_VISIBLE).limit(1)


def _submitted_by(username: str) -> Any:
    """The entry's shown submitter (a local member before an imported one) is `username`."""
    return func.coalesce(users.c.username, submitters.c.username) == username


def _entries_query() -> Any:
    return (
        select(
            papers,
            daily_entries.c.listed_on,
            daily_entries.c.submitted_at.label("entry_submitted_at"),
            _UPVOTES.label("upvote_count"),
            _COMMENTS.label("comment_count"),
            submitters.c.username.label("submitter_username"),
            submitters.c.fullname.label("submitter_fullname"),
            submitters.c.avatar_url.label("submitter_avatar_url"),
            users.c.id.label("member_id"),
            users.c.username.label("member_username"),
            users.c.display_name.label("member_display_name"),
            _PINNED.label("pinned"),
        )
        .select_from(_ENTRY_JOINS)
        .where(_VISIBLE)
    )


def _paper(row: Any, versions: tuple[PaperVersion, ...]) -> Paper:
    return Paper(
        arxiv_id=row.arxiv_id,
        version=row.version,
        title=row.title,
        abstract=row.abstract,
        authors=tuple(row.authors),
        categories=tuple(row.categories),
        primary_category=row.primary_category,
        comments=row.comments,
        doi=row.doi,
        journal_ref=row.journal_ref,
        license=row.license,
        published_at=row.published_at,
        updated_at=row.updated_at,
        code_url=row.code_url,
        code_stars=row.code_stars,
        project_url=row.project_url,
        ai_summary=row.ai_summary,
        ai_keywords=tuple(row.ai_keywords),
        withdrawn=bool(row.withdrawn),
        versions=versions,
    )


def _entry(row: Any) -> DailyEntry:
    submitter = (
        Submitter(row.submitter_username, row.submitter_fullname, row.submitter_avatar_url)
        if row.submitter_username
        else None
    )
    if row.member_id is not None:
        submitter = Submitter(
            row.member_username, row.member_display_name, None, user_id=row.member_id
        )
    return DailyEntry(
        paper=_paper(row, ()),
        listed_on=row.listed_on,
        submitter=submitter,
        submitted_at=row.entry_submitted_at,
        upvote_count=int(row.upvote_count),
        comment_count=int(row.comment_count),
        pinned=bool(row.pinned),
    )


__all__ = ["SqlPaperStore", "schema"]
