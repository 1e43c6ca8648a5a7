"""`paperboy db upgrade|status|copy`: versioned migrations, and moving to another database."""

from __future__ import annotations

import click

from paperboy.app import CopyRefused, copy_database_to, pending_migrations, upgrade_database
from paperboy.cli.context import CliContext, pass_context
from paperboy.cli.progress import TerminalProgress


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


@command.command(
    epilog="Example:\n\n    paperboy db copy postgresql+psycopg://paperboy@db.example.org/paperboy"
)
@click.argument("target_url")
@pass_context
def copy(ctx: CliContext, target_url: str) -> None:
    """Copy every row of the configured database into TARGET_URL (e.g. SQLite to PostgreSQL).

    The target is upgraded first. Run it again after an interruption: rows already copied are
    skipped. Then point PAPERBOY_DATABASE_URL at the target and run `paperboy index rebuild`.
    """
    try:
        report = copy_database_to(ctx.settings, target_url, TerminalProgress())
    except CopyRefused as error:
        raise click.ClickException(str(error)) from None
    for table in report:
        if table.source_rows:
            click.echo(
                f"{table.table:24} {table.copied:>10,} copied {table.already_there:>10,} there"
            )
    total = sum(t.copied for t in report)
    click.echo(f"{total:,} rows copied; next: `paperboy index rebuild` against the new database")
