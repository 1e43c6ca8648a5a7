"""Keeping the keyword index in step with the store, on SQLite and PostgreSQL, through crashes."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from paperboy.app import Deps
from paperboy.cli import cli
from paperboy.domain.indexing import IndexDocument, SyncPosition
from paperboy.domain.models import EntryRecord, PaperRecord
from paperboy.domain.search import SearchFilters, SearchSort, parse_query
from paperboy.indexes.keyword import STATE_FILE, TantivyKeywordIndex
from paperboy.jobs.tasks import run_task
from paperboy.services.indexing import sync_keyword_index
from paperboy.services.ports import PaperStore

DAY = date(2026, 1, 6)


def paper(arxiv_id: str, title: str, abstract: str, version: int = 1) -> PaperRecord:
    published = datetime(2026, 1, int(arxiv_id[-1]) + 1, tzinfo=UTC)
    return PaperRecord(arxiv_id, title, abstract, version=version, published_at=published)


PAPERS = [
    paper("2601.00001", "Spiking networks with surrogate gradients", "Training spiking neurons."),
    paper("2601.00002", "Graph networks for molecules", "Message passing on molecular graphs."),
    paper("2601.00003", "Diffusion models for proteins", "Denoising protein backbones."),
]


@pytest.fixture
def index(tmp_path: Path) -> TantivyKeywordIndex:
    return TantivyKeywordIndex(tmp_path / "keyword", reload_seconds=0)


def ids(
    index: TantivyKeywordIndex, query: str, sort: SearchSort = SearchSort.RELEVANCE
) -> list[str]:
    return [hit.arxiv_id for hit in index.search(parse_query(query), SearchFilters(), 10, sort)]


def later() -> datetime:
    """A clock an hour ahead: no paper is recent enough to be read again for late commits."""
    return datetime.now(UTC) + timedelta(hours=1)


def test_sync_indexes_every_paper(store: PaperStore, index: TantivyKeywordIndex) -> None:
    store.upsert_papers(PAPERS)
    report = sync_keyword_index(store, index)
    assert report.indexed_count == 3
    assert ids(index, "spiking") == ["2601.00001"]
    assert index.document_count() == 3


def test_sync_picks_up_a_new_paper_only(store: PaperStore, index: TantivyKeywordIndex) -> None:
    store.upsert_papers(PAPERS[:2])
    sync_keyword_index(store, index, clock=later)
    store.upsert_papers(PAPERS[2:])
    assert sync_keyword_index(store, index, clock=later).indexed_count == 1
    assert ids(index, "proteins") == ["2601.00003"]
    assert sync_keyword_index(store, index, clock=later).indexed_count == 0


def test_sync_replaces_a_changed_abstract(store: PaperStore, index: TantivyKeywordIndex) -> None:
    store.upsert_papers(PAPERS)
    sync_keyword_index(store, index)
    store.upsert_papers([paper("2601.00002", PAPERS[1].title, "Equivariant transformers.", 2)])
    sync_keyword_index(store, index)
    assert ids(index, "equivariant") == ["2601.00002"]
    assert ids(index, "message passing") == []
    assert index.document_count() == 3


def test_sync_follows_an_upvote_change(store: PaperStore, index: TantivyKeywordIndex) -> None:
    store.upsert_entries([EntryRecord(p, DAY, upvote_count=n) for n, p in enumerate(PAPERS)])
    sync_keyword_index(store, index)
    assert ids(index, "", SearchSort.UPVOTES)[0] == "2601.00003"
    store.upsert_entries([EntryRecord(PAPERS[0], DAY, upvote_count=99)])
    sync_keyword_index(store, index)
    assert ids(index, "", SearchSort.UPVOTES)[0] == "2601.00001"


def test_sync_crash_after_commit_before_state_loses_nothing(
    store: PaperStore, index: TantivyKeywordIndex, tmp_path: Path
) -> None:
    store.upsert_papers(PAPERS[:1])
    sync_keyword_index(store, index, clock=later)
    saved = tmp_path / "state-before.json"
    shutil.copy(index.path / STATE_FILE, saved)
    store.upsert_papers(PAPERS[1:])
    sync_keyword_index(store, index, clock=later)
    shutil.copy(saved, index.path / STATE_FILE)  # as if killed between commit and state write
    assert sync_keyword_index(store, index, clock=later).indexed_count == 2
    assert index.document_count() == 3
    assert set(ids(index, "networks")) == {"2601.00001", "2601.00002"}


class FailingStore:
    """The real store, until the sync has read `pages` pages: then the database goes away."""

    def __init__(self, store: PaperStore, pages: int) -> None:
        self.store, self.pages = store, pages

    def count_papers_for_index(self, after: SyncPosition | None) -> int:
        return self.store.count_papers_for_index(after)

    def papers_for_index(self, after: SyncPosition | None, limit: int) -> list[IndexDocument]:
        if self.pages == 0:
            raise ConnectionError("database went away")
        self.pages -= 1
        return self.store.papers_for_index(after, limit)


def test_sync_killed_midway_resumes_after_its_last_commit(
    store: PaperStore, index: TantivyKeywordIndex
) -> None:
    store.upsert_papers(PAPERS)
    failing = FailingStore(store, pages=2)
    with pytest.raises(ConnectionError):
        sync_keyword_index(failing, index, batch=1, commit_every=1, clock=later)  # type: ignore[arg-type]
    assert index.document_count() == 2
    assert sync_keyword_index(store, index, clock=later).indexed_count == 1
    assert index.document_count() == 3


def test_rebuild_starts_over(store: PaperStore, index: TantivyKeywordIndex) -> None:
    store.upsert_papers(PAPERS)
    sync_keyword_index(store, index, clock=later)
    report = sync_keyword_index(store, index, rebuild=True, clock=later)
    assert (report.indexed_count, report.rebuilt) == (3, True)
    assert index.document_count() == 3


def test_sync_of_an_empty_store_makes_an_empty_index(
    store: PaperStore, index: TantivyKeywordIndex
) -> None:
    assert sync_keyword_index(store, index).indexed_count == 0
    assert index.search(parse_query("anything"), SearchFilters(), 5) == []


def test_index_keyword_task_feeds_the_deps_index(deps: Deps) -> None:
    deps.store.upsert_papers(PAPERS)
    result = run_task(deps, "index.keyword", {})
    assert result["indexed"] == 3
    found = deps.keywords.search(parse_query("diffusion"), SearchFilters(), 5)
    assert [hit.arxiv_id for hit in found] == ["2601.00003"]


def test_cli_index_sync_and_rebuild(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"

    def run(*args: str) -> str:
        result = CliRunner().invoke(cli, ["--database-url", url, *args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.stdout

    run("db", "upgrade")
    run("sample", "load")
    synced = json.loads(run("index", "sync", "--json"))
    assert synced["keyword"]["indexed"] > 500
    assert "keyword:" in run("index", "rebuild")
    assert (tmp_path / "cli.sqlite3.indexes" / "keyword" / STATE_FILE).exists()
