"""The embed job on both engines: only new and changed papers, batch by batch, resumable."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner, Result
from numpy.typing import NDArray

from paperboy.app import build_deps
from paperboy.cli import cli
from paperboy.domain.models import PaperRecord
from paperboy.embeddings import HashingEmbedder
from paperboy.jobs.tasks import run_task
from paperboy.services.embedding import embed_new_papers
from paperboy.services.ingest import ingest
from paperboy.services.ports import PaperStore
from paperboy.sources.daily_papers import DailyPapersFiles
from paperboy.storage.embeddings import SqlEmbeddingStore
from paperboy.storage.engine import make_engine
from paperboy.storage.papers import SqlPaperStore

from .conftest import DATA, make_settings

DAY = DATA / "daily-papers" / "2024-12-03.json"  # 25 real papers


class BrokenAfter:
    """A real embedder that dies (like a killed process) once it has embedded `batches` batches."""

    def __init__(self, batches: int) -> None:
        self.inner = HashingEmbedder()
        self.name, self.dimension = self.inner.name, self.inner.dimension
        self.batches = batches

    def embed_documents(self, texts: Sequence[str]) -> NDArray[np.float32]:
        if self.batches == 0:
            raise KeyboardInterrupt
        self.batches -= 1
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> NDArray[np.float32]:
        return self.inner.embed_query(text)


class RecordingProgress:
    """A `Progress` that remembers what it was told."""

    def __init__(self) -> None:
        self.total: int | None = None
        self.advances: list[int] = []
        self.finished = False

    def start(self, total: int | None, label: str) -> None:
        self.total = total

    def advance(self, count: int) -> None:
        self.advances.append(count)

    def finish(self) -> None:
        self.finished = True


@pytest.fixture
def stores(database_url: str) -> Iterator[tuple[PaperStore, SqlEmbeddingStore]]:
    engine = make_engine(database_url)
    papers = SqlPaperStore(engine)
    assert ingest(papers, DailyPapersFiles([DAY])).rejected == 0
    yield papers, SqlEmbeddingStore(engine)
    engine.dispose()


def test_embed_job_embeds_every_paper_in_batches(stores) -> None:  # type: ignore[no-untyped-def]
    _, store = stores
    progress = RecordingProgress()
    report = embed_new_papers(store, HashingEmbedder(), batch_size=10, progress=progress)
    assert (report.embedded_count, report.skipped_count) == (25, 0)
    assert progress.total == 25
    assert progress.advances == [10, 10, 5]
    assert progress.finished
    assert store.embedding_counts("hashing-v1") == (25, 0)


def test_embed_job_second_run_embeds_nothing(stores) -> None:  # type: ignore[no-untyped-def]
    _, store = stores
    embed_new_papers(store, HashingEmbedder())
    report = embed_new_papers(store, HashingEmbedder())
    assert (report.embedded_count, report.skipped_count) == (0, 25)


def test_embed_job_reembeds_only_a_changed_paper(stores) -> None:  # type: ignore[no-untyped-def]
    papers, store = stores
    embed_new_papers(store, HashingEmbedder())
    paper = papers.paper("2412.00568")
    assert paper is not None
    changed = PaperRecord(
        arxiv_id=paper.arxiv_id, title=paper.title, abstract="A new abstract.", version=9
    )
    papers.upsert_papers([changed])
    report = embed_new_papers(store, HashingEmbedder())
    assert (report.embedded_count, report.skipped_count) == (1, 24)
    ids, matrix, _ = store.embeddings_after("hashing-v1", 0, 100)
    row = matrix[ids.index("2412.00568")]
    expected = HashingEmbedder().embed_query(f"{paper.title}. A new abstract.")
    np.testing.assert_array_equal(row, expected)


def test_embed_job_killed_midway_resumes_where_it_stopped(stores) -> None:  # type: ignore[no-untyped-def]
    _, store = stores
    with pytest.raises(KeyboardInterrupt):
        embed_new_papers(store, BrokenAfter(batches=2), batch_size=8)
    assert store.embedding_counts("hashing-v1") == (16, 9)
    progress = RecordingProgress()
    report = embed_new_papers(store, HashingEmbedder(), batch_size=8, progress=progress)
    assert (report.embedded_count, report.skipped_count, progress.total) == (9, 16, 9)
    assert len(store.embeddings_after("hashing-v1", 0, 100)[0]) == 25


def test_embed_job_stops_at_the_limit(stores) -> None:  # type: ignore[no-untyped-def]
    _, store = stores
    progress = RecordingProgress()
    report = embed_new_papers(store, HashingEmbedder(), batch_size=4, limit=6, progress=progress)
    assert report.embedded_count == 6
    assert (progress.total, progress.advances) == (6, [4, 2])


def test_embed_job_refuses_an_empty_batch(stores) -> None:  # type: ignore[no-untyped-def]
    _, store = stores
    with pytest.raises(ValueError, match="batch_size"):
        embed_new_papers(store, HashingEmbedder(), batch_size=0)


def test_embed_task_runs_through_the_deps(sqlite_url: str) -> None:
    deps = build_deps(make_settings(sqlite_url), embedder=HashingEmbedder())
    ingest(deps.store, DailyPapersFiles([DAY]))
    result = run_task(deps, "embed.papers", {"batch_size": 5})
    assert (result["embedded"], result["model"]) == (25, "hashing-v1")


def cli_run(url: str, *args: str, env: dict[str, str] | None = None) -> Result:
    runner = CliRunner(env=env)
    return runner.invoke(cli, ["--database-url", url, *args], catch_exceptions=False)


@pytest.fixture
def cli_db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    assert cli_run(url, "db", "upgrade").exit_code == 0
    assert cli_run(url, "ingest", "daily-papers", str(DAY)).exit_code == 0
    return url


def test_embed_cli_with_the_hashing_embedder(cli_db: str) -> None:
    env = {"PAPERBOY_EMBEDDER": "hashing"}
    first = cli_run(cli_db, "embed", "--batch-size", "10", env=env)
    assert first.exit_code == 0, first.output
    assert "embedded 25  already current 0" in first.output
    again = json.loads(cli_run(cli_db, "embed", "--json", env=env).stdout)
    assert (again["embedded"], again["skipped"], again["model"]) == (0, 25, "hashing-v1")


def test_embed_cli_queues_a_job(cli_db: str) -> None:
    result = cli_run(cli_db, "embed", "--queue", env={"PAPERBOY_EMBEDDER": "hashing"})
    assert "queued job" in result.output
    listing = cli_run(cli_db, "jobs", "list", "--json")
    assert [job["task"] for job in json.loads(listing.stdout)] == ["embed.papers"]


def test_embed_cli_with_the_real_model_on_a_few_papers(cli_db: str) -> None:
    result = cli_run(cli_db, "embed", "--limit", "3", "--json", env={"PAPERBOY_EMBEDDER": "minilm"})
    report = json.loads(result.stdout)
    assert (report["embedded"], report["model"]) == (3, "all-MiniLM-L6-v2-int8")
    engine = make_engine(cli_db)
    ids, matrix, _ = SqlEmbeddingStore(engine).embeddings_after("all-MiniLM-L6-v2-int8", 0, 10)
    engine.dispose()
    assert len(ids) == 3
    np.testing.assert_allclose(np.linalg.norm(matrix, axis=1), 1.0, atol=1e-5)
