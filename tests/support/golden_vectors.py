"""The bundled model's vectors of a few fixed texts, stored once so a rebuilt graph can be held
to them bit for bit (`tests/data/minilm-golden.json`, checked by `test_embeddings_onnx.py`).

The stored vectors are the ones every embedded paper was made with. Rewrite them only when the
model deliberately changes (and then re-embed every paper):

    .venv/bin/python -m tests.support.golden_vectors
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from paperboy.embeddings import OnnxEmbedder

GOLDEN = Path(__file__).parents[1] / "data" / "minilm-golden.json"
DAY = Path(__file__).parents[1] / "data" / "daily-papers" / "2024-12-03.json"


def golden_texts() -> list[str]:
    """Short and long real texts (titles, title + abstract as the embed job joins them, one past
    the 256-token cut) and odd ones (empty, emoji and LaTeX)."""
    papers = json.loads(DAY.read_text("utf-8"))[:3]
    texts = []
    for item in papers:
        title = " ".join(item["paper"]["title"].split())
        abstract = " ".join(item["paper"]["summary"].split())
        texts += [title, f"{title}. {abstract}"]
    texts.append(" ".join(texts[1::2]))  # three abstracts: past MAX_TOKENS, cut
    return [*texts, "graph", "", "LLM 🙂 $x^2$"]


def main() -> None:
    texts = golden_texts()
    embedder = OnnxEmbedder.bundled()
    vectors = embedder.embed_documents(texts)
    # float32 -> float is exact, and json writes the shortest repr that reads back the same
    rows = [json.dumps([float(x) for x in row]) for row in vectors.astype(np.float32)]
    GOLDEN.write_text(
        "{\n"
        f' "model": {json.dumps(embedder.name)},\n'
        f' "texts": {json.dumps(texts, ensure_ascii=False, indent=2)},\n'
        ' "vectors": [\n  ' + ",\n  ".join(rows) + "\n ]\n}\n",
        "utf-8",
    )
    print(f"wrote {len(texts)} vectors to {GOLDEN}")


if __name__ == "__main__":
    main()
