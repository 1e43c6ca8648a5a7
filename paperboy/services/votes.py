"""Upvotes: one per member per paper, set, taken back or toggled; only active members vote."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from paperboy.domain.accounts import User
from paperboy.domain.community import InvalidReference, NotAllowed, UnknownPaper, VoteState
from paperboy.domain.ids import InvalidArxivId, parse_arxiv_id
from paperboy.services.ports import VoteStore


def set_upvote(votes: VoteStore, user: User, text: str, on: bool, now: datetime) -> VoteState:
    """Upvote the paper named by `text` (or take the upvote back); repeating it changes nothing.

    Raises NotAllowed for a member who may not act (banned, deleted, unverified),
    InvalidReference for text that is no arXiv id and UnknownPaper for a paper not stored.
    """
    if not user.is_active:
        raise NotAllowed("only active members with a confirmed email may upvote")
    arxiv_id = _arxiv_id(text)
    state = votes.set_vote(user.id, arxiv_id, on, now)
    if state is None:
        raise UnknownPaper(f"no paper {arxiv_id} here")
    return state


def toggle_upvote(votes: VoteStore, user: User, text: str, now: datetime) -> VoteState:
    """Upvote the paper if the member has not yet, else take the upvote back."""
    current = upvote_state(votes, user, text)
    return set_upvote(votes, user, text, not current.upvoted, now)


def upvote_state(votes: VoteStore, user: User | None, text: str) -> VoteState:
    """The paper's upvotes and whether `user` (None: nobody) upvoted it."""
    arxiv_id = _arxiv_id(text)
    state = votes.vote_state(user.id if user else None, arxiv_id)
    if state is None:
        raise UnknownPaper(f"no paper {arxiv_id} here")
    return state


def upvoted_among(votes: VoteStore, user: User | None, arxiv_ids: Iterable[str]) -> set[str]:
    """Which of `arxiv_ids` `user` upvoted (none for a visitor), for pressed buttons."""
    if user is None:
        return set()
    return votes.voted_among(user.id, arxiv_ids)


def _arxiv_id(text: str) -> str:
    try:
        return parse_arxiv_id(text).arxiv_id
    except InvalidArxivId as error:
        raise InvalidReference(f"arxiv_id: {error}") from error
