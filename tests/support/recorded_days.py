"""A SQLite file holding the real days the HTML page and browser tests read."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from paperboy.app import build_deps
from paperboy.config import load_settings
from paperboy.services.ingest import ingest
from paperboy.storage.engine import make_engine

DAILY = Path(__file__).parent.parent / "data" / "daily-papers"
# Friday, Monday and Tuesday around an empty weekend, then one day nine months later.
DAYS = ("2024-11-29", "2024-12-02", "2024-12-03", "2025-09-04")
MATH_PAPER = "2411.19477"  # on 2024-12-03; its abstract has a real `$...$` formula
CODE_PAPER = "2509.01977"  # on 2025-09-04; code with stars, project page, AI summary, keywords


def recorded(day: str) -> list[dict[str, Any]]:
    """The items of a real recorded `/api/daily_papers` response."""
    items: list[dict[str, Any]] = json.loads((DAILY / f"{day}.json").read_text("utf-8"))
    return items


def write_recorded_days(template: Path, path: Path) -> Path:
    """Copy the migrated `template` to `path` and import the recorded days into it."""
    shutil.copy(template, path)
    url = f"sqlite:///{path}"
    deps = build_deps(load_settings(environ={}, database_url=url))
    files = deps.sources.daily_papers_files([DAILY / f"{day}.json" for day in DAYS])
    report = ingest(deps.store, files)
    assert report.rejected == 0, report.rejections
    engine = make_engine(url)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")  # one self-contained file
    engine.dispose()
    return path
