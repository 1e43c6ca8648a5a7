"""`paperboy lists add|remove|pin`: the operator curates any day's list from the shell."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import click

from paperboy.cli.context import CliContext, echo_json, pass_context
from paperboy.domain.calendar import InvalidPeriod, parse_day
from paperboy.domain.community import CommunityError
from paperboy.services import curation
from paperboy.services.curation import ListChange


@click.group("lists", epilog="Example:\n\n    paperboy lists pin 2025-01-10 2501.05441")
def command() -> None:
    """Curate daily lists: add any paper to a day, remove or pin an entry."""


def _day(ctx: click.Context, param: click.Parameter, value: str) -> date:
    try:
        return parse_day(value)
    except InvalidPeriod as error:
        raise click.BadParameter(str(error)) from error


day_argument = click.argument("day", callback=_day)
paper_argument = click.argument("arxiv_id")
json_option = click.option("--json", "as_json", is_flag=True, help="Print as JSON.")


@command.command(
    epilog="Example:\n\n    paperboy lists add 2025-01-10 https://arxiv.org/abs/2501.05441"
)
@day_argument
@paper_argument
@json_option
@pass_context
def add(ctx: CliContext, day: date, arxiv_id: str, as_json: bool) -> None:
    """Put a paper (id or URL; fetched from arXiv if new) on DAY's list."""
    deps = ctx.deps()
    _report(
        lambda: curation.add_to_list(
            deps.store, deps.curation, deps.sources, None, arxiv_id, day, deps.clock()
        ),
        as_json,
    )


@command.command(epilog="Example:\n\n    paperboy lists remove 2025-01-10 2501.05441")
@day_argument
@paper_argument
@json_option
@pass_context
def remove(ctx: CliContext, day: date, arxiv_id: str, as_json: bool) -> None:
    """Take a paper off DAY's list (later imports do not bring it back)."""
    deps = ctx.deps()
    _report(
        lambda: curation.remove_from_list(deps.curation, None, arxiv_id, day, deps.clock()),
        as_json,
    )


@command.command(epilog="Example:\n\n    paperboy lists pin --off 2025-01-10 2501.05441")
@day_argument
@paper_argument
@click.option("--off", is_flag=True, help="Unpin instead.")
@json_option
@pass_context
def pin(ctx: CliContext, day: date, arxiv_id: str, off: bool, as_json: bool) -> None:
    """Pin a paper to the top of DAY's list (--off unpins it)."""
    deps = ctx.deps()
    _report(
        lambda: curation.pin_on_list(
            deps.curation, None, arxiv_id, day, deps.clock(), pinned=not off
        ),
        as_json,
    )


def _report(action: Callable[[], ListChange], as_json: bool) -> None:
    try:
        change = action()
    except CommunityError as error:
        raise click.ClickException(str(error)) from error
    if as_json:
        echo_json({"id": change.arxiv_id, "date": change.listed_on, "change": change.change})
        return
    click.echo(f"{change.arxiv_id}: {change.change.replace('_', ' ')} ({change.listed_on})")
