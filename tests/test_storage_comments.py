"""Contract tests for the comment store: each runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest

from paperboy.domain.accounts import AccountStatus
from paperboy.domain.comments import Comment, CommentStatus
from paperboy.storage.comments import SqlCommentStore
from paperboy.storage.engine import make_engine
from paperboy.storage.papers import SqlPaperStore
from tests.support.discussion import T0, insert_paper, insert_user


@pytest.fixture
def comments(database_url: str) -> Iterator[SqlCommentStore]:
    store = SqlCommentStore(make_engine(database_url))
    yield store
    store.engine.dispose()


@pytest.fixture
def paper(comments: SqlCommentStore) -> str:
    return insert_paper(comments.engine)


@pytest.fixture
def ada(comments: SqlCommentStore) -> int:
    return insert_user(comments.engine, "ada")


def posted(
    comments: SqlCommentStore, paper: str, user: int, body: str = "Nice", **kw: object
) -> Comment:
    comment = comments.add_comment(paper, user, body, kw.pop("now", T0), **kw)  # type: ignore[arg-type]
    assert comment is not None
    return comment


def revision(comments: SqlCommentStore) -> int:
    return SqlPaperStore(comments.engine).content_revision()


def test_add_comment_returns_it_with_author_and_paper(
    comments: SqlCommentStore, paper: str, ada: int
) -> None:
    comment = posted(comments, paper, ada, "Is $x<y$?")
    assert (comment.arxiv_id, comment.paper_title, comment.body) == (paper, "A title", "Is $x<y$?")
    assert (comment.author.id, comment.author.username, comment.author.display_name) == (
        ada,
        "ada",
        "Ada",
    )
    assert comment.status is CommentStatus.VISIBLE and comment.parent_id is None
    assert comment.created_at == T0 and comment.edited_at is None
    assert comments.comment(comment.id) == comment


def test_add_comment_on_an_unknown_paper_is_none(comments: SqlCommentStore, ada: int) -> None:
    assert comments.add_comment("2601.99999", ada, "Hi", T0) is None


def test_add_comment_counts_it_and_moves_the_revision(
    comments: SqlCommentStore, paper: str, ada: int
) -> None:
    before = revision(comments)
    posted(comments, paper, ada)
    posted(comments, paper, ada)
    assert comments.local_comment_count(paper) == 2
    assert revision(comments) == before + 2


def test_comments_for_paper_are_oldest_first_with_replies(
    comments: SqlCommentStore, paper: str, ada: int
) -> None:
    first = posted(comments, paper, ada, "first", now=T0)
    second = posted(comments, paper, ada, "second", now=T0 + timedelta(minutes=1))
    reply = posted(comments, paper, ada, "reply", now=T0 + timedelta(minutes=2), parent_id=first.id)
    found = comments.comments_for_paper(paper)
    assert [c.id for c in found] == [first.id, second.id, reply.id]
    assert found[2].parent_id == first.id


def test_edit_comment_replaces_the_body_and_stamps_the_time(
    comments: SqlCommentStore, paper: str, ada: int
) -> None:
    comment = posted(comments, paper, ada)
    before = revision(comments)
    edited = comments.edit_comment(comment.id, "Better", T0 + timedelta(hours=1))
    assert edited is not None
    assert (edited.body, edited.edited_at) == ("Better", T0 + timedelta(hours=1))
    assert revision(comments) == before + 1
    assert comments.edit_comment(10_000, "x", T0) is None


@pytest.mark.parametrize(
    ("status", "count"),
    [(CommentStatus.HIDDEN, 0), (CommentStatus.DELETED, 0), (CommentStatus.VISIBLE, 1)],
)
def test_set_comment_status_moves_the_count(
    comments: SqlCommentStore, paper: str, ada: int, status: CommentStatus, count: int
) -> None:
    comment = posted(comments, paper, ada)
    changed = comments.set_comment_status(comment.id, status, ada)
    assert changed is not None and changed.status is status
    assert comments.local_comment_count(paper) == count
    assert changed.hidden_by == (None if status is CommentStatus.VISIBLE else ada)


def test_hiding_twice_counts_once_and_showing_again_restores(
    comments: SqlCommentStore, paper: str, ada: int
) -> None:
    comment = posted(comments, paper, ada)
    comments.set_comment_status(comment.id, CommentStatus.HIDDEN, ada)
    comments.set_comment_status(comment.id, CommentStatus.HIDDEN, ada)
    assert comments.local_comment_count(paper) == 0
    comments.set_comment_status(comment.id, CommentStatus.VISIBLE, ada)
    assert comments.local_comment_count(paper) == 1


def test_set_status_of_an_unknown_comment_is_none(comments: SqlCommentStore, ada: int) -> None:
    assert comments.set_comment_status(123, CommentStatus.HIDDEN, ada) is None


def test_concurrent_comments_are_counted_exactly(
    comments: SqlCommentStore, paper: str, ada: int
) -> None:
    def post_some() -> None:
        for _ in range(5):
            posted(comments, paper, ada)

    workers = [threading.Thread(target=post_some) for _ in range(6)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert comments.local_comment_count(paper) == 30
    assert len(comments.comments_for_paper(paper)) == 30


def test_concurrent_hides_of_one_comment_count_once(
    comments: SqlCommentStore, paper: str, ada: int
) -> None:
    keep = posted(comments, paper, ada)
    target = posted(comments, paper, ada)
    workers = [
        threading.Thread(
            target=comments.set_comment_status, args=(target.id, CommentStatus.HIDDEN, ada)
        )
        for _ in range(8)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert comments.local_comment_count(paper) == 1
    assert comments.comment(keep.id) is not None


def test_report_comment_once_per_member(comments: SqlCommentStore, paper: str, ada: int) -> None:
    alan = insert_user(comments.engine, "alan")
    comment = posted(comments, paper, ada)
    assert comments.report_comment(comment.id, alan, "spam", T0) is True
    assert comments.report_comment(comment.id, alan, "again", T0) is False
    assert comments.report_comment(comment.id, ada, "", T0) is True
    assert [r.reason for r in comments.reports_for(comment.id)] == ["spam", ""]
    assert comments.comment(comment.id).report_count == 2  # type: ignore[union-attr]


def test_reported_comments_lists_visible_ones_most_reported_first(
    comments: SqlCommentStore, paper: str, ada: int
) -> None:
    alan, grace = insert_user(comments.engine, "alan"), insert_user(comments.engine, "grace")
    once, twice, hidden = (posted(comments, paper, ada) for _ in range(3))
    posted(comments, paper, ada)  # never reported
    for reporter in (alan, grace):
        comments.report_comment(twice.id, reporter, "", T0)
        comments.report_comment(hidden.id, reporter, "", T0)
    comments.report_comment(once.id, alan, "", T0)
    comments.set_comment_status(hidden.id, CommentStatus.HIDDEN, grace)
    assert [c.id for c in comments.reported_comments()] == [twice.id, once.id]
    assert comments.clear_reports(twice.id) == 2
    assert [c.id for c in comments.reported_comments()] == [once.id]


def test_comments_by_user_are_visible_ones_newest_first(
    comments: SqlCommentStore, paper: str, ada: int
) -> None:
    alan = insert_user(comments.engine, "alan")
    old = posted(comments, paper, ada, now=T0)
    new = posted(comments, paper, ada, now=T0 + timedelta(days=1))
    gone = posted(comments, paper, ada, now=T0 + timedelta(days=2))
    posted(comments, paper, alan)
    comments.set_comment_status(gone.id, CommentStatus.DELETED, ada)
    assert [c.id for c in comments.comments_by_user(ada)] == [new.id, old.id]


def test_a_deleted_members_comment_keeps_its_slot(comments: SqlCommentStore, paper: str) -> None:
    gone = insert_user(comments.engine, "gone", status=AccountStatus.DELETED)
    comment = posted(comments, paper, gone)
    assert comment.author.is_deleted and comment.author.shown_name == "deleted member"


def test_member_data_exports_every_comment_and_report_of_the_member(
    comments: SqlCommentStore, paper: str, ada: int
) -> None:
    alan = insert_user(comments.engine, "alan")
    kept = posted(comments, paper, ada, "kept")
    gone = posted(comments, paper, ada, "gone")
    comments.set_comment_status(gone.id, CommentStatus.DELETED, ada)
    other = posted(comments, paper, alan, "alan's")
    comments.report_comment(other.id, ada, "rude", T0)
    data = comments.member_data(ada)
    assert [(c["id"], c["body"], c["status"]) for c in data["written"]] == [
        (kept.id, "kept", "visible"),
        (gone.id, "gone", "deleted"),
    ]
    assert data["reported"] == [
        {"comment_id": other.id, "reason": "rude", "created_at": T0.isoformat()}
    ]
    assert comments.name == "comments"
