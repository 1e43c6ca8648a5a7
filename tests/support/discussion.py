"""Members and papers straight into a store, for the comment and claim store contract tests."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine

from paperboy.domain.accounts import AccountStatus, Role, User
from paperboy.domain.models import PaperRecord
from paperboy.storage.engine import write_transaction
from paperboy.storage.papers import SqlPaperStore
from paperboy.storage.schema import users

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
AUTHORS = ("Ada Lovelace", "Alan Turing", "Grace Hopper")


def insert_user(
    engine: Engine,
    username: str,
    *,
    role: Role = Role.MEMBER,
    status: AccountStatus = AccountStatus.ACTIVE,
    show_upvotes: bool = False,
) -> int:
    """A member row (verified, no password) and its id."""
    values = {
        "username": username,
        "email": f"{username}@example.org",
        "display_name": username.title(),
        "role": role.value,
        "status": status.value,
        "show_upvotes": show_upvotes,
        "email_verified_at": T0,
        "created_at": T0,
        "modified_at": T0,
    }
    with write_transaction(engine) as connection:
        return int(
            connection.execute(users.insert().values(**values).returning(users.c.id)).scalar_one()
        )


def insert_paper(engine: Engine, arxiv_id: str = "2603.01234", title: str = "A title") -> str:
    """A paper with three authors; its arXiv id."""
    record = PaperRecord(
        arxiv_id=arxiv_id, title=title, abstract="An abstract.", version=1, authors=AUTHORS
    )
    SqlPaperStore(engine).upsert_papers([record])
    return arxiv_id


def insert_member(
    engine: Engine,
    username: str,
    *,
    role: Role = Role.MEMBER,
    status: AccountStatus = AccountStatus.ACTIVE,
    show_upvotes: bool = False,
) -> User:
    """A member row, as the services see it."""
    user_id = insert_user(engine, username, role=role, status=status, show_upvotes=show_upvotes)
    return User(
        id=user_id,
        username=username,
        email=f"{username}@example.org",
        display_name=username.title(),
        role=role,
        status=status,
        email_verified_at=T0,
        created_at=T0,
        show_upvotes=show_upvotes,
    )
