"""Comment rules over a real SQLite store: who may post, edit, delete, hide, report and see."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta

import pytest

from paperboy.domain.accounts import AccountStatus, Role, User
from paperboy.domain.comments import Comment, CommentStatus
from paperboy.domain.moderation import InvalidInput, NotAllowed, NotFound, TooLong
from paperboy.services import comments as service
from paperboy.storage.comments import SqlCommentStore
from paperboy.storage.engine import make_engine
from paperboy.storage.schema import users
from tests.support.discussion import T0, insert_member, insert_paper

PAPER = "2603.01234"
LIMIT = 200


@dataclass
class World:
    store: SqlCommentStore
    ada: User
    alan: User
    curator: User

    def post(self, user: User, body: str = "Nice", parent_id: int | None = None) -> Comment:
        return service.post_comment(
            self.store, user, PAPER, body, T0, max_length=LIMIT, parent_id=parent_id
        )


def member(store: SqlCommentStore, username: str, **kw: object) -> User:
    return insert_member(store.engine, username, **kw)  # type: ignore[arg-type]


@pytest.fixture
def world(sqlite_url: str) -> Iterator[World]:
    store = SqlCommentStore(make_engine(sqlite_url))
    insert_paper(store.engine, PAPER)
    insert_paper(store.engine, "2603.09999")
    yield World(
        store, member(store, "ada"), member(store, "alan"), member(store, "cur", role=Role.CURATOR)
    )
    store.engine.dispose()


def test_a_reply_to_a_reply_joins_the_top_comment(world: World) -> None:
    top = world.post(world.ada)
    reply = world.post(world.alan, "reply", parent_id=top.id)
    nested = world.post(world.ada, "reply to reply", parent_id=reply.id)
    assert reply.parent_id == top.id and nested.parent_id == top.id
    [thread] = service.paper_threads(world.store, PAPER, None)
    assert thread.top.id == top.id
    assert [c.id for c in thread.replies] == [reply.id, nested.id]


def test_a_reply_to_a_comment_on_another_paper_is_refused(world: World) -> None:
    other = service.post_comment(world.store, world.ada, "2603.09999", "x", T0, max_length=LIMIT)
    with pytest.raises(NotFound):
        world.post(world.alan, "reply", parent_id=other.id)


def test_posting_on_an_unknown_paper_is_not_found(world: World) -> None:
    with pytest.raises(NotFound):
        service.post_comment(world.store, world.ada, "2601.00000", "x", T0, max_length=LIMIT)


@pytest.mark.parametrize("body", ["", "   ", "\n\t"])
def test_an_empty_body_is_refused(world: World, body: str) -> None:
    with pytest.raises(InvalidInput, match="body"):
        world.post(world.ada, body)


def test_a_body_over_the_limit_is_too_long(world: World) -> None:
    with pytest.raises(TooLong, match="limit is 200"):
        world.post(world.ada, "x" * (LIMIT + 1))


@pytest.mark.parametrize(
    "change",
    [
        {"status": AccountStatus.BANNED},
        {"status": AccountStatus.DELETED},
        {"email_verified_at": None},
    ],
)
def test_inactive_accounts_cannot_act(world: World, change: dict[str, object]) -> None:
    comment = world.post(world.alan)
    inactive = replace(world.ada, **change)  # type: ignore[arg-type]
    with pytest.raises(NotAllowed):
        world.post(inactive)
    with pytest.raises(NotAllowed):
        service.report_comment(world.store, inactive, comment.id, "", T0)


def test_members_edit_their_own_comment_only(world: World) -> None:
    comment = world.post(world.ada, "first")
    later = T0 + timedelta(minutes=5)
    edited = service.edit_comment(
        world.store, world.ada, comment.id, "second", later, max_length=LIMIT
    )
    assert (edited.body, edited.edited_at) == ("second", later)
    with pytest.raises(NotAllowed, match="your own"):
        service.edit_comment(world.store, world.alan, comment.id, "mine", later, max_length=LIMIT)
    with pytest.raises(NotAllowed):
        service.edit_comment(world.store, world.curator, comment.id, "x", later, max_length=LIMIT)


def test_members_delete_their_own_and_curators_any(world: World) -> None:
    own, other = world.post(world.ada), world.post(world.alan)
    with pytest.raises(NotAllowed):
        service.delete_comment(world.store, world.ada, other.id)
    assert service.delete_comment(world.store, world.ada, own.id).status is CommentStatus.DELETED
    assert (
        service.delete_comment(world.store, world.curator, other.id).status is CommentStatus.DELETED
    )
    assert service.paper_threads(world.store, PAPER, world.curator) == []
    with pytest.raises(NotFound):
        service.edit_comment(world.store, world.ada, own.id, "back", T0, max_length=LIMIT)


def test_hidden_comments_are_shown_to_curators_only(world: World) -> None:
    kept, hidden = world.post(world.ada, "kept"), world.post(world.alan, "hidden")
    with pytest.raises(NotAllowed):
        service.hide_comment(world.store, world.ada, hidden.id, hidden=True)
    service.hide_comment(world.store, world.curator, hidden.id, hidden=True)
    assert [t.top.id for t in service.paper_threads(world.store, PAPER, world.ada)] == [kept.id]
    assert [t.top.id for t in service.paper_threads(world.store, PAPER, None)] == [kept.id]
    seen = service.paper_threads(world.store, PAPER, world.curator)
    assert [(t.top.id, t.top.status) for t in seen] == [
        (kept.id, CommentStatus.VISIBLE),
        (hidden.id, CommentStatus.HIDDEN),
    ]
    with pytest.raises(NotFound):
        service.report_comment(world.store, world.ada, hidden.id, "", T0)
    service.hide_comment(world.store, world.curator, hidden.id, hidden=False)
    assert len(service.paper_threads(world.store, PAPER, None)) == 2


def test_a_deleted_top_comment_stays_as_a_placeholder_for_its_replies(world: World) -> None:
    top = world.post(world.ada)
    reply = world.post(world.alan, "reply", parent_id=top.id)
    service.delete_comment(world.store, world.ada, top.id)
    [thread] = service.paper_threads(world.store, PAPER, None)
    assert thread.top.status is CommentStatus.DELETED
    assert [c.id for c in thread.replies] == [reply.id]


def test_reports_reach_the_moderation_queue(world: World) -> None:
    comment = world.post(world.alan)
    with pytest.raises(NotAllowed, match="own"):
        service.report_comment(world.store, world.alan, comment.id, "", T0)
    assert service.report_comment(world.store, world.ada, comment.id, "  rude \n words ", T0)
    assert not service.report_comment(world.store, world.ada, comment.id, "again", T0)
    with pytest.raises(NotAllowed):
        service.moderation_queue(world.store, world.ada)
    [queued] = service.moderation_queue(world.store, world.curator)
    assert queued.comment.id == comment.id
    assert [r.reason for r in queued.reports] == ["rude words"]
    assert service.dismiss_reports(world.store, world.curator, comment.id) == 1
    assert service.moderation_queue(world.store, world.curator) == []


def test_a_report_reason_over_the_limit_is_too_long(world: World) -> None:
    comment = world.post(world.alan)
    with pytest.raises(TooLong, match="reason"):
        service.report_comment(world.store, world.ada, comment.id, "x" * 501, T0)


def test_a_deleted_members_comments_stay_under_deleted_member(world: World) -> None:
    gone = member(world.store, "gone")
    world.post(gone, "still here")
    with world.store.engine.begin() as connection:
        connection.execute(users.update().where(users.c.id == gone.id).values(status="deleted"))
    [thread] = service.paper_threads(world.store, PAPER, None)
    assert thread.top.author.shown_name == "deleted member"
    assert thread.top.body == "still here"
