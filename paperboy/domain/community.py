"""What members do to the lists: upvotes, submissions and curators' changes, as plain values."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class VoteState:
    """A paper's upvotes (imported plus members') and whether the asking member upvoted it."""

    arxiv_id: str
    upvoted: bool
    upvote_count: int


@dataclass(frozen=True, slots=True)
class VoteHistory:
    """What trending needs of one paper: members' vote times and the imported counts seen."""

    vote_times: list[datetime] = field(default_factory=list)
    observations: list[tuple[datetime, int]] = field(default_factory=list)
    imported_count: int = 0  # best imported count on any list (the history may start later)


class EntryChange(StrEnum):
    """What adding a paper to a day's list did."""

    ADDED = "added"
    ALREADY_LISTED = "already_listed"  # on that day's list already: nothing changed
    REMOVED_BY_CURATOR = "removed_by_curator"  # hidden from that day by a curator; left so
    RESTORED = "restored"  # a curator put a hidden entry back
    LIMIT_REACHED = "limit_reached"  # the member's submissions for that day are used up
    NO_PAPER = "no_paper"  # the paper is not stored


@dataclass(frozen=True, slots=True)
class ListedOn:
    """A day's list a paper is on."""

    arxiv_id: str
    listed_on: date


class CommunityError(Exception):
    """A member's action that cannot be done; `code` says which kind (the API's error code)."""

    code = "bad_request"


class NotAllowed(CommunityError):
    """The account may not do this (banned, deleted, unverified, or not a curator)."""

    code = "forbidden"


class UnknownPaper(CommunityError):
    """No such paper: not stored, unknown to arXiv, or not an arXiv id at all."""

    code = "not_found"


class InvalidReference(CommunityError):
    """The text is not an arXiv id or an arXiv (or Hugging Face) paper URL."""

    code = "invalid_parameter"


class TooOld(CommunityError):
    """The paper was first published before the submission window."""

    code = "too_old"


class LimitReached(CommunityError):
    """The member has submitted as many papers to the day's list as allowed."""

    code = "limit_reached"


class RemovedByCurator(CommunityError):
    """A curator took the paper off that day's list; members cannot put it back."""

    code = "removed_by_curator"


class NotListed(CommunityError):
    """The paper is not on that day's list."""

    code = "not_listed"


class SourceUnavailable(CommunityError):
    """arXiv could not be asked about the paper just now."""

    code = "source_unavailable"
