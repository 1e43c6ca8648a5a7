"""Trending: how hot a paper is now, from the times of its upvotes (the formula users see).

    score = Σ over upvotes of ½^(hours since the upvote ÷ 12)  ÷  (hours since listed + 2)^0.5

Each upvote counts 1 when it is cast and half as much every 12 hours after (the velocity), and
the sum is damped by the paper's age on the lists, so a new paper with the same momentum as an
older one ranks above it. Upvotes imported from a list source (whose individual times nobody
knows) count from the counts it showed: the first count seen as cast when the paper was listed,
and each later growth as cast at the moment it was observed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

HALF_LIFE_HOURS = 12.0
GRAVITY = 0.5
AGE_OFFSET_HOURS = 2.0
RECENT = timedelta(hours=24)
FORMULA = "score = Σ over upvotes of ½^(hours since the upvote ÷ 12) ÷ (hours since listed + 2)^0.5"
FORMULA_IN_WORDS = (
    "Each upvote counts 1 when it is cast and half as much every 12 hours after; the sum is "
    "divided by the square root of the paper's age on the lists (in hours, plus 2), so newer "
    "papers with the same momentum come first. Upvotes imported from Hugging Face count at the "
    "time we saw their count grow."
)


@dataclass(frozen=True, slots=True)
class VoteBatch:
    """`count` upvotes cast at `at` (1 for a member's vote, more for imported growth)."""

    at: datetime
    count: int


@dataclass(frozen=True, slots=True)
class Trend:
    """Why a paper is where it is on the trending list."""

    score: float
    recent_count: int
    total_count: int
    age_hours: float

    @property
    def recent_text(self) -> str:
        votes = "upvote" if self.recent_count == 1 else "upvotes"
        return f"{self.recent_count} {votes} in the last 24 h"

    @property
    def age_text(self) -> str:
        return f"listed {_age(self.age_hours)} ago"

    @property
    def explanation(self) -> str:
        """One line for readers: upvotes in the last 24 h and the paper's age."""
        return f"{self.recent_text} · {self.age_text}"


def imported_batches(
    observations: Iterable[tuple[datetime, int]], listed_at: datetime
) -> list[VoteBatch]:
    """Upvotes implied by counts a list source showed over time.

    The first count is dated when the paper was listed (or when it was seen, if earlier);
    each rise above the highest count seen before is dated at its observation. Falls (a vote
    taken back on the source) remove nothing: only growth is known to be votes.
    """
    batches: list[VoteBatch] = []
    highest = 0
    for observed_at, count in sorted(observations):
        if count <= highest:
            continue
        at = min(listed_at, observed_at) if highest == 0 else observed_at
        batches.append(VoteBatch(at, count - highest))
        highest = count
    return batches


def trending_score(
    batches: Sequence[VoteBatch],
    listed_at: datetime,
    now: datetime,
    *,
    half_life_hours: float = HALF_LIFE_HOURS,
    gravity: float = GRAVITY,
) -> float:
    """How hot a paper is at `now`: decayed upvote velocity damped by age (see FORMULA)."""
    velocity = sum(
        batch.count * math.pow(0.5, _hours(now - batch.at) / half_life_hours)
        for batch in batches
        if batch.at <= now
    )
    damping = math.pow(_hours(now - listed_at) + AGE_OFFSET_HOURS, gravity)
    return velocity / damping


def trend(batches: Sequence[VoteBatch], listed_at: datetime, now: datetime) -> Trend:
    """The score and its explanation: upvotes in the last 24 h, all upvotes, age in hours."""
    counted = [batch for batch in batches if batch.at <= now]
    return Trend(
        score=trending_score(counted, listed_at, now),
        recent_count=sum(b.count for b in counted if now - b.at <= RECENT),
        total_count=sum(b.count for b in counted),
        age_hours=_hours(now - listed_at),
    )


def _hours(delta: timedelta) -> float:
    return max(0.0, delta.total_seconds() / 3600)


def _age(hours: float) -> str:
    if hours < 1:
        return "less than an hour"
    if hours < 48:
        whole = int(hours)
        return f"{whole} hour" if whole == 1 else f"{whole} hours"
    return f"{int(hours // 24)} days"
