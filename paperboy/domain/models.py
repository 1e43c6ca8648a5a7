"""The nouns of paperboy: papers, daily-list entries, submitters, import reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any


@dataclass(frozen=True, slots=True)
class Submitter:
    """A person who put a paper on a daily list (imported from the reference site or local)."""

    username: str
    fullname: str | None = None
    avatar_url: str | None = None
    # set for a local member (their `users.id`); None for a person imported from a list source,
    # whose username may be the same text as a local member's without being them
    user_id: int | None = None


@dataclass(frozen=True, slots=True)
class PaperRecord:
    """A paper as one source saw it; fields a source does not know are None.

    `version` is None when the source does not say (the daily-papers JSON); such a record never
    replaces the arXiv-owned fields of a stored paper, it only fills the ones still empty.
    `observed_on` is the day a list source saw the enrichment fields (code, AI summary); an
    older observation never replaces a newer one.
    """

    arxiv_id: str
    title: str
    abstract: str
    version: int | None = None
    authors: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    primary_category: str | None = None
    comments: str | None = None
    doi: str | None = None
    journal_ref: str | None = None
    license: str | None = None
    published_at: datetime | None = None
    updated_at: datetime | None = None
    code_url: str | None = None
    code_stars: int | None = None
    project_url: str | None = None
    ai_summary: str | None = None
    ai_keywords: tuple[str, ...] = ()
    withdrawn: bool | None = None
    versions: tuple[PaperVersion, ...] = ()
    observed_on: date | None = None


@dataclass(frozen=True, slots=True)
class PaperVersion:
    """One arXiv version of a paper and when it was submitted."""

    version: int
    submitted_at: datetime


@dataclass(frozen=True, slots=True)
class Paper:
    """A stored paper: the merged view of every source that described it."""

    arxiv_id: str
    version: int | None
    title: str
    abstract: str
    authors: tuple[str, ...]
    categories: tuple[str, ...]
    primary_category: str | None
    comments: str | None
    doi: str | None
    journal_ref: str | None
    license: str | None
    published_at: datetime | None
    updated_at: datetime | None
    code_url: str | None
    code_stars: int | None
    project_url: str | None
    ai_summary: str | None
    ai_keywords: tuple[str, ...]
    withdrawn: bool
    versions: tuple[PaperVersion, ...] = ()

    @property
    def abs_url(self) -> str:
        return f"https://arxiv.org/abs/{self.arxiv_id}"

    @property
    def pdf_url(self) -> str:
        return f"https://arxiv.org/pdf/{self.arxiv_id}"


@dataclass(frozen=True, slots=True)
class EntryRecord:
    """A paper on the daily list of one day, as a source saw it."""

    paper: PaperRecord
    listed_on: date
    submitter: Submitter | None = None
    submitted_at: datetime | None = None
    upvote_count: int = 0
    comment_count: int = 0


@dataclass(frozen=True, slots=True)
class DailyEntry:
    """A stored daily-list entry joined with its paper and submitter."""

    paper: Paper
    listed_on: date
    submitter: Submitter | None
    submitted_at: datetime | None
    upvote_count: int  # imported upvotes plus members' upvotes
    comment_count: int
    pinned: bool = False  # a curator put it at the top of its list


class ListSort(StrEnum):
    """How a daily list is ordered."""

    UPVOTES = "upvotes"
    NEWEST = "newest"
    TRENDING = "trending"  # by `domain.ranking`'s score; stores order it as UPVOTES


@dataclass(frozen=True, slots=True)
class Rejection:
    """A record a source could not use: where it was, and what was wrong with it."""

    source: str
    ref: str
    reason: str

    def __str__(self) -> str:
        return f"{self.source}: {self.ref}: {self.reason}"


class Outcome(StrEnum):
    """What an upsert did to one record."""

    NEW = "new"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(slots=True)
class ImportReport:
    """Counts of one import: new / updated / unchanged / rejected, with the rejections."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    rejections: list[Rejection] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return len(self.rejections)

    @property
    def seen(self) -> int:
        return self.new + self.updated + self.unchanged + self.rejected

    def count(self, outcome: Outcome) -> None:
        setattr(self, outcome.value, getattr(self, outcome.value) + 1)

    def add(self, other: ImportReport) -> None:
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.rejections.extend(other.rejections)

    def as_dict(self) -> dict[str, int]:
        return {
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
        }


@dataclass(frozen=True, slots=True)
class Job:
    """A unit of background work: a task name and its JSON payload."""

    id: int
    task: str
    payload: dict[str, Any]
    status: str
    attempts: int
    created_at: datetime
    finished_at: datetime | None = None
    result: dict[str, Any] | None = None
    error: str | None = None
