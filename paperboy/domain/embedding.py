"""What gets embedded for a paper, and how a saved vector is known to be current."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class EmbeddingTask:
    """A paper whose vector is missing or stale (its title + abstract hash changed)."""

    paper_id: int
    arxiv_id: str
    text: str
    content_hash: str


def embedding_text(title: str, abstract: str) -> str:
    """What the model reads for a paper: title + ". " + abstract."""
    return f"{title}. {abstract}"


def content_hash(title: str, abstract: str) -> str:
    """sha256 (hex) of title + "\\n" + abstract: a saved vector is current while this matches."""
    return hashlib.sha256(f"{title}\n{abstract}".encode()).hexdigest()


def embedding_task(paper_id: int, arxiv_id: str, title: str, abstract: str) -> EmbeddingTask:
    """The task of embedding one paper's current title and abstract."""
    text = embedding_text(title, abstract)
    return EmbeddingTask(paper_id, arxiv_id, text, content_hash(title, abstract))
