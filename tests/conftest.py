"""Shared fixtures: a real SQLite file and a real PostgreSQL database per test, settings, deps.

In CI (`CI=true`) a skipped test fails instead: a missing browser or server must never pass
silently there.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from paperboy.app import Deps, build_deps
from paperboy.config import Settings, load_settings
from paperboy.services.ports import PaperStore
from paperboy.storage.engine import make_engine
from paperboy.storage.migrations import upgrade
from paperboy.storage.papers import SqlPaperStore
from tests.support.postgres import PostgresCluster
from tests.support.smtp import SmtpSink, running_sink

DATA = Path(__file__).parent / "data"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, which must run every test: {report.longrepr}"


def need(condition: bool, reason: str) -> None:
    """Skip (locally) or fail (in CI) when something a test needs is missing."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI must run this test: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    try:
        cluster = PostgresCluster()
    except Exception as error:  # any failure to start means no PostgreSQL here
        need(False, f"embedded PostgreSQL did not start: {error}")
        raise
    yield cluster
    cluster.stop()


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "paperboy.sqlite3"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def postgres_url(postgres_cluster: PostgresCluster) -> str:
    return postgres_cluster.fresh_database()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest) -> str:
    """A migrated, empty database on each engine in turn."""
    return str(request.getfixturevalue(f"{request.param}_url"))


@pytest.fixture
def store(database_url: str) -> Iterator[PaperStore]:
    paper_store = SqlPaperStore(make_engine(database_url))
    yield paper_store
    paper_store.engine.dispose()


@pytest.fixture
def sqlite_store(sqlite_url: str) -> Iterator[SqlPaperStore]:
    paper_store = SqlPaperStore(make_engine(sqlite_url))
    yield paper_store
    paper_store.engine.dispose()


def make_settings(database_url: str, **overrides: Any) -> Settings:
    return load_settings(environ={}, database_url=database_url, **overrides)


@pytest.fixture
def settings(sqlite_url: str) -> Settings:
    return make_settings(sqlite_url)


@pytest.fixture
def deps(settings: Settings) -> Deps:
    return build_deps(settings)


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps every message it accepts."""
    with running_sink() as sink:
        yield sink


@pytest.fixture
def smtp_settings(sqlite_url: str, smtp_sink: SmtpSink) -> Settings:
    """Settings whose mail goes over SMTP to `smtp_sink` (plain, no login)."""
    return make_settings(
        sqlite_url,
        mail_backend="smtp",
        smtp_host=smtp_sink.host,
        smtp_port=smtp_sink.port,
        smtp_security="none",
        smtp_timeout=5.0,
    )
