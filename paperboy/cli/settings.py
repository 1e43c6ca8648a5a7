"""`paperboy config show`: the settings in force, secrets masked."""

from __future__ import annotations

import click

from paperboy.cli.context import CliContext, echo_json, pass_context
from paperboy.config import settings_docs


@click.group("config", epilog="Example:\n\n    paperboy config show")
def command() -> None:
    """Inspect settings (PAPERBOY_* variables and the TOML file)."""


@command.command(
    epilog="Example:\n\n    PAPERBOY_TIMEZONE=Europe/Paris paperboy config show --json"
)
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@pass_context
def show(ctx: CliContext, as_json: bool) -> None:
    """Print every setting with its value and what it does."""
    values = ctx.settings.masked()
    if as_json:
        echo_json(values)
        return
    docs = settings_docs()
    for name, value in values.items():
        click.echo(f"{name:24} {value!s:40} {docs.get(name, '')}")
