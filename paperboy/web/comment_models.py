"""JSON shapes of comments, claims and profiles, and how domain objects become them.

Camel-case keys and ISO-8601 UTC times with milliseconds, like the rest of the API. A comment
carries its Markdown `body` and the sanitised `html` the site shows.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from paperboy.domain.claims import AuthorClaim
from paperboy.domain.comments import Comment, CommentStatus, CommentThread
from paperboy.domain.profiles import Profile, ProfilePaper
from paperboy.web.api_models import iso_time
from paperboy.web.markdown import render_markdown


class CommentAuthorOut(BaseModel):
    username: str | None = Field(description="null for a deleted member", examples=["ada"])
    name: str = Field(description="display name, or 'deleted member'", examples=["Ada"])


class CommentOut(BaseModel):
    id: int
    paperId: str = Field(examples=["2608.19880"])
    parentId: int | None = Field(description="the top comment this replies to")
    author: CommentAuthorOut
    body: str = Field(description="Markdown source ('' once deleted)")
    html: str = Field(description="the body rendered and sanitised, as pages show it")
    status: CommentStatus
    createdAt: str
    editedAt: str | None


class ThreadOut(CommentOut):
    replies: list[CommentOut] = Field(description="replies, oldest first (one level deep)")


class NewComment(BaseModel):
    body: str = Field(description="Markdown; $…$ and $$…$$ are math", examples=["Nice $O(n)$!"])
    parentId: int | None = Field(default=None, ge=1, description="reply to this comment")


class CommentEdit(BaseModel):
    body: str = Field(description="the new Markdown body")


class ReportIn(BaseModel):
    reason: str = Field(default="", max_length=5000, description="why (up to 500 characters)")


class ReportOut(BaseModel):
    reported: bool = Field(description="false when you had already reported it")


class HideIn(BaseModel):
    hidden: bool = Field(default=True, description="false shows a hidden comment again")


class ClaimIn(BaseModel):
    authorIndex: int = Field(ge=0, le=10_000, description="author position, from 0")


class ClaimOut(BaseModel):
    id: int
    paperId: str
    username: str
    authorIndex: int
    authorName: str
    status: str = Field(examples=["pending"])
    createdAt: str
    decidedAt: str | None


class ProfilePaperOut(BaseModel):
    id: str = Field(description="bare arXiv id")
    title: str
    at: str | None = Field(description="when the member submitted or upvoted it")


class ProfileOut(BaseModel):
    username: str
    name: str
    joinedAt: str
    submitted: list[ProfilePaperOut]
    comments: list[CommentOut]
    authored: list[ClaimOut] = Field(description="papers with a verified authorship claim")
    upvoted: list[ProfilePaperOut] | None = Field(description="null when kept private")


class ModerationOut(BaseModel):
    reported: list[CommentOut]
    claims: list[ClaimOut]


def comment_out(comment: Comment) -> CommentOut:
    gone = comment.status is CommentStatus.DELETED
    author = comment.author
    return CommentOut(
        id=comment.id,
        paperId=comment.arxiv_id,
        parentId=comment.parent_id,
        author=CommentAuthorOut(
            username=None if author.is_deleted else author.username, name=author.shown_name
        ),
        body="" if gone else comment.body,
        html="" if gone else str(render_markdown(comment.body)),
        status=comment.status,
        createdAt=iso_time(comment.created_at),
        editedAt=iso_time(comment.edited_at) if comment.edited_at else None,
    )


def thread_out(thread: CommentThread) -> ThreadOut:
    top = comment_out(thread.top)
    return ThreadOut(**top.model_dump(), replies=[comment_out(r) for r in thread.replies])


def claim_out(claim: AuthorClaim) -> ClaimOut:
    return ClaimOut(
        id=claim.id,
        paperId=claim.arxiv_id,
        username=claim.username,
        authorIndex=claim.author_index,
        authorName=claim.author_name,
        status=claim.status.value,
        createdAt=iso_time(claim.created_at),
        decidedAt=iso_time(claim.decided_at) if claim.decided_at else None,
    )


def profile_out(profile: Profile) -> ProfileOut:
    user = profile.user
    upvoted = None if profile.upvoted is None else [_paper(p) for p in profile.upvoted]
    return ProfileOut(
        username=user.username,
        name=user.display_name or user.username,
        joinedAt=iso_time(user.created_at),
        submitted=[_paper(p) for p in profile.submitted],
        comments=[comment_out(c) for c in profile.comments],
        authored=[claim_out(c) for c in profile.authored],
        upvoted=upvoted,
    )


def _paper(paper: ProfilePaper) -> ProfilePaperOut:
    at = iso_time(paper.acted_at) if paper.acted_at else None
    return ProfilePaperOut(id=paper.arxiv_id, title=paper.title, at=at)
