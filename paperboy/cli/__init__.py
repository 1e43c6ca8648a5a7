"""The command line: `paperboy <noun> <verb>` and `paperboy serve`. Thin over services and jobs."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from paperboy.cli.context import CliContext
from paperboy.config import SettingsError, load_settings


@click.group(
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog="Example:\n\n    paperboy --database-url sqlite:///papers.sqlite3 papers list --json",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="TOML settings file (else $PAPERBOY_CONFIG).",
)
@click.option("--database-url", help="Overrides PAPERBOY_DATABASE_URL.")
@click.version_option(package_name="paperboy")
@click.pass_context
def cli(ctx: click.Context, config_file: Path | None, database_url: str | None) -> None:
    """paperboy: a self-hostable daily list of research papers."""
    try:
        settings = load_settings(config_file=config_file, database_url=database_url)
    except SettingsError as error:
        raise click.UsageError(f"bad setting: {error}") from error
    ctx.obj = CliContext(settings)


def _register() -> None:
    from paperboy.cli import db, embed, index, ingest, jobs, papers, sample, serve, settings

    for module in (db, embed, index, ingest, jobs, papers, sample, serve, settings):
        cli.add_command(module.command)
    from paperboy.cli import search

    cli.add_command(search.command)
    from paperboy.cli import users

    cli.add_command(users.command)
    from paperboy.cli import lists

    cli.add_command(lists.command)
    from paperboy.cli import digest

    cli.add_command(digest.command)


_register()


def main() -> None:
    """Entry point of the `paperboy` script."""
    try:
        cli.main(prog_name="paperboy")
    except KeyboardInterrupt:
        click.echo("\ninterrupted: run the same command again to resume where it stopped", err=True)
        sys.exit(130)
