"""The bundled all-MiniLM-L6-v2 (ONNX, dynamic int8) run by ONNX Runtime on the CPU, offline.

The graph is the plain BERT encoder (see `model/README.md` and `scripts/build_model.py`); the
sentence-transformers head is done here: mean pooling over the real tokens, then L2 normalisation.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime
from numpy.typing import NDArray
from tokenizers import Encoding, Tokenizer

MODEL_DIR = Path(__file__).parent / "model"
MAX_TOKENS = 256
"""Word pieces kept per text, as the original model (`max_seq_length` 256); the rest is cut."""
INNER_BATCH = 1
"""Texts per ONNX Runtime call. One: measured as fast as 4 or 16 length-sorted texts (the model
is compute-bound at 2 cores), no padding at all, and a text's vector never depends on its
batch-mates (dynamic int8 picks its activation scale per call: batch-mates moved a vector by up
to 0.008 in cosine)."""


class OnnxEmbedder:
    """Sentence vectors from the bundled int8 MiniLM: 384 float32 numbers, L2-normalised.

    Cheap to construct: the tokenizer and the inference sessions load on first use (or `load()`),
    so building the app's dependencies costs nothing until something is embedded. Documents and
    queries run on two sessions of the same model, each opened only where it is used (the embed
    job never opens the query one, a web process never the documents one).
    """

    name = "all-MiniLM-L6-v2-int8"
    dimension = 384

    def __init__(self, model_path: Path, tokenizer_path: Path, threads: int | None = None) -> None:
        self.model_path = model_path
        self.tokenizer_path = tokenizer_path
        self.threads = threads or _cores()
        self._lock = threading.Lock()
        self._tokenizer: Tokenizer | None = None
        self._sessions: dict[bool, Any] = {}

    @classmethod
    def bundled(cls, threads: int | None = None) -> OnnxEmbedder:
        """The model shipped inside the package; `threads` defaults to the usable cores."""
        return cls(MODEL_DIR / "model.onnx", MODEL_DIR / "tokenizer.json", threads)

    def load(self) -> None:
        """Open the tokenizer and both inference sessions now (else on first use of each)."""
        self._session(queries=False)
        self._session(queries=True)

    def embed_documents(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """One unit vector per text, in the order given.

        Texts are sorted by token count and run `INNER_BATCH` at a time, so a batch pads to a
        length close to each of its texts; the rows are put back in the caller's order.
        """
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        session = self._session(queries=False)
        encodings = self._tokens().encode_batch(list(texts))
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        for start in range(0, len(order), INNER_BATCH):
            rows = order[start : start + INNER_BATCH]
            out[rows] = _embed_encoded(session, [encodings[i] for i in rows])
        return out

    def embed_query(self, text: str) -> NDArray[np.float32]:
        """The unit vector of one text (a search query): the same numbers `embed_documents` gives.

        When no other task is waiting for a core, it runs on a second session of the same model
        whose threads spin while a run lasts (and stop when it ends): a search waits on this,
        and waking a sleeping thread for each of the model's parallel steps cost more than a
        short query's arithmetic (p50 -12 % idle, measured). When the cores are busy, spinning
        threads only take turns from the ones doing the work (p50 x2-3 at load 4, measured),
        so the query runs on the documents' session, whose threads sleep.
        """
        spin = cores_are_free(_runnable_tasks(), _cores())
        vectors = _embed_encoded(self._session(queries=spin), [self._tokens().encode(text)])
        return np.ascontiguousarray(vectors[0])

    def _tokens(self) -> Tokenizer:
        with self._lock:
            if self._tokenizer is None:
                tokenizer = Tokenizer.from_file(str(self.tokenizer_path))
                tokenizer.enable_truncation(MAX_TOKENS)
                tokenizer.no_padding()
                self._tokenizer = tokenizer
            return self._tokenizer

    def _session(self, *, queries: bool) -> Any:
        with self._lock:
            if queries not in self._sessions:
                self._sessions[queries] = onnxruntime.InferenceSession(
                    str(self.model_path),
                    _session_options(self.threads, spinning=queries),
                    ["CPUExecutionProvider"],
                )
            return self._sessions[queries]


def _embed_encoded(session: Any, encodings: list[Encoding]) -> NDArray[np.float32]:
    width = max(len(e.ids) for e in encodings)
    ids = np.zeros((len(encodings), width), dtype=np.int64)
    mask = np.zeros((len(encodings), width), dtype=np.int64)
    for row, encoding in enumerate(encodings):
        ids[row, : len(encoding.ids)] = encoding.ids
        mask[row, : len(encoding.ids)] = 1
    feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
    inputs = {i.name: feeds[i.name] for i in session.get_inputs()}
    hidden = session.run(None, inputs)[0]
    return mean_pooled(hidden, mask)


def mean_pooled(hidden: NDArray[np.float32], mask: NDArray[np.int64]) -> NDArray[np.float32]:
    """Average of the real tokens' vectors (padding excluded), scaled to unit length."""
    weights = mask[:, :, None].astype(np.float32)
    pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
    norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
    unit: NDArray[np.float32] = (pooled / norms).astype(np.float32)
    return unit


def _session_options(threads: int, *, spinning: bool = False) -> Any:
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3  # warnings about the quantised graph are expected noise
    # Documents: idle worker threads sleep instead of spinning: with the web server and other
    # jobs on the same cores, spinning doubled the CPU time per abstract (0.15 s vs 0.07 s).
    # Queries: they spin between the steps of one run, and stop when the run ends.
    options.add_session_config_entry("session.intra_op.allow_spinning", "1" if spinning else "0")
    if spinning:
        options.add_session_config_entry("session.force_spinning_stop", "1")
    return options


def cores_are_free(runnable: int | None, cores: int) -> bool:
    """Whether no task is waiting for a core: at most one runnable task per core (ourselves
    included). Unknown (not Linux): no, so nothing spins."""
    return runnable is not None and runnable <= cores


def _runnable_tasks() -> int | None:
    """Tasks running or ready to run right now, machine-wide (Linux's /proc/loadavg)."""
    try:
        with open("/proc/loadavg", "rb") as loadavg:
            return int(loadavg.read().split()[3].split(b"/")[0])
    except (OSError, ValueError, IndexError):
        return None


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
