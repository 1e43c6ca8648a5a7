"""Response models of the JSON API, and how domain objects become them.

`DailyItem` keeps the reference site's `/api/daily_papers` item shape (camelCase keys, `_id`s,
ISO-8601 times with milliseconds and `Z`) so existing clients, and our own importer, read it
unchanged. `_id` values are derived hashes: stable across requests and servers.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, time
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from paperboy.domain.models import DailyEntry, Paper, Submitter
from paperboy.services.papers import PaperView
from paperboy.services.similar import SimilarPaper


class ApiModel(BaseModel):
    """Serialised by alias: `_id` in JSON, `id` in Python."""

    model_config = ConfigDict(serialize_by_alias=True)


class Author(ApiModel):
    id: str = Field(alias="_id", description="stable id derived from the paper and position")
    name: str = Field(examples=["Chengsong Huang"])
    hidden: bool = False


class User(ApiModel):
    """The person who put a paper on a daily list."""

    id: str = Field(alias="_id", description="stable id derived from the username")
    user: str = Field(description="username", examples=["akhaliq"])
    name: str = Field(description="username (the reference repeats it here)", examples=["akhaliq"])
    fullname: str | None = Field(examples=["AK"])
    avatarUrl: str | None = None
    type: Literal["user"] = "user"


class DailyPaper(ApiModel):
    """The reference `paper` object."""

    id: str = Field(description="bare arXiv id", examples=["2608.19880"])
    authors: list[Author]
    publishedAt: str | None = Field(description="arXiv publication time (ISO 8601, UTC)")
    submittedOnDailyAt: str | None = Field(description="when it was put on the daily list")
    title: str
    submittedOnDailyBy: User | None
    summary: str = Field(description="the abstract")
    upvotes: int
    githubRepo: str | None
    githubStars: int | None
    projectPage: str | None
    ai_summary: str | None
    ai_keywords: list[str]


class DailyItem(ApiModel):
    """One entry of a daily list, in the reference `/api/daily_papers` shape."""

    paper: DailyPaper
    publishedAt: str = Field(description="when the paper entered the daily list")
    title: str
    summary: str
    thumbnail: str | None = Field(default=None, description="always null: no thumbnails here")
    numComments: int
    submittedBy: User | None
    isAuthorParticipating: bool = False


class PaperLinks(ApiModel):
    abs: str = Field(examples=["https://arxiv.org/abs/2608.19880"])
    pdf: str = Field(examples=["https://arxiv.org/pdf/2608.19880"])
    code: str | None
    project: str | None


class Listing(ApiModel):
    """A daily list the paper was on."""

    date: str = Field(examples=["2026-08-21"])
    upvotes: int
    numComments: int
    submitter: str | None = Field(description="username of who put it on the list")


class Version(ApiModel):
    version: int
    submittedAt: str


class PaperDetail(DailyPaper):
    """The reference `paper` object plus what arXiv tells us and the lists it was on."""

    version: int | None = Field(description="latest arXiv version known, if any")
    categories: list[str] = Field(examples=[["cs.CL", "cs.AI"]])
    primaryCategory: str | None
    comments: str | None
    doi: str | None
    journalRef: str | None
    license: str | None
    updatedAt: str | None
    versions: list[Version]
    withdrawn: bool
    links: PaperLinks
    dailyLists: list[Listing]


def iso_time(moment: datetime) -> str:
    """`2026-08-21T00:00:00.000Z`: UTC with milliseconds, as the reference writes times."""
    utc = moment.astimezone(UTC)
    return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}Z"


def stable_id(*parts: str) -> str:
    """A 24-hex-digit id (the reference's ObjectId shape) that depends only on `parts`."""
    return hashlib.sha1("\x1f".join(parts).encode()).hexdigest()[:24]


def daily_item(entry: DailyEntry) -> DailyItem:
    """The reference item for one daily-list entry."""
    paper = entry.paper
    submitter = _user(entry.submitter)
    listed_at = entry.submitted_at or datetime.combine(entry.listed_on, time(), UTC)
    return DailyItem(
        paper=DailyPaper(
            **_paper_fields(paper, entry.upvote_count),
            submittedOnDailyAt=_time(entry.submitted_at),
            submittedOnDailyBy=submitter,
        ),
        publishedAt=iso_time(listed_at),
        title=paper.title,
        summary=paper.abstract,
        numComments=entry.comment_count,
        submittedBy=submitter,
    )


def paper_detail(view: PaperView, upvotes: int) -> PaperDetail:
    """The paper page's JSON twin: reference fields from its first list, and our extras.

    `upvotes` are the paper's own (imported plus members'), as its page shows them: a paper on
    no list has only members' votes, which no list entry carries.
    """
    paper = view.paper
    first = view.entries[0] if view.entries else None
    return PaperDetail(
        **_paper_fields(paper, upvotes),
        submittedOnDailyAt=_time(first.submitted_at) if first else None,
        submittedOnDailyBy=_user(first.submitter) if first else None,
        version=paper.version,
        categories=list(paper.categories),
        primaryCategory=paper.primary_category,
        comments=paper.comments,
        doi=paper.doi,
        journalRef=paper.journal_ref,
        license=paper.license,
        updatedAt=_time(paper.updated_at),
        versions=[
            Version(version=v.version, submittedAt=iso_time(v.submitted_at)) for v in paper.versions
        ],
        withdrawn=paper.withdrawn,
        links=PaperLinks(
            abs=paper.abs_url, pdf=paper.pdf_url, code=paper.code_url, project=paper.project_url
        ),
        dailyLists=[_listing(e) for e in view.entries],
    )


def reference_paper(paper: Paper, upvotes: int) -> DailyPaper:
    """The reference `paper` object of a paper seen outside any one daily list (search hits)."""
    return DailyPaper(
        **_paper_fields(paper, upvotes), submittedOnDailyAt=None, submittedOnDailyBy=None
    )


def _paper_fields(paper: Paper, upvotes: int) -> dict[str, Any]:
    return {
        "id": paper.arxiv_id,
        "authors": [
            Author(_id=stable_id(paper.arxiv_id, str(i), name), name=name)
            for i, name in enumerate(paper.authors)
        ],
        "publishedAt": _time(paper.published_at),
        "title": paper.title,
        "summary": paper.abstract,
        "upvotes": upvotes,
        "githubRepo": paper.code_url,
        "githubStars": paper.code_stars,
        "projectPage": paper.project_url,
        "ai_summary": paper.ai_summary,
        "ai_keywords": list(paper.ai_keywords),
    }


def _user(submitter: Submitter | None) -> User | None:
    if submitter is None:
        return None
    return User(
        _id=stable_id("user", submitter.username),
        user=submitter.username,
        name=submitter.username,
        fullname=submitter.fullname,
        avatarUrl=submitter.avatar_url,
    )


def _listing(entry: DailyEntry) -> Listing:
    return Listing(
        date=entry.listed_on.isoformat(),
        upvotes=entry.upvote_count,
        numComments=entry.comment_count,
        submitter=entry.submitter.username if entry.submitter else None,
    )


def _time(moment: datetime | None) -> str | None:
    return iso_time(moment) if moment is not None else None


class SimilarItem(DailyPaper):
    """A similar paper: the reference `paper` object, how close it is, and its latest list."""

    score: float = Field(
        description="cosine similarity of the two papers' embeddings (1: same meaning)",
        examples=[0.83],
    )
    lastListedOn: str | None = Field(description="the latest daily list it was on, if any")


def similar_item(similar: SimilarPaper) -> SimilarItem:
    """One similar paper as `/api/papers/{id}/similar` lists it."""
    return SimilarItem(
        **_paper_fields(similar.paper, similar.upvote_count),
        submittedOnDailyAt=None,
        submittedOnDailyBy=None,
        score=round(similar.score, 6),
        lastListedOn=similar.listed_on.isoformat() if similar.listed_on else None,
    )
