"""Search with the real bundled model (ONNX MiniLM) over 137 real papers, through `build_deps`.

Slow-ish (the papers are embedded once per module, a few seconds on two idle cores), and the
one place where "finds papers by meaning" is checked with the model users get.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from paperboy.app import Deps, build_deps, run_search
from paperboy.domain.search import SearchRequest, SearchResult, parse_query
from paperboy.services.embedding import embed_new_papers
from paperboy.services.indexing import sync_keyword_index
from paperboy.storage.engine import make_engine
from paperboy.storage.migrations import upgrade
from tests.conftest import make_settings
from tests.support.search_corpus import load_recorded_papers

TITLES = {
    "2509.01106": "Robix: A Unified Model for Robot Interaction, Reasoning and Planning",
    "2608.19799": "SWE-bench Science: Can Coding Agents Resolve Engineering Tasks in Scientific",
    "2607.26115": "GPT-Red: Automated Red Teaming via Self-Play at Scale",
    "2411.19189": "Video Depth without Video Models",
}
PARAPHRASES = {
    "one model that lets a robot talk with people, reason about a task and plan what to do": (
        "2509.01106"
    ),
    "a benchmark of coding agents fixing engineering problems in scientific software": (
        "2608.19799"
    ),
    "teaching a vision language action model to run fast enough for real time control": (
        "2607.27205"
    ),
    "red teaming language models automatically with self play": "2607.26115",
}


@pytest.fixture(scope="module")
def deps(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deps]:
    folder: Path = tmp_path_factory.mktemp("model-search")
    url = f"sqlite:///{folder / 'papers.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    built = build_deps(make_settings(url, embedder="minilm", index_dir=str(folder / "indexes")))
    load_recorded_papers(built.store)
    sync_keyword_index(built.store, built.keywords)  # type: ignore[arg-type]
    embed_new_papers(built.embeddings, built.embedder)
    built.vectors.sync()
    yield built


def searched(deps: Deps, text: str) -> SearchResult:
    return run_search(deps, SearchRequest(parse_query(text), limit=5))


@pytest.mark.parametrize(("arxiv_id", "title"), TITLES.items())
def test_model_finds_a_paper_by_its_own_title_first(deps: Deps, arxiv_id: str, title: str) -> None:
    assert searched(deps, title).hits[0].paper.arxiv_id == arxiv_id
    nearest = deps.vectors.nearest(deps.embedder.embed_query(title), 1)
    assert nearest[0].arxiv_id == arxiv_id  # the model alone, no keyword or pin


@pytest.mark.parametrize(("question", "arxiv_id"), PARAPHRASES.items())
def test_model_finds_the_paper_a_paraphrase_describes(
    deps: Deps, question: str, arxiv_id: str
) -> None:
    result = searched(deps, question)
    assert result.degraded is None
    assert result.hits[0].paper.arxiv_id == arxiv_id
    assert result.hits[0].vector_rank is not None and result.hits[0].vector_rank <= 2
