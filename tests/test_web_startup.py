"""Start-up work of the web app: the search model is loaded before the first search needs it."""

from __future__ import annotations

import threading

import numpy as np
from fastapi.testclient import TestClient
from numpy.typing import NDArray

from paperboy.app import build_deps
from paperboy.config import Settings
from paperboy.embeddings.hashing import HashingEmbedder
from paperboy.web.app import create_app


class WatchedEmbedder(HashingEmbedder):
    """The test embedder, noting each query it embeds (a fake passed in, not a patch)."""

    def __init__(self) -> None:
        super().__init__()
        self.queries: list[str] = []
        self.embedded = threading.Event()

    def embed_query(self, text: str) -> NDArray[np.float32]:
        self.queries.append(text)
        self.embedded.set()
        return super().embed_query(text)


def test_startup_warms_the_query_embedder(settings: Settings) -> None:
    embedder = WatchedEmbedder()
    app = create_app(build_deps(settings, embedder=embedder))
    with TestClient(app):
        assert embedder.embedded.wait(timeout=10)
    assert embedder.queries == ["warm up"]


def runner_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "paperboy-jobs"]


def test_startup_runs_jobs_only_when_asked(settings: Settings) -> None:
    for run_jobs in (False, True):
        app = create_app(build_deps(settings, embedder=WatchedEmbedder()), run_jobs=run_jobs)
        with TestClient(app) as client:
            assert client.get("/api/daily_papers").status_code == 200
            assert len(runner_threads()) == int(run_jobs)
        assert runner_threads() == []
