"""`paperboy papers show|list`: one paper, or a day's / week's / month's list."""

from __future__ import annotations

import dataclasses
from typing import Any

import click

from paperboy.cli.context import CliContext, echo_json, pass_context
from paperboy.domain.calendar import (
    InvalidPeriod,
    Period,
    day_period,
    parse_day,
    parse_month,
    parse_week,
)
from paperboy.domain.models import DailyEntry, ListSort, Paper
from paperboy.services.daily import daily_page, today_period
from paperboy.services.papers import PaperNotFound, find_paper


@click.group("papers", epilog="Example:\n\n    paperboy papers list --date 2026-08-21 --json")
def command() -> None:
    """Look at stored papers and daily lists."""


@command.command(epilog="Example:\n\n    paperboy papers show https://arxiv.org/abs/2608.19880v1")
@click.argument("arxiv_id")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@pass_context
def show(ctx: CliContext, arxiv_id: str, as_json: bool) -> None:
    """One paper by any form of its id (bare, versioned, abs/pdf URL)."""
    try:
        view = find_paper(ctx.deps().store, arxiv_id)
    except PaperNotFound as error:
        raise click.ClickException(str(error)) from error
    if as_json:
        echo_json({**_paper_json(view.paper), "daily_lists": [_list_json(e) for e in view.entries]})
        return
    paper = view.paper
    click.echo(f"{paper.title}\n{', '.join(paper.authors)}\n")
    click.echo(f"arXiv {paper.arxiv_id}" + (f"v{paper.version}" if paper.version else ""))
    click.echo(f"{paper.abs_url}  {paper.code_url or ''}".rstrip())
    for entry in view.entries:
        click.echo(f"on the list of {entry.listed_on} with {entry.upvote_count} upvotes")
    click.echo(f"\n{paper.abstract}")


@command.command(
    "list", epilog="Example:\n\n    paperboy papers list --week 2026-W34 --sort newest --json"
)
@click.option("--date", "day", help="A day, YYYY-MM-DD (default: today, or the latest list).")
@click.option("--week", help="An ISO week, YYYY-Www.")
@click.option("--month", help="A month, YYYY-MM.")
@click.option(
    "--sort", type=click.Choice([s.value for s in ListSort]), default="upvotes", show_default=True
)
@click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@pass_context
def list_(
    ctx: CliContext,
    day: str | None,
    week: str | None,
    month: str | None,
    sort: str,
    limit: int,
    as_json: bool,
) -> None:
    """The papers on a day's, week's or month's list, by upvotes or newest."""
    deps = ctx.deps()
    period = (
        _period(day, week, month)
        or today_period(deps.store, deps.settings.timezone, deps.clock())[0]
    )
    page = daily_page(deps.store, period, sort=ListSort(sort), page_size=limit)
    if as_json:
        echo_json([{**_paper_json(e.paper), **_list_json(e)} for e in page.entries])
        return
    click.echo(f"{page.period.title}: {page.total_count} papers")
    for entry in page.entries:
        click.echo(f"{entry.upvote_count:5d}  {entry.paper.arxiv_id:12}  {entry.paper.title}")


def _period(day: str | None, week: str | None, month: str | None) -> Period | None:
    if sum(x is not None for x in (day, week, month)) > 1:
        raise click.UsageError("give at most one of --date, --week, --month")
    try:
        if day:
            return day_period(parse_day(day))
        if week:
            return parse_week(week)
        return parse_month(month) if month else None
    except InvalidPeriod as error:
        raise click.BadParameter(str(error)) from error


def _paper_json(paper: Paper) -> dict[str, Any]:
    return {**dataclasses.asdict(paper), "abs_url": paper.abs_url, "pdf_url": paper.pdf_url}


def _list_json(entry: DailyEntry) -> dict[str, Any]:
    return {
        "listed_on": entry.listed_on.isoformat(),
        "upvotes": entry.upvote_count,
        "comments": entry.comment_count,
        "submitter": entry.submitter.username if entry.submitter else None,
    }
