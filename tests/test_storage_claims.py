"""Contract tests for the authorship-claim store: each runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest

from paperboy.domain.claims import AuthorClaim, ClaimStatus, SlotTaken
from paperboy.storage.claims import SqlClaimStore
from paperboy.storage.engine import make_engine
from paperboy.storage.papers import SqlPaperStore
from tests.support.discussion import T0, insert_paper, insert_user


@pytest.fixture
def claims(database_url: str) -> Iterator[SqlClaimStore]:
    store = SqlClaimStore(make_engine(database_url))
    yield store
    store.engine.dispose()


@pytest.fixture
def paper(claims: SqlClaimStore) -> str:
    return insert_paper(claims.engine)


def claimed(claims: SqlClaimStore, paper: str, user: int, index: int = 0) -> AuthorClaim:
    claim = claims.add_claim(paper, user, index, "Ada Lovelace", T0)
    assert claim is not None
    return claim


def test_add_claim_is_pending(claims: SqlClaimStore, paper: str) -> None:
    ada = insert_user(claims.engine, "ada")
    claim = claimed(claims, paper, ada)
    assert (claim.arxiv_id, claim.username, claim.author_index, claim.author_name) == (
        paper,
        "ada",
        0,
        "Ada Lovelace",
    )
    assert claim.status is ClaimStatus.PENDING and claim.decided_at is None
    assert claims.claim(claim.id) == claim


def test_add_claim_on_an_unknown_paper_is_none(claims: SqlClaimStore) -> None:
    ada = insert_user(claims.engine, "ada")
    assert claims.add_claim("2601.99999", ada, 0, "Ada", T0) is None


def test_a_claimed_slot_cannot_be_claimed_again(claims: SqlClaimStore, paper: str) -> None:
    ada, alan = insert_user(claims.engine, "ada"), insert_user(claims.engine, "alan")
    claimed(claims, paper, ada)
    with pytest.raises(SlotTaken):
        claimed(claims, paper, alan, 0)


def test_a_member_claims_one_slot_per_paper(claims: SqlClaimStore, paper: str) -> None:
    ada = insert_user(claims.engine, "ada")
    claimed(claims, paper, ada, 0)
    with pytest.raises(SlotTaken):
        claimed(claims, paper, ada, 1)


def test_a_rejected_claim_frees_the_slot(claims: SqlClaimStore, paper: str) -> None:
    ada, alan, curator = (insert_user(claims.engine, n) for n in ("ada", "alan", "cur"))
    first = claimed(claims, paper, ada)
    claims.decide_claim(first.id, ClaimStatus.REJECTED, curator, T0)
    second = claimed(claims, paper, alan)
    assert [c.id for c in claims.claims_for_paper(paper)] == [second.id]


def test_decide_claim_approves_once_and_moves_the_revision(
    claims: SqlClaimStore, paper: str
) -> None:
    ada, curator = insert_user(claims.engine, "ada"), insert_user(claims.engine, "cur")
    claim = claimed(claims, paper, ada)
    papers = SqlPaperStore(claims.engine)
    before = papers.content_revision()
    later = T0 + timedelta(hours=1)
    approved = claims.decide_claim(claim.id, ClaimStatus.APPROVED, curator, later)
    assert approved is not None and approved.is_approved
    assert (approved.decided_by, approved.decided_at) == (curator, later)
    assert papers.content_revision() == before + 1
    again = claims.decide_claim(claim.id, ClaimStatus.REJECTED, curator, later)
    assert again is not None and again.is_approved  # decided claims stay as they are
    assert claims.decide_claim(999, ClaimStatus.APPROVED, curator, later) is None


def test_pending_and_by_user_listings(claims: SqlClaimStore, paper: str) -> None:
    ada, alan, curator = (insert_user(claims.engine, n) for n in ("ada", "alan", "cur"))
    other = insert_paper(claims.engine, "2603.05555", "Other")
    first = claimed(claims, paper, ada, 0)
    second = claimed(claims, other, ada, 2)
    third = claimed(claims, paper, alan, 1)
    claims.decide_claim(first.id, ClaimStatus.APPROVED, curator, T0)
    assert [c.id for c in claims.pending_claims()] == [second.id, third.id]
    assert [c.id for c in claims.claims_by_user(ada, ClaimStatus.APPROVED)] == [first.id]
    assert {c.id for c in claims.claims_by_user(ada)} == {first.id, second.id}


def test_racing_claims_on_one_slot_leave_one(claims: SqlClaimStore, paper: str) -> None:
    members = [insert_user(claims.engine, f"m{i}") for i in range(6)]
    outcomes: list[str] = []

    def claim_as(user: int) -> None:
        try:
            claimed(claims, paper, user, 1)
            outcomes.append("won")
        except SlotTaken:
            outcomes.append("taken")

    workers = [threading.Thread(target=claim_as, args=(user,)) for user in members]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sorted(outcomes) == ["taken"] * 5 + ["won"]
    assert len(claims.claims_for_paper(paper)) == 1


def test_member_data_exports_every_claim_of_the_member(claims: SqlClaimStore, paper: str) -> None:
    ada, curator = insert_user(claims.engine, "ada"), insert_user(claims.engine, "cur")
    rejected = claimed(claims, paper, ada, 0)
    claims.decide_claim(rejected.id, ClaimStatus.REJECTED, curator, T0)
    pending = claimed(claims, paper, ada, 1)
    exported = claims.member_data(ada)
    assert [(c["id"], c["status"], c["author_index"]) for c in exported] == [
        (rejected.id, "rejected", 0),
        (pending.id, "pending", 1),
    ]
