"""Keyword search on tantivy: BM25 over title, abstract and authors, with filters and sorts.

Queries come from `keyword_query` (the Query API, never tantivy's parser). The index is derived
data: `paperboy index rebuild` recreates it from the database at any time.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import threading
import time
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import tantivy

from paperboy.domain.indexing import IndexDocument, SyncPosition, SyncState
from paperboy.domain.search import ParsedQuery, Scored, SearchFilters, SearchSort
from paperboy.indexes.keyword_query import STEMMED, TITLE_BOOST, QueryTranslator

SCHEMA_VERSION = 2  # 2: tantivy's built-in en_stem analyser
RELOAD_SECONDS = 1.0
STATE_FILE = "sync.json"


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("arxiv_id", stored=True, tokenizer_name="raw")
    builder.add_text_field("title", tokenizer_name=STEMMED)
    builder.add_text_field("abstract", tokenizer_name=STEMMED)
    builder.add_text_field("authors", tokenizer_name="default")
    builder.add_text_field("categories", tokenizer_name="raw")
    builder.add_date_field("published", indexed=True, fast=True)
    builder.add_boolean_field("has_code", indexed=True, fast=True)
    builder.add_boolean_field("on_daily_list", indexed=True, fast=True)
    builder.add_integer_field("upvotes", fast=True)
    return builder.build()


class TantivyKeywordIndex:
    """`KeywordIndex` on a tantivy index in `path`, plus the writing side its sync uses.

    Readers reload at most once a second, so a web worker sees another process's commits
    without paying for a reload on every search.
    """

    def __init__(
        self,
        path: Path,
        *,
        reload_seconds: float = RELOAD_SECONDS,
        title_boost: float = TITLE_BOOST,
        writer_threads: int = 1,
        writer_heap: int = 128_000_000,
    ) -> None:
        self.path = path
        self._reload_seconds = reload_seconds
        self._schema = _schema()
        self._translator = QueryTranslator(self._schema, title_boost=title_boost)
        self._writer_threads = writer_threads
        self._writer_heap = writer_heap
        self._index: tantivy.Index | None = None
        self._checked = 0.0
        self._lock = threading.Lock()

    # ---- reading

    def search(
        self,
        query: ParsedQuery,
        filters: SearchFilters,
        limit: int,
        sort: SearchSort = SearchSort.RELEVANCE,
    ) -> list[Scored]:
        """arXiv ids best first: BM25 for relevance, else newest or most upvoted among matches.

        Relevance needs any word (phrases always must match); the other orders need every word,
        so they list only real matches. An empty query lists the filters' matches, newest first.
        """
        index = self._reader()
        if index is None or limit <= 0:
            return []
        searcher = index.searcher()
        ranked = sort is SearchSort.RELEVANCE and not query.is_empty
        built = self._translator.translate(query, filters, searcher, every_term=not ranked)
        if ranked:
            result = searcher.search(built, limit, count=False)
        else:
            field = "upvotes" if sort is SearchSort.UPVOTES else "published"
            result = searcher.search(built, limit, count=False, order_by_field=field)
        scale = 1e-9 if sort is not SearchSort.UPVOTES and not ranked else 1.0  # ns -> s
        return [
            Scored(searcher.doc(address)["arxiv_id"][0], float(key or 0) * scale)
            for key, address in result.hits
        ]

    def document_count(self) -> int:
        index = self._reader()
        return 0 if index is None else int(index.searcher().num_docs)

    def _reader(self) -> tantivy.Index | None:
        now = time.monotonic()
        if now - self._checked < self._reload_seconds and self._checked:
            return self._index
        with self._lock:
            self._checked = now
            if self._index is None:
                if not (self.path / "meta.json").exists():
                    return None
                self._index = self._open()
            else:
                self._index.reload()
        return self._index

    def _open(self) -> tantivy.Index:
        self.path.mkdir(parents=True, exist_ok=True)
        return tantivy.Index(self._schema, path=str(self.path), reuse=True)

    # ---- writing

    @contextlib.contextmanager
    def writing(self, *, fresh: bool = False) -> Iterator[TantivyIndexWriter]:
        """A writer holding the index's lock; changes not committed before exit are dropped.

        `fresh` starts from an empty index: the old one stays searchable until the first
        commit (an index built by another schema version is deleted first).
        """
        built_by = _read_state(self.path).get("schema", SCHEMA_VERSION)
        if built_by != SCHEMA_VERSION:
            if not fresh:
                raise IndexSchemaChanged(f"{self.path} was built by another version: rebuild it")
            self._remove()
        try:
            writer = self._open().writer(self._writer_heap, self._writer_threads)
        except ValueError as error:
            if "LockBusy" not in str(error):
                raise
            raise IndexBusy(
                f"another sync is writing {self.path}; try again when it ends"
            ) from error
        session = TantivyIndexWriter(writer, self.path)
        if fresh:
            session.clear()
        try:
            yield session
        except BaseException:
            writer.rollback()
            raise
        finally:
            writer.wait_merging_threads()  # also releases the lock
            self._checked = 0.0

    def _remove(self) -> None:
        with self._lock:
            self._index = None
            self._checked = 0.0
        shutil.rmtree(self.path, ignore_errors=True)


class IndexSchemaChanged(RuntimeError):
    """The index on disk was built with another schema; it must be rebuilt."""


class IndexBusy(RuntimeError):
    """Another process (or session) holds the index's write lock."""


class TantivyIndexWriter:
    """One writing session: replace documents, clear, and commit with the sync state."""

    def __init__(self, writer: tantivy.IndexWriter, path: Path) -> None:
        self._writer = writer
        self._path = path

    def state(self) -> SyncState:
        """The position and start time of the last committed sync (nothing for a new index)."""
        saved = _read_state(self._path)
        position = saved.get("position")
        started = saved.get("started_at")
        return SyncState(
            SyncPosition(datetime.fromisoformat(position[0]), int(position[1]))
            if position
            else None,
            datetime.fromisoformat(started) if started else None,
        )

    def replace(self, documents: Sequence[IndexDocument]) -> None:
        """Add each document, first deleting any earlier copy with the same arXiv id."""
        for document in documents:
            self._writer.delete_documents_by_term("arxiv_id", document.arxiv_id)
            self._writer.add_document(self._document(document))

    def clear(self) -> None:
        """Delete every document (takes effect at the next commit)."""
        self._writer.delete_all_documents()

    def commit(self, state: SyncState) -> None:
        """Make the changes durable, then record `state`; a crash in between only repeats work."""
        self._writer.commit()
        _write_state(self._path, state)

    def _document(self, paper: IndexDocument) -> tantivy.Document:
        document = tantivy.Document(
            arxiv_id=paper.arxiv_id,
            title=paper.title,
            abstract=paper.abstract,
            authors=list(paper.authors),
            categories=_categories(paper.categories),
            has_code=paper.has_code,
            on_daily_list=paper.on_daily_list,
            upvotes=paper.upvote_count,
        )
        if paper.published_at is not None:
            document.add_date("published", paper.published_at)
        return document


def _categories(categories: Sequence[str]) -> list[str]:
    """Each category, lower-cased, and its archive (`cs.CL` is found as `cs.cl` and as `cs`)."""
    found = {c.lower() for c in categories} | {c.lower().split(".")[0] for c in categories}
    return sorted(found)


def _read_state(path: Path) -> dict[str, Any]:
    try:
        loaded = json.loads((path / STATE_FILE).read_text())
    except FileNotFoundError:
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _write_state(path: Path, state: SyncState) -> None:
    """Write the sync state atomically: a temporary file, fsync, then rename over the old one."""
    position = state.position
    payload = {
        "schema": SCHEMA_VERSION,
        "position": [position.modified_at.isoformat(), position.paper_id] if position else None,
        "started_at": state.started_at.isoformat() if state.started_at else None,
    }
    target = path / STATE_FILE
    temporary = target.with_suffix(".tmp")
    with temporary.open("w") as handle:
        json.dump(payload, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, target)
    directory = os.open(path, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
