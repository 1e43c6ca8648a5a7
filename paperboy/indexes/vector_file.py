"""The vector index on disk: one file holding the faiss index and which paper each row is.

A file is written beside its final name and renamed over it after an fsync, so a crash leaves the
old file or the new one, never a torn mix; the faiss part streams through a callback, so saving
a 1M-vector index needs no second copy of it in memory.
"""

from __future__ import annotations

import dataclasses
import json
import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import faiss
import numpy as np
from numpy.typing import NDArray

MAGIC = b"paperboy-vectors\x00\x01"
_LENGTH = struct.Struct("<Q")


@dataclass(frozen=True, slots=True)
class VectorFileHeader:
    """What the index holds: the model, the store position it has read up to, and its layout."""

    model: str
    dimension: int
    kind: str
    position: int


@dataclass(slots=True)
class LoadedVectors:
    """A whole index as read back: header, faiss index, arXiv id per row, live rows."""

    header: VectorFileHeader
    index: Any
    row_ids: list[str]
    live: NDArray[np.bool_]


def write_vectors(
    path: Path,
    header: VectorFileHeader,
    index: Any,
    row_ids: list[str],
    live: NDArray[np.bool_],
) -> None:
    """Replace the file at `path` atomically (write a temporary file, fsync, rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with temporary.open("wb") as file:
            file.write(MAGIC)
            _write_block(file, json.dumps(dataclasses.asdict(header)))
            _write_block(file, "\n".join(row_ids))
            _write_bytes(file, np.packbits(live).tobytes())
            writer = faiss.PyCallbackIOWriter(file.write)  # type: ignore[attr-defined]
            faiss.write_index(index, writer)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    _fsync_folder(path.parent)


def read_vectors(path: Path) -> LoadedVectors | None:
    """The index saved at `path`, or None if there is none or it is not one of ours."""
    try:
        file = path.open("rb")
    except FileNotFoundError:
        return None
    with file:
        if file.read(len(MAGIC)) != MAGIC:
            return None
        try:
            return _read_rest(file)
        except (EOFError, ValueError, TypeError, RuntimeError, struct.error):
            return None  # cut short or from another layout: rebuilt from the store


def _read_rest(file: BinaryIO) -> LoadedVectors | None:
    header = VectorFileHeader(**json.loads(_read_bytes(file)))
    text = _read_bytes(file).decode("utf-8")
    row_ids = text.split("\n") if text else []
    bits = np.frombuffer(_read_bytes(file), dtype=np.uint8)
    live = np.unpackbits(bits, count=len(row_ids)).astype(bool)
    reader = faiss.PyCallbackIOReader(file.read)  # type: ignore[attr-defined]
    index = faiss.read_index(reader)
    if index.ntotal != len(row_ids):
        return None
    return LoadedVectors(header, index, row_ids, live)


def _write_block(file: BinaryIO, text: str) -> None:
    _write_bytes(file, text.encode("utf-8"))


def _write_bytes(file: BinaryIO, data: bytes) -> None:
    file.write(_LENGTH.pack(len(data)))
    file.write(data)


def _read_bytes(file: BinaryIO) -> bytes:
    (length,) = _LENGTH.unpack(file.read(_LENGTH.size))
    data = file.read(length)
    if len(data) != length:
        raise EOFError("the vector index file is cut short")
    return data


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX: the directory entry lives in the folder)."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
