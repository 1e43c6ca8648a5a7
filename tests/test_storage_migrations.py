"""Migrations on both engines, and the SQLite engine's concurrency settings."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, event, func, inspect, select

from paperboy.services.ports import Cursor
from paperboy.storage import schema
from paperboy.storage.engine import SQLITE_BUSY_TIMEOUT_MS, make_engine, write_transaction
from paperboy.storage.migrations import MIGRATIONS, pending, upgrade
from paperboy.storage.papers import SqlPaperStore
from tests.support.postgres import PostgresCluster

TABLES = {
    "schema_migrations",
    "papers",
    "paper_versions",
    "submitters",
    "daily_entries",
    "ingest_cursors",
    "jobs",
}


@pytest.fixture(params=["sqlite", "postgres"])
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine on a database that has never been migrated, on each engine in turn."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    else:
        cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
        url = cluster.fresh_database(migrate=False)
    engine = make_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture
def sqlite_engine(sqlite_url: str) -> Iterator[Engine]:
    engine = make_engine(sqlite_url)
    yield engine
    engine.dispose()


def test_upgrade_from_empty_applies_every_migration(empty_engine: Engine) -> None:
    assert pending(empty_engine) == list(MIGRATIONS)
    assert upgrade(empty_engine) == list(MIGRATIONS)
    assert set(inspect(empty_engine).get_table_names()) >= TABLES


def test_upgrade_twice_is_a_no_op(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    assert upgrade(empty_engine) == []
    assert pending(empty_engine) == []


def test_upgrade_records_each_migration_once(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    upgrade(empty_engine)
    with empty_engine.connect() as connection:
        rows = connection.execute(
            select(schema.schema_migrations.c.version, schema.schema_migrations.c.name)
        ).all()
    assert [(row.version, row.name) for row in rows] == [(m.version, m.name) for m in MIGRATIONS]


def test_migrated_schema_works_for_the_store(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    store = SqlPaperStore(empty_engine)
    assert store.counts() == {"papers": 0, "daily_entries": 0, "submitters": 0}


def test_migration_versions_are_unique_and_increasing() -> None:
    versions = [m.version for m in MIGRATIONS]
    assert versions == sorted(set(versions))


@pytest.mark.parametrize(
    ("pragma", "expected"),
    [
        ("journal_mode", "wal"),
        ("busy_timeout", SQLITE_BUSY_TIMEOUT_MS),
        ("foreign_keys", 1),
    ],
)
def test_sqlite_connection_pragmas(sqlite_engine: Engine, pragma: str, expected: object) -> None:
    with sqlite_engine.connect() as connection:
        assert connection.exec_driver_sql(f"PRAGMA {pragma}").scalar() == expected


def traced(engine: Engine) -> list[str]:
    """Every statement SQLite runs on the engine's connections from now on, as run."""
    statements: list[str] = []

    @event.listens_for(engine, "checkout")
    def _trace(dbapi_connection: sqlite3.Connection, *_args: object) -> None:
        dbapi_connection.set_trace_callback(statements.append)

    return statements


def test_sqlite_store_writes_begin_immediate(sqlite_engine: Engine) -> None:
    statements = traced(sqlite_engine)
    SqlPaperStore(sqlite_engine).save_cursor(Cursor("snapshot", "line 1"))
    assert statements[0] == "BEGIN IMMEDIATE"


def test_sqlite_reads_begin_deferred(sqlite_engine: Engine) -> None:
    statements = traced(sqlite_engine)
    with sqlite_engine.connect() as connection:
        connection.execute(select(func.count()).select_from(schema.papers))
    assert statements[0] == "BEGIN DEFERRED"


def test_sqlite_concurrent_read_modify_writes_both_succeed(sqlite_engine: Engine) -> None:
    """Two writers that read then write: with BEGIN IMMEDIATE the second waits, never fails.

    With a deferred BEGIN both would read, and the second to write would get SQLITE_BUSY at
    once (its snapshot is stale, so the busy timeout cannot help).
    """
    barrier = threading.Barrier(2)
    seen: list[int] = []
    errors: list[BaseException] = []

    def writer(name: str) -> None:
        try:
            barrier.wait()
            with write_transaction(sqlite_engine) as connection:
                count = connection.execute(
                    select(func.count()).select_from(schema.ingest_cursors)
                ).scalar_one()
                time.sleep(0.3)  # hold the transaction so the other writer must wait for it
                connection.execute(
                    schema.ingest_cursors.insert().values(
                        source=name, value=str(count), updated_at=datetime.now(UTC)
                    )
                )
                seen.append(count)
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(f"w{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(seen) == [0, 1], "the second writer must see the first one's row"
