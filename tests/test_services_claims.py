"""Authorship claims over a real SQLite store: claim a slot, a curator approves or rejects."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

import pytest

from paperboy.domain.accounts import AccountStatus, Role, User
from paperboy.domain.claims import ClaimStatus, SlotTaken
from paperboy.domain.moderation import Conflict, InvalidInput, NotAllowed, NotFound
from paperboy.services import claims as service
from paperboy.storage.claims import SqlClaimStore
from paperboy.storage.engine import make_engine
from paperboy.storage.papers import SqlPaperStore
from tests.support.discussion import AUTHORS, T0, insert_member, insert_paper

PAPER = "2603.01234"


@dataclass
class World:
    claims: SqlClaimStore
    papers: SqlPaperStore
    ada: User
    alan: User
    curator: User


@pytest.fixture
def world(sqlite_url: str) -> Iterator[World]:
    engine = make_engine(sqlite_url)
    insert_paper(engine, PAPER)
    ada, alan = insert_member(engine, "ada"), insert_member(engine, "alan")
    curator = insert_member(engine, "cur", role=Role.CURATOR)
    yield World(SqlClaimStore(engine), SqlPaperStore(engine), ada, alan, curator)
    engine.dispose()


def test_a_claim_names_the_author_and_waits(world: World) -> None:
    claim = service.claim_authorship(world.claims, world.papers, world.ada, PAPER, 1, T0)
    assert (claim.author_name, claim.status) == (AUTHORS[1], ClaimStatus.PENDING)
    assert service.verified_authors(world.claims, PAPER) == {}


@pytest.mark.parametrize("index", [-1, 3, 100])
def test_an_author_index_out_of_range_is_invalid(world: World, index: int) -> None:
    with pytest.raises(InvalidInput, match="author_index: must be from 0 to 2"):
        service.claim_authorship(world.claims, world.papers, world.ada, PAPER, index, T0)


def test_claiming_on_an_unknown_paper_is_not_found(world: World) -> None:
    with pytest.raises(NotFound):
        service.claim_authorship(world.claims, world.papers, world.ada, "2601.00000", 0, T0)


def test_a_banned_member_cannot_claim(world: World) -> None:
    banned = replace(world.ada, status=AccountStatus.BANNED)
    with pytest.raises(NotAllowed):
        service.claim_authorship(world.claims, world.papers, banned, PAPER, 0, T0)


def test_a_taken_slot_is_a_conflict(world: World) -> None:
    service.claim_authorship(world.claims, world.papers, world.ada, PAPER, 0, T0)
    with pytest.raises(SlotTaken):
        service.claim_authorship(world.claims, world.papers, world.alan, PAPER, 0, T0)


def test_a_curator_approves_and_the_author_is_verified(world: World) -> None:
    claim = service.claim_authorship(world.claims, world.papers, world.ada, PAPER, 2, T0)
    with pytest.raises(NotAllowed):
        service.decide_claim(world.claims, world.alan, claim.id, approve=True, now=T0)
    assert [c.id for c in service.pending_claims(world.claims, world.curator)] == [claim.id]
    approved = service.decide_claim(world.claims, world.curator, claim.id, approve=True, now=T0)
    assert approved.status is ClaimStatus.APPROVED and approved.decided_by == world.curator.id
    assert list(service.verified_authors(world.claims, PAPER)) == [2]
    with pytest.raises(Conflict, match="already approved"):
        service.decide_claim(world.claims, world.curator, claim.id, approve=False, now=T0)


def test_a_rejected_claim_lets_another_member_claim(world: World) -> None:
    claim = service.claim_authorship(world.claims, world.papers, world.ada, PAPER, 0, T0)
    service.decide_claim(world.claims, world.curator, claim.id, approve=False, now=T0)
    again = service.claim_authorship(world.claims, world.papers, world.alan, PAPER, 0, T0)
    assert again.status is ClaimStatus.PENDING


def test_deciding_an_unknown_claim_is_not_found(world: World) -> None:
    with pytest.raises(NotFound):
        service.decide_claim(world.claims, world.curator, 404, approve=True, now=T0)
