"""Sentence embedders: the bundled offline model, and a small deterministic one for tests."""

from __future__ import annotations

from paperboy.embeddings.hashing import HashingEmbedder
from paperboy.embeddings.onnx import OnnxEmbedder

__all__ = ["EMBEDDERS", "HashingEmbedder", "OnnxEmbedder", "embedder_for"]

EMBEDDERS = ("minilm", "hashing")
"""The values of the `embedder` setting."""


def embedder_for(settings_name: str) -> OnnxEmbedder | HashingEmbedder:
    """The embedder a setting names: minilm (bundled int8 MiniLM, loads lazily) or hashing."""
    if settings_name == "minilm":
        return OnnxEmbedder.bundled()
    if settings_name == "hashing":
        return HashingEmbedder()
    raise ValueError(f"unknown embedder {settings_name!r} (known: {', '.join(EMBEDDERS)})")
