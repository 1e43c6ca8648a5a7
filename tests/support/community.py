"""Members and papers for the community tests (votes, submissions, trending, curation).

Storage tests insert member rows directly (the accounts service is not what they test);
service and web tests use `tests.support.members` instead.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Engine, insert

from paperboy.domain.accounts import AccountStatus, Role, User
from paperboy.domain.models import EntryRecord, PaperRecord, Submitter
from paperboy.storage.engine import write_transaction
from paperboy.storage.schema import users

CREATED = datetime(2026, 1, 1, tzinfo=UTC)


def insert_member(
    engine: Engine,
    username: str,
    *,
    role: Role = Role.MEMBER,
    status: AccountStatus = AccountStatus.ACTIVE,
) -> User:
    """A verified member row, straight into the users table."""
    values = {
        "username": username,
        "email": f"{username}@example.org",
        "display_name": username.title(),
        "password_hash": None,
        "role": role.value,
        "status": status.value,
        "show_upvotes": False,
        "email_verified_at": CREATED,
        "created_at": CREATED,
        "modified_at": CREATED,
    }
    with write_transaction(engine) as connection:
        user_id = connection.execute(
            insert(users).values(**values).returning(users.c.id)
        ).scalar_one()
    return User(
        id=int(user_id),
        username=username,
        email=values["email"],  # type: ignore[arg-type]
        display_name=username.title(),
        role=role,
        status=status,
        email_verified_at=CREATED,
        created_at=CREATED,
    )


def insert_members(engine: Engine, count: int, prefix: str = "member") -> list[int]:
    """`count` member rows in one statement; their ids."""
    rows = [
        {
            "username": f"{prefix}{i}",
            "email": f"{prefix}{i}@example.org",
            "display_name": f"Member {i}",
            "role": "member",
            "status": "active",
            "show_upvotes": False,
            "email_verified_at": CREATED,
            "created_at": CREATED,
            "modified_at": CREATED,
        }
        for i in range(count)
    ]
    with write_transaction(engine) as connection:
        connection.execute(insert(users), rows)
        found = connection.execute(users.select().where(users.c.username.like(f"{prefix}%")))
        return [row.id for row in found]


def paper(
    arxiv_id: str, published_at: datetime | None = None, title: str = "A title"
) -> PaperRecord:
    return PaperRecord(
        arxiv_id=arxiv_id,
        title=title,
        abstract="An abstract.",
        version=1,
        authors=("A. One",),
        published_at=published_at,
    )


def listed(
    arxiv_id: str,
    day: date,
    upvotes: int = 0,
    submitter: str | None = "akhaliq",
    submitted_at: datetime | None = None,
) -> EntryRecord:
    """An imported daily-list entry."""
    return EntryRecord(
        paper=PaperRecord(arxiv_id=arxiv_id, title=f"Paper {arxiv_id}", abstract="An abstract."),
        listed_on=day,
        submitter=Submitter(submitter) if submitter else None,
        submitted_at=submitted_at,
        upvote_count=upvotes,
    )
