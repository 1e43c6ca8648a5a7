"""Paper vectors in the database: which papers need embedding, saving vectors, reading them back.

The text embedded for a paper is its title, ". ", then its abstract; a vector is current while
the sha256 of title + "\\n" + abstract still matches the one saved with it, so a changed title or
abstract is embedded again and nothing else is (`paperboy.domain.embedding`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Connection, Engine, LargeBinary, and_, select, text, type_coerce

from paperboy.domain.embedding import EmbeddingTask, content_hash, embedding_task
from paperboy.storage.engine import write_transaction
from paperboy.storage.schema import (
    EMBEDDING_DIMENSION,
    metadata,
    paper_embeddings,
    papers,
    revisions,
)

SCAN_CHUNK = 2_000
"""Papers read per query while looking for missing or stale vectors."""
HNSW_M, HNSW_EF_CONSTRUCTION = 16, 64
"""pgvector's HNSW graph: neighbours per node and build-time candidate list (its defaults)."""


class SqlEmbeddingStore:
    """`EmbeddingStore` on SQLite (float32 BLOBs) and PostgreSQL (pgvector `vector(384)`)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def papers_to_embed(self, model: str, after_id: int, limit: int) -> list[EmbeddingTask]:
        """Up to `limit` papers after paper id `after_id` whose `model` vector is missing or stale.

        In paper id order, so a caller passes the last task's `paper_id` to get the next ones.
        """
        tasks: list[EmbeddingTask] = []
        chunk = min(SCAN_CHUNK, 2 * limit)  # grows while most papers turn out current
        while len(tasks) < limit:
            rows = self._scan(model, after_id, chunk)
            for row in rows:
                task = embedding_task(row.id, row.arxiv_id, row.title, row.abstract)
                if task.content_hash != row.content_hash:
                    tasks.append(task)
                    if len(tasks) == limit:
                        return tasks
            if len(rows) < chunk:
                break
            after_id = rows[-1].id
            chunk = min(SCAN_CHUNK, 2 * chunk)
        return tasks

    def save_embeddings(
        self, model: str, tasks: Sequence[EmbeddingTask], vectors: NDArray[np.float32]
    ) -> None:
        """Save one vector per task, replacing older ones of `model`, in one transaction.

        A replaced vector gets a new row id, so `embeddings_after` shows it to index syncs again.
        The hash saved is the task's, read before embedding: if the paper changed meanwhile,
        the next run sees a mismatch and embeds it again. The content revision moves on, since
        pages that show similar papers change with the vectors.
        """
        if len(tasks) != len(vectors):
            raise ValueError(f"{len(tasks)} tasks but {len(vectors)} vectors")
        if not tasks:
            return
        now = datetime.now(UTC)
        rows = [
            {
                "paper_id": task.paper_id,
                "model": model,
                "content_hash": task.content_hash,
                "vector": vector,
                "embedded_at": now,
            }
            for task, vector in zip(tasks, vectors, strict=True)
        ]
        paper_ids = [task.paper_id for task in tasks]
        with write_transaction(self.engine) as connection:
            connection.execute(
                paper_embeddings.delete().where(
                    and_(
                        paper_embeddings.c.model == model,
                        paper_embeddings.c.paper_id.in_(paper_ids),
                    )
                )
            )
            connection.execute(paper_embeddings.insert(), rows)
            bump = revisions.update().where(revisions.c.name == "content")
            connection.execute(bump.values(value=revisions.c.value + 1))

    def embedding_counts(self, model: str) -> tuple[int, int]:
        """(papers whose `model` vector is current, papers whose vector is missing or stale)."""
        current = stale = 0
        after_id = 0
        while True:
            rows = self._scan(model, after_id, SCAN_CHUNK * 5)
            for row in rows:
                if content_hash(row.title, row.abstract) == row.content_hash:
                    current += 1
                else:
                    stale += 1
            if len(rows) < SCAN_CHUNK * 5:
                return current, stale
            after_id = rows[-1].id

    def embeddings_after(
        self, model: str, after_id: int, limit: int
    ) -> tuple[list[str], NDArray[np.float32], int]:
        """Vectors of `model` saved after position `after_id`: (arXiv ids, matrix, last position).

        The position is the vector row's id, which grows with every save (a re-embedded paper
        comes again, later); start from 0, pass back the last position; an empty list means
        caught up, and the position returned is then `after_id` itself.
        """
        vector: Any = paper_embeddings.c.vector
        if self.engine.dialect.name == "sqlite":  # raw bytes, decoded below in one go
            vector = type_coerce(vector, LargeBinary)
        query = (
            select(paper_embeddings.c.id, papers.c.arxiv_id, vector.label("vector"))
            .select_from(paper_embeddings.join(papers, papers.c.id == paper_embeddings.c.paper_id))
            .where(paper_embeddings.c.model == model, paper_embeddings.c.id > after_id)
            .order_by(paper_embeddings.c.id)
            .limit(limit)
        )
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        if not rows:
            return [], np.zeros((0, EMBEDDING_DIMENSION), dtype=np.float32), after_id
        if isinstance(rows[0].vector, bytes):
            flat = np.frombuffer(b"".join(row.vector for row in rows), dtype="<f4")
            matrix = flat.reshape(len(rows), -1).astype(np.float32)
        else:
            matrix = np.stack([row.vector for row in rows]).astype(np.float32, copy=False)
        return [row.arxiv_id for row in rows], matrix, int(rows[-1].id)

    def _scan(self, model: str, after_id: int, limit: int) -> list[Any]:
        """Papers after `after_id` with the hash of their `model` vector (None when missing)."""
        joined = papers.outerjoin(
            paper_embeddings,
            and_(paper_embeddings.c.paper_id == papers.c.id, paper_embeddings.c.model == model),
        )
        query = (
            select(
                papers.c.id,
                papers.c.arxiv_id,
                papers.c.title,
                papers.c.abstract,
                paper_embeddings.c.content_hash,
            )
            .select_from(joined)
            .where(papers.c.id > after_id)
            .order_by(papers.c.id)
            .limit(limit)
        )
        with self.engine.connect() as connection:
            return list(connection.execute(query).all())


def create_embeddings_table(connection: Connection) -> None:
    """Migration step: the vectors table; on PostgreSQL also pgvector and its HNSW index."""
    postgres = connection.dialect.name == "postgresql"
    if postgres:
        connection.execute(text("CREATE EXTENSION IF NOT EXISTS vector"))
    metadata.create_all(connection, tables=[paper_embeddings])
    if postgres:
        connection.execute(
            text(
                "CREATE INDEX ix_paper_embeddings_vector ON paper_embeddings "
                "USING hnsw (vector vector_cosine_ops) "
                f"WITH (m = {HNSW_M}, ef_construction = {HNSW_EF_CONSTRUCTION})"
            )
        )
