"""`paperboy db upgrade|status`: versioned migrations on SQLite or PostgreSQL."""

from __future__ import annotations

import click

from paperboy.app import pending_migrations, upgrade_database
from paperboy.cli.context import CliContext, pass_context


@click.group("db", epilog="Example:\n\n    paperboy db upgrade")
def command() -> None:
    """Create or upgrade the database schema."""


@command.command(
    epilog="Example:\n\n    PAPERBOY_DATABASE_URL=postgresql+psycopg://db/pb paperboy db upgrade"
)
@pass_context
def upgrade(ctx: CliContext) -> None:
    """Apply every migration the database has not had yet (safe to run again)."""
    applied = upgrade_database(ctx.settings)
    for name in applied:
        click.echo(f"applied {name}")
    click.echo("database is up to date" if not applied else f"{len(applied)} migration(s) applied")


@command.command(epilog="Example:\n\n    paperboy db status")
@pass_context
def status(ctx: CliContext) -> None:
    """List migrations not applied yet."""
    waiting = pending_migrations(ctx.settings)
    for name in waiting:
        click.echo(f"pending {name}")
    click.echo("database is up to date" if not waiting else f"{len(waiting)} pending")
