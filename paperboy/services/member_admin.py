"""What an admin does to other members from the site: roles, bans. (The CLI does the same as
the operator, without these guards.)

An admin never changes their own role or bans themselves here, so a slip of the mouse cannot
leave a site without anyone who can undo it.
"""

from __future__ import annotations

from paperboy.domain.accounts import AccountStatus, Role, User
from paperboy.services.accounts import Accounts


class UnknownMember(LookupError):
    """No member has that username."""


class SelfLockout(ValueError):
    """An admin tried to demote or ban themselves."""


def member_named(accounts: Accounts, username: str) -> User:
    """The member called `username`, else `UnknownMember`."""
    user = accounts.find(username)
    if user is None:
        raise UnknownMember(f"No member is called {username!r}.")
    return user


def set_member_role(accounts: Accounts, admin: User, username: str, role: Role) -> User:
    """Give the member `role`; an admin's own role stays as it is."""
    user = member_named(accounts, username)
    if user.id == admin.id and role is not admin.role:
        raise SelfLockout("You cannot change your own role; ask another admin.")
    return accounts.set_role(user, role)


def set_member_banned(accounts: Accounts, admin: User, username: str, banned: bool) -> User:
    """Ban the member (they can still read and export) or reinstate them."""
    user = member_named(accounts, username)
    if user.id == admin.id:
        raise SelfLockout("You cannot ban or reinstate yourself.")
    return accounts.set_status(user, AccountStatus.BANNED if banned else AccountStatus.ACTIVE)
