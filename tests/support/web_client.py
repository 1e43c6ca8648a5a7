"""The web app over real recorded daily lists, for the API and feed tests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from paperboy.app import Clock, Deps, build_deps
from paperboy.config import load_settings
from paperboy.services.ingest import ingest
from paperboy.web.app import create_app

DAILY = Path(__file__).parent.parent / "data" / "daily-papers"
DAYS = ("2026-07-30", "2026-08-20", "2026-08-21")
BASE_URL = "https://papers.example.org"
# A Sunday with no list of its own: "today" falls back to Friday 2026-08-21.
SUNDAY = datetime(2026, 8, 23, 16, 0, tzinfo=UTC)


def recorded(day: str) -> list[dict[str, Any]]:
    """The items of a real recorded `/api/daily_papers` response."""
    items: list[dict[str, Any]] = json.loads((DAILY / f"{day}.json").read_text(encoding="utf-8"))
    return items


def loaded_deps(database_url: str, *, clock: Clock = lambda: SUNDAY) -> Deps:
    """Deps over `database_url` holding the recorded days."""
    settings = load_settings(environ={}, database_url=database_url, base_url=BASE_URL)
    deps = build_deps(settings, clock=clock)
    report = ingest(
        deps.store, deps.sources.daily_papers_files([DAILY / f"{d}.json" for d in DAYS])
    )
    assert report.rejected == 0, report.rejections
    return deps


@contextmanager
def client_for(deps: Deps) -> Iterator[TestClient]:
    """A client of the real app (its own error handling) serving `deps`."""
    with TestClient(create_app(deps)) as client:
        yield client
