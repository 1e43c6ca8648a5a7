"""Bodies and answers of the community API: upvotes, submissions, curators' list changes."""

from __future__ import annotations

from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from paperboy.domain.community import VoteState
from paperboy.services.curation import ListChange
from paperboy.services.submissions import MAX_REFERENCE_CHARS, Submission
from paperboy.web.api_models import ApiModel


class PaperRef(BaseModel):
    """A paper named by its arXiv id or URL."""

    paper: str = Field(
        min_length=1,
        max_length=MAX_REFERENCE_CHARS,
        description="An arXiv id (2501.05441, 2501.05441v2, arXiv:2501.05441) or an arXiv "
        "or Hugging Face paper URL.",
        examples=["https://arxiv.org/abs/2501.05441"],
    )


class VoteOut(ApiModel):
    """A paper's upvotes after the call, and whether the caller upvoted it."""

    id: str = Field(description="bare arXiv id", examples=["2501.05441"])
    upvoted: bool
    upvotes: int = Field(description="imported upvotes plus members' upvotes")


class SubmissionOut(ApiModel):
    """Where the paper is listed; `created` is false when it was on a list already."""

    id: str = Field(description="bare arXiv id", examples=["2501.05441"])
    title: str
    date: str = Field(description="the list it is on (YYYY-MM-DD)", examples=["2025-01-10"])
    created: bool
    url: str = Field(description="the list page, at the paper", examples=["/date/2025-01-10"])
    paperUrl: str = Field(examples=["/papers/2501.05441"])


class ListChangeOut(ApiModel):
    """What a curator's call did to a day's list."""

    id: str = Field(description="bare arXiv id")
    date: str = Field(description="the list's day (YYYY-MM-DD)")
    change: str = Field(
        description="added, already_listed, restored, removed, pinned or unpinned",
        examples=["added"],
    )


def vote_out(state: VoteState) -> VoteOut:
    return VoteOut(id=state.arxiv_id, upvoted=state.upvoted, upvotes=state.upvote_count)


def list_url(submission: Submission) -> str:
    """The day's list page, scrolled to the paper's card."""
    return f"/date/{submission.listed_on.isoformat()}#paper-{submission.paper.arxiv_id}"


def submission_out(submission: Submission, *, status_code: int) -> JSONResponse:
    """201 for a new entry, 200 with the link for a paper listed already."""
    body = SubmissionOut(
        id=submission.paper.arxiv_id,
        title=submission.paper.title,
        date=submission.listed_on.isoformat(),
        created=submission.created,
        url=list_url(submission),
        paperUrl=f"/papers/{submission.paper.arxiv_id}",
    )
    return JSONResponse(body.model_dump(mode="json"), status_code=status_code)


def list_change_out(change: ListChange) -> ListChangeOut:
    return ListChangeOut(
        id=change.arxiv_id, date=change.listed_on.isoformat(), change=change.change
    )
