"""Export sections built from the profile queries: the papers a member submitted and upvoted."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from paperboy.domain.profiles import ProfilePaper

EXPORT_LIMIT = 1_000_000  # everything: an export is never cut short


class ProfilePapers:
    """A `MemberData` section listing papers with when the member acted on each."""

    def __init__(self, name: str, papers: Callable[[int, int], list[ProfilePaper]]) -> None:
        self.name = name
        self.papers = papers

    def member_data(self, user_id: int) -> list[dict[str, Any]]:
        return [
            {
                "arxiv_id": paper.arxiv_id,
                "title": paper.title,
                "at": paper.acted_at.isoformat() if paper.acted_at else None,
                "listed_on": paper.listed_on.isoformat() if paper.listed_on else None,
            }
            for paper in self.papers(user_id, EXPORT_LIMIT)
        ]
