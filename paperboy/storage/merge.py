"""Rows for the papers table, built from records with the domain's merge rule."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from paperboy.domain.merging import merge_paper, record_values
from paperboy.domain.models import PaperRecord

__all__ = ["merge_paper", "paper_row"]


def paper_row(record: PaperRecord, now: datetime) -> dict[str, Any]:
    """A full new row for the papers table."""
    values = record_values(record)
    values["withdrawn"] = bool(values["withdrawn"])
    return {"arxiv_id": record.arxiv_id, **values, "created_at": now, "modified_at": now}
