"""The hashing embedder used by tests and demos: deterministic, unit length, word overlap counts."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from paperboy.embeddings import HashingEmbedder, embedder_for


def cosine(a: str, b: str) -> float:
    embedder = HashingEmbedder()
    return float(embedder.embed_query(a) @ embedder.embed_query(b))


def test_hashing_vectors_have_unit_length_and_the_asked_dimension() -> None:
    vectors = HashingEmbedder(dimension=64).embed_documents(["sparse attention", "graph networks"])
    assert vectors.shape == (2, 64)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-6)


def test_hashing_is_the_same_in_another_process() -> None:
    """blake2b, not Python's salted hash: vectors stored by one run match queries of the next."""
    code = (
        "import json; from paperboy.embeddings import HashingEmbedder;"
        "vector = HashingEmbedder().embed_query('state space models for EEG');"
        "print(json.dumps(vector.tolist()))"
    )
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    here = HashingEmbedder().embed_query("state space models for EEG").tolist()
    assert json.loads(other.stdout) == here


def test_hashing_shared_words_are_closer_than_unrelated_ones() -> None:
    query = "diffusion models for video generation"
    assert cosine(query, "video generation with latent diffusion models") > 0.5
    assert cosine(query, "keyphrase extraction from long documents") < 0.2


def test_hashing_word_order_counts_through_word_pairs() -> None:
    same = cosine("language model", "language model")
    swapped = cosine("language model", "model language")
    assert same == pytest.approx(1.0)
    assert 0.5 < swapped < 0.95


def test_hashing_ignores_case_and_punctuation() -> None:
    assert cosine("Graph Neural Networks!", "graph neural networks") == pytest.approx(1.0)


@pytest.mark.parametrize("text", ["", "   ", "?!…", "🙂"])
def test_hashing_text_without_words_gets_a_unit_vector(text: str) -> None:
    vector = HashingEmbedder().embed_query(text)
    assert float(np.linalg.norm(vector)) == pytest.approx(1.0)


def test_hashing_documents_match_queries() -> None:
    embedder = HashingEmbedder()
    texts = ["one paper", "another paper"]
    rows = embedder.embed_documents(texts)
    np.testing.assert_array_equal(rows[1], embedder.embed_query(texts[1]))
    assert embedder.embed_documents([]).shape == (0, 384)


def test_hashing_settings_name_gives_it_and_unknown_names_are_refused() -> None:
    assert embedder_for("hashing").name == "hashing-v1"
    with pytest.raises(ValueError, match="unknown embedder 'word2vec'"):
        embedder_for("word2vec")
