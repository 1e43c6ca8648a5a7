"""Discussion under a paper: comments threaded one level deep, and who may see which.

A reply to a reply attaches to the top comment of its thread, so a page never nests deeper
than one level and a thread reads top to bottom in time order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from paperboy.domain.accounts import AccountStatus
from paperboy.domain.moderation import can_moderate as can_moderate

DELETED_MEMBER = "deleted member"


class CommentStatus(StrEnum):
    VISIBLE = "visible"
    HIDDEN = "hidden"  # by a curator: shown to curators only, and can be shown again
    DELETED = "deleted"  # by its author or a curator: shown to nobody, its body kept for audit


@dataclass(frozen=True, slots=True)
class CommentAuthor:
    """Who wrote a comment, as a page names them (a deleted member keeps only the slot)."""

    id: int
    username: str
    display_name: str
    status: AccountStatus

    @property
    def is_deleted(self) -> bool:
        return self.status is AccountStatus.DELETED

    @property
    def shown_name(self) -> str:
        """The name a page prints: the display name, or "deleted member"."""
        if self.is_deleted:
            return DELETED_MEMBER
        return self.display_name or self.username


@dataclass(frozen=True, slots=True)
class Comment:
    """One comment; `body` is the Markdown source exactly as the member wrote it."""

    id: int
    arxiv_id: str
    paper_title: str
    author: CommentAuthor
    parent_id: int | None
    body: str
    status: CommentStatus
    created_at: datetime
    edited_at: datetime | None = None
    hidden_by: int | None = None
    report_count: int = 0

    @property
    def is_visible(self) -> bool:
        return self.status is CommentStatus.VISIBLE

    def thread_root(self) -> int:
        """The id a reply to this comment hangs under: its own, or its top comment's."""
        return self.parent_id if self.parent_id is not None else self.id


@dataclass(frozen=True, slots=True)
class CommentThread:
    """A top comment and its replies, oldest first; `top` may be a deleted placeholder."""

    top: Comment
    replies: list[Comment] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class CommentReport:
    """A member's report of a comment, for the moderation queue."""

    comment_id: int
    user_id: int
    reason: str
    created_at: datetime


def is_shown(comment: Comment, *, moderator: bool) -> bool:
    """Visible comments to everyone; hidden ones to moderators; deleted ones to nobody."""
    if comment.status is CommentStatus.VISIBLE:
        return True
    return moderator and comment.status is CommentStatus.HIDDEN


def threads(comments: Iterable[Comment], *, moderator: bool = False) -> list[CommentThread]:
    """The comments a reader may see, grouped into threads in time order.

    A top comment that is not shown stays as a placeholder while any of its replies is
    shown, so the replies keep their context; without shown replies the thread goes.
    """
    ordered = sorted(comments, key=lambda c: (c.created_at, c.id))
    tops = [c for c in ordered if c.parent_id is None]
    replies: dict[int, list[Comment]] = {c.id: [] for c in tops}
    for comment in ordered:
        if comment.parent_id in replies and is_shown(comment, moderator=moderator):
            replies[comment.parent_id].append(comment)
    return [
        CommentThread(top, replies[top.id])
        for top in tops
        if is_shown(top, moderator=moderator) or replies[top.id]
    ]


def count_shown(found: Sequence[CommentThread]) -> int:
    """How many comments the threads show (placeholders not counted)."""
    return sum(int(t.top.is_visible) + sum(1 for r in t.replies if r.is_visible) for t in found)
