"""Discussing a paper: post, reply, edit and delete your own; report; curators hide or delete.

Only active members (verified, not banned or deleted) act; anyone may read. Every rule is
checked here, whichever face (page, API, token) the request came through.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from paperboy.domain.accounts import User
from paperboy.domain.comments import (
    Comment,
    CommentReport,
    CommentStatus,
    CommentThread,
    is_shown,
    threads,
)
from paperboy.domain.moderation import (
    InvalidInput,
    NotAllowed,
    NotFound,
    TooLong,
    can_moderate,
    require_active,
    require_curator,
)
from paperboy.services.rate_limits import Limit, RateLimiter

REASON_MAX_LENGTH = 500


def comment_limit(per_hour: int) -> Limit:
    """At most `per_hour` new comments and replies per member in each hour."""
    return Limit("comment", per_hour, 3600)


class CommentStore(Protocol):
    """Comments, reports and per-paper counts (storage.comments implements it)."""

    def add_comment(
        self, arxiv_id: str, user_id: int, body: str, now: datetime, parent_id: int | None = None
    ) -> Comment | None: ...

    def comment(self, comment_id: int) -> Comment | None: ...

    def comments_for_paper(self, arxiv_id: str, limit: int = 2000) -> list[Comment]: ...

    def comments_by_user(self, user_id: int, limit: int = 50) -> list[Comment]: ...

    def reported_comments(self, limit: int = 100) -> list[Comment]: ...

    def reports_for(self, comment_id: int) -> list[CommentReport]: ...

    def edit_comment(self, comment_id: int, body: str, now: datetime) -> Comment | None: ...

    def set_comment_status(
        self, comment_id: int, status: CommentStatus, by_user_id: int
    ) -> Comment | None: ...

    def report_comment(self, comment_id: int, user_id: int, reason: str, now: datetime) -> bool: ...

    def clear_reports(self, comment_id: int) -> int: ...


@dataclass(frozen=True, slots=True)
class ReportedComment:
    """A comment in the moderation queue with the reports against it."""

    comment: Comment
    reports: list[CommentReport]


def paper_threads(store: CommentStore, arxiv_id: str, viewer: User | None) -> list[CommentThread]:
    """The paper's discussion as `viewer` may see it (curators also see hidden comments)."""
    return threads(store.comments_for_paper(arxiv_id), moderator=can_moderate(viewer))


def post_comment(
    store: CommentStore,
    author: User,
    arxiv_id: str,
    body: str,
    now: datetime,
    *,
    max_length: int,
    parent_id: int | None = None,
    limiter: RateLimiter | None = None,
    limit: Limit | None = None,
) -> Comment:
    """A new comment on the paper, or a reply (a reply to a reply joins its top comment).

    With a `limiter` and `limit`, a member past the limit gets `RateLimited` and nothing is stored.
    """
    require_active(author, "comment")
    text = checked_body(body, max_length)
    if limiter is not None and limit is not None:
        limiter.count(limit, str(author.id), now)
    root = None
    if parent_id is not None:
        parent = visible_comment(store, parent_id, author)
        if parent.arxiv_id != arxiv_id:
            raise NotFound(f"comment {parent_id} is not on paper {arxiv_id}")
        root = parent.thread_root()
    comment = store.add_comment(arxiv_id, author.id, text, now, parent_id=root)
    if comment is None:
        raise NotFound(f"no paper {arxiv_id} here")
    return comment


def edit_comment(
    store: CommentStore, editor: User, comment_id: int, body: str, now: datetime, *, max_length: int
) -> Comment:
    """The member's own comment with a new body (marked as edited)."""
    require_active(editor, "edit comments")
    comment = visible_comment(store, comment_id, editor)
    if comment.author.id != editor.id:
        raise NotAllowed("you can only edit your own comments")
    if comment.status is not CommentStatus.VISIBLE:
        raise NotAllowed("a hidden comment cannot be edited")
    edited = store.edit_comment(comment_id, checked_body(body, max_length), now)
    if edited is None:
        raise NotFound(f"no comment {comment_id}")
    return edited


def delete_comment(store: CommentStore, actor: User, comment_id: int) -> Comment:
    """Delete a comment: its author may, and so may curators and admins."""
    require_active(actor, "delete comments")
    comment = visible_comment(store, comment_id, actor)
    if comment.author.id != actor.id and not can_moderate(actor):
        raise NotAllowed("you can only delete your own comments")
    return _set_status(store, comment_id, CommentStatus.DELETED, actor)


def hide_comment(store: CommentStore, curator: User, comment_id: int, *, hidden: bool) -> Comment:
    """Hide a comment from members, or show a hidden one again (curators and admins)."""
    require_curator(curator, "moderate comments")
    visible_comment(store, comment_id, curator)
    status = CommentStatus.HIDDEN if hidden else CommentStatus.VISIBLE
    return _set_status(store, comment_id, status, curator)


def report_comment(
    store: CommentStore, reporter: User, comment_id: int, reason: str, now: datetime
) -> bool:
    """File the member's report of a comment; False when they had already reported it."""
    require_active(reporter, "report comments")
    comment = visible_comment(store, comment_id, reporter)
    if comment.author.id == reporter.id:
        raise NotAllowed("you cannot report your own comment")
    text = " ".join(reason.split())
    if len(text) > REASON_MAX_LENGTH:
        raise TooLong("reason", f"at most {REASON_MAX_LENGTH} characters")
    return store.report_comment(comment_id, reporter.id, text, now)


def moderation_queue(store: CommentStore, curator: User, limit: int = 100) -> list[ReportedComment]:
    """Reported comments still visible, most reported first, with each report."""
    require_curator(curator, "moderate comments")
    return [
        ReportedComment(comment, store.reports_for(comment.id))
        for comment in store.reported_comments(limit)
    ]


def dismiss_reports(store: CommentStore, curator: User, comment_id: int) -> int:
    """Clear a comment's reports (the curator found nothing wrong); how many there were."""
    require_curator(curator, "moderate comments")
    visible_comment(store, comment_id, curator)
    return store.clear_reports(comment_id)


def visible_comment(store: CommentStore, comment_id: int, viewer: User | None) -> Comment:
    """The comment if `viewer` may see it; deleted ones and (for members) hidden ones are 404."""
    comment = store.comment(comment_id)
    if comment is None or not is_shown(comment, moderator=can_moderate(viewer)):
        raise NotFound(f"no comment {comment_id}")
    return comment


def checked_body(body: str, max_length: int) -> str:
    """The body without surrounding blank space; refused when empty or too long."""
    text = body.strip()
    if not text:
        raise InvalidInput("body", "write something first")
    if len(text) > max_length:
        raise TooLong("body", f"{len(text)} characters; the limit is {max_length}")
    return text


def _set_status(store: CommentStore, comment_id: int, status: CommentStatus, by: User) -> Comment:
    changed = store.set_comment_status(comment_id, status, by.id)
    if changed is None:
        raise NotFound(f"no comment {comment_id}")
    return changed
