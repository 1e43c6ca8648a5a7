"""Contract tests for the profile reads and the profile rules: SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest

from paperboy.domain.accounts import AccountStatus
from paperboy.domain.claims import ClaimStatus
from paperboy.domain.moderation import NotFound
from paperboy.services.profiles import member_profile
from paperboy.storage.claims import SqlClaimStore
from paperboy.storage.comments import SqlCommentStore
from paperboy.storage.curation import SqlCurationStore
from paperboy.storage.engine import make_engine
from paperboy.storage.profiles import SqlProfileStore
from paperboy.storage.votes import SqlVoteStore
from tests.support.discussion import T0, insert_member, insert_paper

DAY = date(2026, 3, 2)


@pytest.fixture
def profiles(database_url: str) -> Iterator[SqlProfileStore]:
    store = SqlProfileStore(make_engine(database_url))
    yield store
    store.engine.dispose()


def test_member_is_found_by_username_in_any_case(profiles: SqlProfileStore) -> None:
    ada = insert_member(profiles.engine, "ada")
    assert profiles.member("ADA") == ada
    assert profiles.member("nobody") is None


def test_submitted_papers_are_the_members_entries_latest_first(
    profiles: SqlProfileStore,
) -> None:
    ada, alan = insert_member(profiles.engine, "ada"), insert_member(profiles.engine, "alan")
    first, second = (
        insert_paper(profiles.engine, "2603.00001"),
        insert_paper(profiles.engine, "2603.00002", "Second"),
    )
    curation = SqlCurationStore(profiles.engine)
    curation.add_entry(first, DAY, ada.id, T0)
    curation.add_entry(second, DAY + timedelta(days=1), ada.id, T0)
    curation.add_entry(insert_paper(profiles.engine, "2603.00003"), DAY, alan.id, T0)
    found = profiles.submitted_papers(ada.id)
    assert [(p.arxiv_id, p.listed_on) for p in found] == [
        (second, DAY + timedelta(days=1)),
        (first, DAY),
    ]
    assert found[0].title == "Second"


def test_upvoted_papers_are_latest_vote_first(profiles: SqlProfileStore) -> None:
    ada = insert_member(profiles.engine, "ada")
    first, second = (
        insert_paper(profiles.engine, "2603.00001"),
        insert_paper(profiles.engine, "2603.00002"),
    )
    votes = SqlVoteStore(profiles.engine)
    votes.set_vote(ada.id, first, True, T0)
    votes.set_vote(ada.id, second, True, T0 + timedelta(hours=1))
    found = profiles.upvoted_papers(ada.id)
    assert [(p.arxiv_id, p.acted_at) for p in found] == [
        (second, T0 + timedelta(hours=1)),
        (first, T0),
    ]


def test_the_profile_shows_upvotes_only_to_the_member_unless_allowed(
    profiles: SqlProfileStore,
) -> None:
    engine = profiles.engine
    private, public = insert_member(engine, "ada"), insert_member(engine, "bob", show_upvotes=True)
    paper = insert_paper(engine)
    for user in (private, public):
        SqlVoteStore(engine).set_vote(user.id, paper, True, T0)
    comments, claims = SqlCommentStore(engine), SqlClaimStore(engine)
    assert member_profile(profiles, comments, claims, "ada", None).upvoted is None
    assert member_profile(profiles, comments, claims, "ada", public).upvoted is None
    own = member_profile(profiles, comments, claims, "ada", private).upvoted
    assert [p.arxiv_id for p in own or []] == [paper]
    shown = member_profile(profiles, comments, claims, "bob", None).upvoted
    assert [p.arxiv_id for p in shown or []] == [paper]


def test_the_profile_lists_comments_and_verified_authorship(profiles: SqlProfileStore) -> None:
    engine = profiles.engine
    ada, curator = insert_member(engine, "ada"), insert_member(engine, "cur")
    paper = insert_paper(engine)
    comments, claims = SqlCommentStore(engine), SqlClaimStore(engine)
    comment = comments.add_comment(paper, ada.id, "hello", T0)
    pending = claims.add_claim(paper, ada.id, 0, "Ada Lovelace", T0)
    assert comment is not None and pending is not None
    assert member_profile(profiles, comments, claims, "ada", None).authored == []
    claims.decide_claim(pending.id, ClaimStatus.APPROVED, curator.id, T0)
    profile = member_profile(profiles, comments, claims, "ada", None)
    assert [c.id for c in profile.comments] == [comment.id]
    assert [c.arxiv_id for c in profile.authored] == [paper]


def test_a_deleted_members_profile_is_not_found(profiles: SqlProfileStore) -> None:
    insert_member(profiles.engine, "gone", status=AccountStatus.DELETED)
    engine = profiles.engine
    with pytest.raises(NotFound):
        member_profile(profiles, SqlCommentStore(engine), SqlClaimStore(engine), "gone", None)
