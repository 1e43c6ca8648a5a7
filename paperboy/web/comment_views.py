"""What the discussion parts of a page show: each comment rendered, with the actions the
viewer may take on it, and the verified authors of a paper.

Permissions are decided here once (mirroring the services' rules) so templates only lay out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from paperboy.app import Deps
from paperboy.domain.accounts import User
from paperboy.domain.claims import AuthorClaim
from paperboy.domain.comments import Comment, CommentStatus, CommentThread
from paperboy.domain.moderation import can_moderate
from paperboy.services.claims import claims_on_paper
from paperboy.services.comments import paper_threads
from paperboy.web.markdown import has_math, render_markdown


@dataclass(frozen=True, slots=True)
class CommentView:
    """One comment as a page shows it to one viewer."""

    comment: Comment
    html: Markup
    author_name: str
    author_path: str | None
    can_edit: bool
    can_delete: bool
    can_report: bool
    can_hide: bool

    @property
    def id(self) -> int:
        return self.comment.id

    @property
    def is_placeholder(self) -> bool:
        return self.comment.status is CommentStatus.DELETED

    @property
    def is_hidden(self) -> bool:
        return self.comment.status is CommentStatus.HIDDEN


@dataclass(frozen=True, slots=True)
class ThreadView:
    top: CommentView
    replies: list[CommentView]


def profile_path(username: str) -> str:
    return f"/u/{username}"


def comment_view(comment: Comment, viewer: User | None) -> CommentView:
    """`comment` rendered for `viewer`, with the buttons they may use."""
    placeholder = comment.status is CommentStatus.DELETED
    active = viewer is not None and viewer.is_active
    own = active and viewer is not None and viewer.id == comment.author.id
    moderator = can_moderate(viewer)
    author = comment.author
    return CommentView(
        comment=comment,
        html=Markup("") if placeholder else render_markdown(comment.body),
        author_name=author.shown_name,
        author_path=None if author.is_deleted else profile_path(author.username),
        can_edit=own and comment.status is CommentStatus.VISIBLE,
        can_delete=not placeholder and (own or moderator),
        can_report=active and not own and comment.status is CommentStatus.VISIBLE,
        can_hide=moderator and not placeholder,
    )


def thread_views(found: list[CommentThread], viewer: User | None) -> list[ThreadView]:
    return [
        ThreadView(comment_view(t.top, viewer), [comment_view(r, viewer) for r in t.replies])
        for t in found
    ]


def discussion_context(deps: Deps, arxiv_id: str, viewer: User | None) -> dict[str, Any]:
    """The comments, claims and forms a paper page adds for `viewer`."""
    threads = thread_views(paper_threads(deps.comments, arxiv_id, viewer), viewer)
    claims = claims_on_paper(deps.claims, arxiv_id)
    comments_math = any(
        has_math(view.html) for thread in threads for view in [thread.top, *thread.replies]
    )
    return {
        "threads": threads,
        "shown_comment_count": sum(int(not t.top.is_placeholder) + len(t.replies) for t in threads),
        "verified_authors": {c.author_index: c for c in claims if c.is_approved},
        "claimed_slots": {c.author_index: c for c in claims},
        "own_claim": _own_claim(claims, viewer),
        "can_act": viewer is not None and viewer.is_active,
        "comment_max_length": deps.settings.comment_max_length,
        "comments_math": comments_math,
    }


def with_discussion(
    context: dict[str, Any], deps: Deps, arxiv_id: str, viewer: User | None
) -> dict[str, Any]:
    """A paper page's context with its discussion added (and KaTeX loaded for its math)."""
    discussion = discussion_context(deps, arxiv_id, viewer)
    return {**context, **discussion, "math": context.get("math") or discussion["comments_math"]}


def _own_claim(claims: list[AuthorClaim], viewer: User | None) -> AuthorClaim | None:
    if viewer is None:
        return None
    return next((c for c in claims if c.user_id == viewer.id), None)
