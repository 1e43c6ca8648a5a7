"""Rows of the account tables as domain records, and records as rows (for the account store
and the stores that read members)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row

from paperboy.domain.accounts import AccountStatus, Role, User
from paperboy.domain.credentials import ApiToken, EmailToken, Session, TokenPurpose


def user_row(row: Row[Any]) -> User:
    return user_from(row._mapping)


def user_from(values: Any) -> User:
    """A `User` from a users row's mapping (shared by the stores that read members)."""
    return User(
        id=values["id"],
        username=values["username"],
        email=values["email"],
        display_name=values["display_name"],
        role=Role(values["role"]),
        status=AccountStatus(values["status"]),
        email_verified_at=values["email_verified_at"],
        created_at=values["created_at"],
        show_upvotes=bool(values["show_upvotes"]),
    )


def session_values(session: Session) -> dict[str, Any]:
    return {
        "id": session.id,
        "user_id": session.user_id,
        "csrf_token": session.csrf_token,
        "created_at": session.created_at,
        "last_seen_at": session.last_seen_at,
        "expires_at": session.expires_at,
        "user_agent": session.user_agent[:300],
        "ip": session.ip[:64],
    }


def session_from(values: Any) -> Session:
    return Session(
        id=values["id"],
        user_id=values["user_id"],
        csrf_token=values["csrf_token"],
        created_at=values["created_at"],
        last_seen_at=values["last_seen_at"],
        expires_at=values["expires_at"],
        user_agent=values["user_agent"],
        ip=values["ip"],
    )


def email_token_from(row: Row[Any]) -> EmailToken:
    return EmailToken(
        id=row.id,
        user_id=row.user_id,
        purpose=TokenPurpose(row.purpose),
        new_email=row.new_email,
        created_at=row.created_at,
        expires_at=row.expires_at,
        used_at=row.used_at,
    )


def api_token_from(row: Row[Any]) -> ApiToken:
    return ApiToken(
        id=row.id,
        user_id=row.user_id,
        name=row.name,
        prefix=row.prefix,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )
