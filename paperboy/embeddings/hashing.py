"""A tiny deterministic embedder for tests and demos: hashed words and word pairs, no model."""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

_WORD = re.compile(r"\w+")
BIGRAM_WEIGHT = 0.5
"""Word pairs count half a word: they add order without drowning the shared vocabulary."""


class HashingEmbedder:
    """Texts that share words get close vectors; the same text always gets the same vector.

    Each lowercased word and each pair of neighbouring words is hashed (blake2b, so the result
    does not depend on Python's per-process hash seed) to a coordinate and a sign; the counts
    are L2-normalised. A text without words gets the vector of the empty-text feature.
    """

    name = "hashing-v1"

    def __init__(self, dimension: int = 384) -> None:
        self.dimension = dimension

    def embed_documents(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """One unit vector per text, in the order given."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            out[row] = self.embed_query(text)
        return out

    def embed_query(self, text: str) -> NDArray[np.float32]:
        """The unit vector of one text."""
        vector = np.zeros(self.dimension, dtype=np.float32)
        for feature, weight in _features(text):
            index, sign = _slot(feature, self.dimension)
            vector[index] += sign * weight
        norm = float(np.linalg.norm(vector))
        if norm == 0.0:  # only possible if every feature cancelled out
            index, sign = _slot("", self.dimension)
            vector[index] = sign
            norm = 1.0
        return vector / norm


def _features(text: str) -> list[tuple[str, float]]:
    words = _WORD.findall(text.lower())
    if not words:
        return [("", 1.0)]
    pairs = [(f"{a} {b}", BIGRAM_WEIGHT) for a, b in itertools.pairwise(words)]
    return [(w, 1.0) for w in words] + pairs


@lru_cache(maxsize=65536)
def _slot(feature: str, dimension: int) -> tuple[int, float]:
    digest = hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest()
    number = int.from_bytes(digest, "little")
    return number % dimension, 1.0 if (number >> 63) & 1 else -1.0
