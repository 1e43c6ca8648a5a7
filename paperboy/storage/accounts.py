"""The account store: members, sessions, one-time email tokens and API tokens, on both engines.

Secrets arrive here already hashed (`domain.credentials.secret_hash`); this module never sees
a cookie, link or token in the clear. Changes that alter what anonymous pages show (a display
name, a deletion) move the content revision in the same transaction, so cached pages follow.

Every change to a member or an end of a session moves the "accounts" revision in the same
transaction (`_bump_accounts`), so a web process may keep sessions it has resumed while that
revision stands still (`paperboy.services.sessions`). Reading both revisions is one query sent
straight to the driver: it runs on every member's request.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from paperboy.domain.account_rules import DELETED_PREFIX, EmailTaken, UsernameTaken
from paperboy.domain.accounts import AccountStatus, Role, User
from paperboy.domain.credentials import ApiToken, EmailToken, Session, TokenPurpose
from paperboy.storage.account_rows import (
    api_token_from,
    email_token_from,
    session_from,
    session_values,
    user_from,
    user_row,
)
from paperboy.storage.engine import is_sqlite, write_transaction
from paperboy.storage.schema import api_tokens, email_tokens, revisions, sessions, users
from paperboy.storage.subscriptions import follow_member_address, forget_member_subscription

# Write "last used" at most this often: a script calling the API must not write on each call.
LAST_USED_RESOLUTION = timedelta(minutes=1)
_USER_COLUMNS = [c for c in users.c if c.name != "password_hash"]
ACCOUNTS_REVISION = "accounts"
# Constant SQL, the same on both engines: no parameters, so no paramstyle to translate.
_REVISIONS_SQL = (
    "SELECT name, value FROM revisions WHERE name IN ('content', '" + ACCOUNTS_REVISION + "')"
)


class SqlAccountStore:
    """`AccountStore` over SQLAlchemy Core; the same SQL on SQLite and PostgreSQL."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._insert: Any = sqlite.insert if is_sqlite(engine) else postgresql.insert

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self.engine.connect() as connection:
            yield connection

    def revisions(self) -> tuple[int, int]:
        """The content and accounts revisions (0 until first moved), in one query.

        Sent to the pooled driver connection directly: through a SQLAlchemy `Connection` the
        same read costs ~5x more, and every signed-in request makes it.
        """
        connection = self.engine.raw_connection()
        try:
            cursor = connection.cursor()
            cursor.execute(_REVISIONS_SQL)
            values = dict(cursor.fetchall())
            cursor.close()
        finally:
            connection.close()  # back to the pool, which rolls the read back
        return int(values.get("content", 0)), int(values.get(ACCOUNTS_REVISION, 0))

    # ---- members

    def add_user(
        self,
        *,
        username: str,
        email: str,
        display_name: str,
        password_hash: str | None,
        role: Role,
        now: datetime,
        verified_at: datetime | None = None,
    ) -> User:
        """Insert a member; `UsernameTaken` or `EmailTaken` when either is in use."""
        values = {
            "username": username,
            "email": email,
            "display_name": display_name,
            "password_hash": password_hash,
            "role": role.value,
            "status": AccountStatus.ACTIVE.value,
            "show_upvotes": False,
            "email_verified_at": verified_at,
            "created_at": now,
            "modified_at": now,
        }
        try:
            with write_transaction(self.engine) as connection:
                self._refuse_taken(connection, username, email)
                insert = users.insert().values(**values).returning(users.c.id)
                user_id = int(connection.execute(insert).scalar_one())
        except IntegrityError:  # a concurrent sign-up won the race between check and insert
            with self._read() as connection:
                self._refuse_taken(connection, username, email)
            raise
        found = self.user_by_id(user_id)
        assert found is not None
        return found

    def _refuse_taken(self, connection: Connection, username: str, email: str) -> None:
        query = select(users.c.username, users.c.email).where(
            or_(users.c.username == username, users.c.email == email)
        )
        for row in connection.execute(query):
            if row.username == username:
                raise UsernameTaken(username)
            raise EmailTaken()

    def user_by_id(self, user_id: int) -> User | None:
        return self._user(users.c.id == user_id)

    def user_by_username(self, username: str) -> User | None:
        return self._user(users.c.username == username.lower())

    def user_by_email(self, email: str) -> User | None:
        return self._user(users.c.email == email.lower())

    def users_by_ids(self, user_ids: list[int]) -> dict[int, User]:
        """Members by id, for pages that list many authors at once."""
        if not user_ids:
            return {}
        query = select(*_USER_COLUMNS).where(users.c.id.in_(set(user_ids)))
        with self._read() as connection:
            return {row.id: user_row(row) for row in connection.execute(query)}

    def users(self, *, limit: int = 100, offset: int = 0) -> list[User]:
        """Members in sign-up order."""
        query = select(*_USER_COLUMNS).order_by(users.c.id).limit(limit).offset(offset)
        with self._read() as connection:
            return [user_row(row) for row in connection.execute(query)]

    def _user(self, condition: Any) -> User | None:
        with self._read() as connection:
            row = connection.execute(select(*_USER_COLUMNS).where(condition)).first()
        return user_row(row) if row is not None else None

    def password_hash(self, user_id: int) -> str | None:
        query = select(users.c.password_hash).where(users.c.id == user_id)
        with self._read() as connection:
            value = connection.execute(query).scalar()
        return str(value) if value is not None else None

    def set_password_hash(self, user_id: int, password_hash: str, now: datetime) -> None:
        self._update(user_id, now, password_hash=password_hash)

    def set_email(self, user_id: int, email: str, now: datetime) -> None:
        """A confirmed new address (`EmailTaken` if someone took it meanwhile)."""
        try:
            with write_transaction(self.engine) as connection:
                self._update_user(connection, user_id, now, email=email, email_verified_at=now)
                follow_member_address(connection, user_id, email, now)
        except IntegrityError as error:
            raise EmailTaken() from error

    def mark_email_verified(self, user_id: int, now: datetime) -> None:
        with write_transaction(self.engine) as connection:
            query = users.update().where(users.c.id == user_id, users.c.email_verified_at.is_(None))
            connection.execute(query.values(email_verified_at=now, modified_at=now))
            self._bump_accounts(connection)

    def set_profile(
        self, user_id: int, *, display_name: str, show_upvotes: bool, now: datetime
    ) -> None:
        self._update(user_id, now, bump=True, display_name=display_name, show_upvotes=show_upvotes)

    def set_role(self, user_id: int, role: Role, now: datetime) -> None:
        self._update(user_id, now, bump=True, role=role.value)

    def set_status(self, user_id: int, status: AccountStatus, now: datetime) -> None:
        self._update(user_id, now, bump=True, status=status.value)

    def erase_user(self, user_id: int, now: datetime) -> None:
        """Delete a member's personal data; the row stays so their comments keep an author."""
        placeholder = f"{DELETED_PREFIX}{user_id}"
        with write_transaction(self.engine) as connection:
            for table in (sessions, email_tokens, api_tokens):
                connection.execute(table.delete().where(table.c.user_id == user_id))
            forget_member_subscription(connection, user_id)
            self._update_user(
                connection,
                user_id,
                now,
                username=placeholder,
                email=f"{placeholder}@deleted.invalid",
                display_name="",
                password_hash=None,
                status=AccountStatus.DELETED.value,
                show_upvotes=False,
            )
            _bump_content(connection)

    def _update(self, user_id: int, now: datetime, *, bump: bool = False, **values: Any) -> None:
        with write_transaction(self.engine) as connection:
            self._update_user(connection, user_id, now, **values)
            if bump:
                _bump_content(connection)

    # ---- sessions

    def add_session(self, session: Session) -> None:
        with write_transaction(self.engine) as connection:
            connection.execute(sessions.insert().values(**session_values(session)))

    def session_with_user(self, session_id: str, now: datetime) -> tuple[Session, User] | None:
        """The unexpired session with this id and its member, in one query."""
        query = (
            select(sessions, *[c.label(f"u_{c.name}") for c in _USER_COLUMNS])
            .join(users, users.c.id == sessions.c.user_id)
            .where(sessions.c.id == session_id, sessions.c.expires_at > now)
        )
        with self._read() as connection:
            row = connection.execute(query).first()
        if row is None:
            return None
        mapping = row._mapping
        member = {c.name: mapping[f"u_{c.name}"] for c in _USER_COLUMNS}
        return session_from(mapping), user_from(member)

    def touch_session(self, session_id: str, now: datetime, expires_at: datetime) -> None:
        """Record activity and push the expiry on (sliding sessions)."""
        query = sessions.update().where(sessions.c.id == session_id)
        with write_transaction(self.engine) as connection:
            connection.execute(query.values(last_seen_at=now, expires_at=expires_at))

    def remove_session(self, session_id: str) -> None:
        with write_transaction(self.engine) as connection:
            connection.execute(sessions.delete().where(sessions.c.id == session_id))
            self._bump_accounts(connection)

    def remove_sessions_of(self, user_id: int, *, keep: str | None = None) -> int:
        """Log a member out everywhere (but the session `keep`); how many were removed."""
        query = sessions.delete().where(sessions.c.user_id == user_id)
        if keep is not None:
            query = query.where(sessions.c.id != keep)
        with write_transaction(self.engine) as connection:
            removed = connection.execute(query).rowcount
            self._bump_accounts(connection)
            return removed

    def session_count(self, user_id: int, now: datetime) -> int:
        live = [sessions.c.user_id == user_id, sessions.c.expires_at > now]
        query = select(func.count()).select_from(sessions).where(*live)
        with self._read() as connection:
            return int(connection.execute(query).scalar() or 0)

    def remove_expired(self, now: datetime) -> int:
        """Drop expired sessions and email tokens; how many rows went."""
        with write_transaction(self.engine) as connection:
            gone = connection.execute(sessions.delete().where(sessions.c.expires_at <= now))
            used = connection.execute(email_tokens.delete().where(email_tokens.c.expires_at <= now))
            if gone.rowcount:
                self._bump_accounts(connection)
            return gone.rowcount + used.rowcount

    # ---- one-time email tokens

    def add_email_token(
        self,
        *,
        token_hash: str,
        purpose: TokenPurpose,
        user_id: int,
        now: datetime,
        expires_at: datetime,
        new_email: str | None = None,
    ) -> None:
        values = {
            "token_hash": token_hash,
            "purpose": purpose.value,
            "user_id": user_id,
            "new_email": new_email,
            "created_at": now,
            "expires_at": expires_at,
        }
        with write_transaction(self.engine) as connection:
            connection.execute(email_tokens.insert().values(**values))

    def email_token(
        self, token_hash: str, purpose: TokenPurpose, now: datetime
    ) -> EmailToken | None:
        """The token if it exists, has this purpose, is unused and unexpired (not consumed)."""
        query = select(email_tokens).where(*_usable(token_hash, purpose, now))
        with self._read() as connection:
            row = connection.execute(query).first()
        return email_token_from(row) if row is not None else None

    def use_email_token(
        self, token_hash: str, purpose: TokenPurpose, now: datetime
    ) -> EmailToken | None:
        """Consume the token: exactly one caller gets it, however many race for it."""
        claim = email_tokens.update().where(*_usable(token_hash, purpose, now))
        query = select(email_tokens).where(email_tokens.c.token_hash == token_hash)
        with write_transaction(self.engine) as connection:
            if connection.execute(claim.values(used_at=now)).rowcount != 1:
                return None
            row = connection.execute(query).one()
        return email_token_from(row)

    # ---- API tokens

    def add_api_token(
        self, *, user_id: int, name: str, token_hash: str, prefix: str, now: datetime
    ) -> ApiToken:
        values = {
            "user_id": user_id,
            "name": name,
            "token_hash": token_hash,
            "prefix": prefix,
            "created_at": now,
        }
        with write_transaction(self.engine) as connection:
            insert = api_tokens.insert().values(**values).returning(*api_tokens.c)
            row = connection.execute(insert).one()
        return api_token_from(row)

    def api_tokens_of(self, user_id: int) -> list[ApiToken]:
        """A member's tokens, newest first, revoked ones included."""
        query = (
            select(api_tokens)
            .where(api_tokens.c.user_id == user_id)
            .order_by(api_tokens.c.created_at.desc(), api_tokens.c.id.desc())
        )
        with self._read() as connection:
            return [api_token_from(row) for row in connection.execute(query)]

    def revoke_api_token(self, user_id: int, token_id: int, now: datetime) -> bool:
        """Revoke one of `user_id`'s tokens; False when there is no such live token."""
        query = api_tokens.update().where(
            api_tokens.c.id == token_id,
            api_tokens.c.user_id == user_id,
            api_tokens.c.revoked_at.is_(None),
        )
        with write_transaction(self.engine) as connection:
            return connection.execute(query.values(revoked_at=now)).rowcount == 1

    def user_by_api_token(self, token_hash: str, now: datetime) -> User | None:
        """The owner of a live token, noting its use (at most once a minute)."""
        query = (
            select(api_tokens.c.id.label("token_id"), api_tokens.c.last_used_at, *_USER_COLUMNS)
            .join(users, users.c.id == api_tokens.c.user_id)
            .where(api_tokens.c.token_hash == token_hash, api_tokens.c.revoked_at.is_(None))
        )
        with self._read() as connection:
            row = connection.execute(query).first()
        if row is None:
            return None
        if row.last_used_at is None or now - row.last_used_at >= LAST_USED_RESOLUTION:
            with write_transaction(self.engine) as connection:
                touch = api_tokens.update().where(api_tokens.c.id == row.token_id)
                connection.execute(touch.values(last_used_at=now))
        return user_row(row)

    # ---- the accounts revision

    def _update_user(
        self, connection: Connection, user_id: int, now: datetime, **values: Any
    ) -> None:
        query = users.update().where(users.c.id == user_id)
        connection.execute(query.values(**values, modified_at=now))
        self._bump_accounts(connection)

    def _bump_accounts(self, connection: Connection) -> None:
        """Move the accounts revision on (its row is made by the first move)."""
        upsert = self._insert(revisions).values(name=ACCOUNTS_REVISION, value=1)
        upsert = upsert.on_conflict_do_update(
            index_elements=[revisions.c.name], set_={"value": revisions.c.value + 1}
        )
        connection.execute(upsert)


def _usable(token_hash: str, purpose: TokenPurpose, now: datetime) -> list[Any]:
    return [
        email_tokens.c.token_hash == token_hash,
        email_tokens.c.purpose == purpose.value,
        email_tokens.c.used_at.is_(None),
        email_tokens.c.expires_at > now,
    ]


def _bump_content(connection: Connection) -> None:
    bump = revisions.update().where(revisions.c.name == "content")
    connection.execute(bump.values(value=revisions.c.value + 1))
