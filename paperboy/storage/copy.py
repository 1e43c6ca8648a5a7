"""Copy every row of one paperboy database into another: SQLite to PostgreSQL, or back.

Both databases must be at the same migration version. Tables go parents first (foreign keys),
each in primary-key order, in batches that insert a row only if its key is not there yet: an
interrupted copy, run again, carries on where it stopped, and a finished one changes nothing.
PostgreSQL's id sequences are then moved past the copied ids, and the target's revision counters
past both databases' values, so no page cache outlives the copy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, Integer, Table, func, select, text, tuple_
from sqlalchemy.dialects import postgresql, sqlite

from paperboy.storage import schema
from paperboy.storage.engine import write_transaction
from paperboy.storage.migrations import applied_versions

BATCH_ROWS = 2000
_SKIPPED = {schema.schema_migrations.name}  # the target's own history, written by its upgrade

RowsCopied = Callable[[str, int], None]


class CopyRefused(ValueError):
    """The two databases cannot be copied between; the message says what to do."""


@dataclass(frozen=True, slots=True)
class TableCopy:
    """One table's outcome: rows in the source, rows written now, rows the target had already."""

    table: str
    source_rows: int
    copied: int

    @property
    def already_there(self) -> int:
        return self.source_rows - self.copied


def copied_tables() -> list[Table]:
    """The tables a copy moves, parents before children."""
    return [t for t in schema.metadata.sorted_tables if t.name not in _SKIPPED]


def source_row_counts(source: Engine) -> dict[str, int]:
    """Rows per copied table in `source` (what a progress bar counts towards)."""
    return {table.name: _count(source, table) for table in copied_tables()}


def check_copyable(source: Engine, target: Engine) -> None:
    """`CopyRefused` unless both databases exist, differ, and have the same migrations."""
    if source.url == target.url:
        raise CopyRefused("the source and the target are the same database")
    have, want = applied_versions(target), applied_versions(source)
    if not want:
        raise CopyRefused("the source database has no paperboy schema (nothing to copy)")
    if have != want:
        missing = sorted(want - have)
        hint = f"run `paperboy db upgrade` on the target (it lacks {missing})" if missing else ""
        raise CopyRefused(
            "the two databases are at different schema versions: "
            + (hint or "upgrade the source first (`paperboy db upgrade`)")
        )


def copy_database(
    source: Engine, target: Engine, on_rows: RowsCopied | None = None, batch: int = BATCH_ROWS
) -> list[TableCopy]:
    """Copy every table's rows from `source` into `target`; rerunnable, see the module notes."""
    check_copyable(source, target)
    counts = source_row_counts(source)
    report = []
    for table in copied_tables():
        before = _count(target, table)
        _copy_table(source, target, table, batch, on_rows)
        report.append(TableCopy(table.name, counts[table.name], _count(target, table) - before))
    with write_transaction(target) as connection:
        if target.dialect.name == "postgresql":
            _advance_sequences(connection)
        _raise_revisions(source, connection)
    return report


def _raise_revisions(source: Engine, target: Connection) -> None:
    """Each revision counter past both databases' values, so no cache keyed on one survives."""
    revisions = schema.revisions
    with source.connect() as connection:
        theirs = {row.name: row.value for row in connection.execute(select(revisions))}
    ours = {row.name: row.value for row in target.execute(select(revisions))}
    for name, value in ours.items():
        top = max(value, theirs.get(name, 0)) + 1
        target.execute(revisions.update().where(revisions.c.name == name).values(value=top))


def _copy_table(
    source: Engine, target: Engine, table: Table, batch: int, on_rows: RowsCopied | None
) -> None:
    """Copy in key order; each batch commits on its own, so a kill loses at most one batch."""
    key = list(table.primary_key.columns)
    insert = _insert_or_skip(target, table)
    after: tuple[Any, ...] | None = None
    while True:
        query = select(table).order_by(*key).limit(batch)
        if after is not None:
            query = query.where(tuple_(*key) > tuple_(*after))
        with source.connect() as connection:
            rows = [row._asdict() for row in connection.execute(query)]
        if not rows:
            return
        with write_transaction(target) as connection:
            connection.execute(insert, rows)
        if on_rows is not None:
            on_rows(table.name, len(rows))
        after = tuple(rows[-1][column.name] for column in key)


def _count(engine: Engine, table: Table) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar() or 0)


def _insert_or_skip(target: Engine, table: Table) -> Any:
    dialect = postgresql if target.dialect.name == "postgresql" else sqlite
    return dialect.insert(table).on_conflict_do_nothing()


def _advance_sequences(connection: Connection) -> None:
    """Make each serial id column hand out ids above the copied ones."""
    for table in copied_tables():
        [*key] = table.primary_key.columns
        if len(key) != 1 or not isinstance(key[0].type, Integer):
            continue
        name = {"table": table.name, "column": key[0].name}
        sequence = connection.execute(_SERIAL_SEQUENCE, name).scalar()
        if sequence is not None:
            top = select(func.coalesce(func.max(key[0]), 0) + 1).scalar_subquery()
            connection.execute(select(func.setval(sequence, top, False)))


_SERIAL_SEQUENCE = text("SELECT pg_get_serial_sequence(:table, :column)")
