"""`paperboy sample load`: the bundled real sample, so a new install shows a real list offline."""

from __future__ import annotations

import click

from paperboy.cli.context import CliContext, pass_context
from paperboy.cli.run import run_or_queue


@click.group("sample", epilog="Example:\n\n    paperboy sample load")
def command() -> None:
    """The bundled sample of real daily lists."""


@command.command(epilog="Example:\n\n    paperboy sample load")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@pass_context
def load(ctx: CliContext, as_json: bool) -> None:
    """Import the bundled 30 days of real daily lists (running it again changes nothing)."""
    run_or_queue(ctx, "sample.load", {"restart": True}, queue=False, as_json=as_json)
