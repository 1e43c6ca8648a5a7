"""`paperboy users add|list|set-role|ban|unban`: members from the command line.

The first admin is made here (`users add --admin`); passwords come from a prompt (typed
twice, not echoed) or from standard input with `--password-stdin`, never from an argument
that would land in the shell history.
"""

from __future__ import annotations

import sys

import click

from paperboy.cli.context import CliContext, echo_json, pass_context
from paperboy.domain.account_rules import InvalidAccount
from paperboy.domain.accounts import AccountStatus, Role, User
from paperboy.services.accounts import AccountClosed, Accounts

ROLES = [role.value for role in Role]


@click.group("users", epilog="Example:\n\n    paperboy users add ada ada@example.org --admin")
def command() -> None:
    """Members: add one (the first admin too), list them, change roles, ban."""


@command.command(
    epilog="Example:\n\n    paperboy users add ada ada@example.org --admin --password-stdin < pw"
)
@click.argument("username")
@click.argument("email")
@click.option("--admin", is_flag=True, help="Make an admin (same as --role admin).")
@click.option(
    "--role", type=click.Choice(ROLES), default="member", show_default=True, help="The role."
)
@click.option("--display-name", default="", help="Shown on the site (default: the username).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--unverified", is_flag=True, help="Leave the email address to be confirmed.")
@pass_context
def add(
    ctx: CliContext,
    username: str,
    email: str,
    admin: bool,
    role: str,
    display_name: str,
    password_stdin: bool,
    unverified: bool,
) -> None:
    """Add a member with a confirmed address (no email is sent)."""
    password = _read_password(password_stdin)
    try:
        user = ctx.deps().accounts.add_member(
            username=username,
            email=email,
            password=password,
            role=Role.ADMIN if admin else Role(role),
            verified=not unverified,
            display_name=display_name,
        )
    except InvalidAccount as error:
        raise click.ClickException(f"{error.field}: {error.message}") from error
    click.echo(f"added {user.username} ({user.role}) with id {user.id}")


@command.command("list", epilog="Example:\n\n    paperboy users list --json")
@click.option("--limit", type=click.IntRange(1, 100_000), default=100, show_default=True)
@click.option("--offset", type=click.IntRange(0), default=0, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@pass_context
def list_(ctx: CliContext, limit: int, offset: int, as_json: bool) -> None:
    """Members in sign-up order: username, role, status, email, whether it is confirmed."""
    users = ctx.deps().accounts.members(limit=limit, offset=offset)
    if as_json:
        echo_json([_user_json(user) for user in users])
        return
    for user in users:
        confirmed = "confirmed" if user.email_verified_at else "unconfirmed"
        click.echo(f"{user.id:>6}  {user.username:<30} {user.role:<8} {user.status:<8} {confirmed}")


@command.command("set-role", epilog="Example:\n\n    paperboy users set-role ada curator")
@click.argument("username")
@click.argument("role", type=click.Choice(ROLES))
@pass_context
def set_role(ctx: CliContext, username: str, role: str) -> None:
    """Make a member a member, curator or admin."""
    accounts = ctx.deps().accounts
    user = accounts.set_role(_member(accounts, username), Role(role))
    click.echo(f"{user.username} is now {user.role}")


@command.command(epilog="Example:\n\n    paperboy users ban spammer")
@click.argument("username")
@pass_context
def ban(ctx: CliContext, username: str) -> None:
    """Ban a member: they may still read and export, not vote, submit or comment."""
    _set_status(ctx, username, AccountStatus.BANNED)


@command.command(epilog="Example:\n\n    paperboy users unban ada")
@click.argument("username")
@pass_context
def unban(ctx: CliContext, username: str) -> None:
    """Lift a ban."""
    _set_status(ctx, username, AccountStatus.ACTIVE)


def _set_status(ctx: CliContext, username: str, status: AccountStatus) -> None:
    accounts = ctx.deps().accounts
    try:
        user = accounts.set_status(_member(accounts, username), status)
    except AccountClosed as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"{user.username} is now {user.status}")


def _member(accounts: Accounts, username: str) -> User:
    user = accounts.find(username)
    if user is None:
        raise click.ClickException(f"no member named {username!r}")
    return user


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.read().rstrip("\r\n")
    password: str = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


def _user_json(user: User) -> dict[str, object]:
    return {
        "id": user.id,
        "username": user.username,
        "email": user.email,
        "display_name": user.display_name,
        "role": user.role.value,
        "status": user.status.value,
        "email_verified_at": user.email_verified_at,
        "created_at": user.created_at,
    }
