"""The bundled int8 MiniLM on 30 real papers: unit vectors, stable, finds papers by meaning."""

from __future__ import annotations

import json

import numpy as np
import pytest
from numpy.typing import NDArray

from paperboy.embeddings import OnnxEmbedder, embedder_for
from paperboy.embeddings.onnx import MAX_TOKENS, _embed_encoded, cores_are_free

from .conftest import DATA

DAYS = ("2024-11-29", "2024-12-03")  # 5 + 25 real papers, varied topics (see tests/data/README)


def real_papers() -> list[tuple[str, str, str]]:
    """(arXiv id, title, abstract) of the 30 papers of two recorded days."""
    papers = []
    for day in DAYS:
        for item in json.loads((DATA / "daily-papers" / f"{day}.json").read_text("utf-8")):
            paper = item["paper"]
            title, abstract = " ".join(paper["title"].split()), " ".join(paper["summary"].split())
            papers.append((paper["id"], title, abstract))
    return papers


PAPERS = real_papers()
IDS = [arxiv_id for arxiv_id, _, _ in PAPERS]


@pytest.fixture(scope="module")
def embedder() -> OnnxEmbedder:
    return OnnxEmbedder.bundled()


@pytest.fixture(scope="module")
def abstracts(embedder: OnnxEmbedder) -> NDArray[np.float32]:
    return embedder.embed_documents([abstract for _, _, abstract in PAPERS])


def test_onnx_corpus_is_thirty_distinct_papers() -> None:
    assert len(set(IDS)) == 30


def test_onnx_vectors_are_384_float32_of_unit_length(abstracts: NDArray[np.float32]) -> None:
    assert abstracts.shape == (30, 384)
    assert abstracts.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(abstracts, axis=1), 1.0, atol=1e-5)


def test_onnx_vectors_do_not_depend_on_batch_or_order(
    embedder: OnnxEmbedder, abstracts: NDArray[np.float32]
) -> None:
    texts = [abstract for _, _, abstract in PAPERS]
    reversed_rows = embedder.embed_documents(texts[::-1])[::-1]
    np.testing.assert_array_equal(reversed_rows, abstracts)
    np.testing.assert_array_equal(embedder.embed_query(texts[3]), abstracts[3])


def test_onnx_query_vectors_equal_document_vectors_bit_for_bit(embedder: OnnxEmbedder) -> None:
    """Queries run on a spinning session or the documents' one: both give the stored numbers."""
    texts = [title for _, title, _ in PAPERS] + ["graph", "spiking networks", "LLM 🙂 $x^2$"]
    documents = embedder.embed_documents(texts)
    tokens = [embedder._tokens().encode(text) for text in texts]
    for spinning in (True, False):
        session = embedder._session(queries=spinning)
        queries = np.concatenate([_embed_encoded(session, [encoded]) for encoded in tokens])
        np.testing.assert_array_equal(queries, documents)
    np.testing.assert_array_equal(np.stack([embedder.embed_query(t) for t in texts]), documents)


def test_onnx_vectors_are_the_stored_ones_bit_for_bit(embedder: OnnxEmbedder) -> None:
    """Every stored paper vector came from this model: a rebuilt graph must give the same numbers
    (tests/data/minilm-golden.json, written by tests.support.golden_vectors)."""
    golden = json.loads((DATA / "minilm-golden.json").read_text("utf-8"))
    expected = np.array(golden["vectors"], dtype=np.float32)
    assert golden["model"] == embedder.name
    assert expected.shape == (len(golden["texts"]), 384)
    np.testing.assert_array_equal(embedder.embed_documents(golden["texts"]), expected)
    queries = np.stack([embedder.embed_query(text) for text in golden["texts"]])
    np.testing.assert_array_equal(queries, expected)


@pytest.mark.parametrize(
    ("runnable", "cores", "free"), [(1, 2, True), (2, 2, True), (3, 2, False), (None, 8, False)]
)
def test_onnx_queries_spin_only_while_no_task_waits_for_a_core(
    runnable: int | None, cores: int, free: bool
) -> None:
    assert cores_are_free(runnable, cores) is free


def test_onnx_own_title_is_nearest_to_own_abstract(
    embedder: OnnxEmbedder, abstracts: NDArray[np.float32]
) -> None:
    titles = embedder.embed_documents([title for _, title, _ in PAPERS])
    nearest = np.argmax(titles @ abstracts.T, axis=1)
    assert [IDS[i] for i in nearest] == IDS


@pytest.mark.parametrize(
    ("question", "arxiv_id"),
    [
        ("recovering the photo of a garment from a picture of someone wearing it", "2411.18350"),
        ("which key phrases summarise a very lengthy text", "2411.17863"),
        (
            "datasets of fluid dynamics and astrophysics simulations to train surrogates",
            "2412.00568",
        ),
        ("spotting hateful speech in recordings of languages with little data", "2412.01408"),
        ("more sampling at inference makes an LLM fail less often, with a proof", "2411.19477"),
    ],
)
def test_onnx_paraphrased_question_finds_the_paper(
    embedder: OnnxEmbedder, abstracts: NDArray[np.float32], question: str, arxiv_id: str
) -> None:
    scores = abstracts @ embedder.embed_query(question)
    assert IDS[int(np.argmax(scores))] == arxiv_id


def test_onnx_long_text_is_cut_at_max_tokens(embedder: OnnxEmbedder) -> None:
    head = " ".join(["graph"] * (MAX_TOKENS - 2))  # [CLS] and [SEP] take two of the 256
    longer = head + " " + " ".join(["ocean"] * 5000)
    np.testing.assert_array_equal(embedder.embed_query(longer), embedder.embed_query(head))


@pytest.mark.parametrize("text", ["", "   ", "🙂🙂", "$\\int_0^1 x\\,dx$", "a" * 10_000])
def test_onnx_odd_text_still_gets_a_unit_vector(embedder: OnnxEmbedder, text: str) -> None:
    vector = embedder.embed_query(text)
    assert vector.shape == (384,)
    assert abs(float(np.linalg.norm(vector)) - 1.0) < 1e-5


def test_onnx_no_texts_give_an_empty_matrix(embedder: OnnxEmbedder) -> None:
    assert embedder.embed_documents([]).shape == (0, 384)


def test_onnx_settings_name_gives_the_bundled_model() -> None:
    embedder = embedder_for("minilm")
    assert isinstance(embedder, OnnxEmbedder)
    assert (embedder.name, embedder.dimension) == ("all-MiniLM-L6-v2-int8", 384)
    assert embedder.model_path.stat().st_size > 20_000_000
