"""`paperboy ingest …`: import from each source, resumable, with a progress bar."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import click

from paperboy.cli.context import CliContext, pass_context
from paperboy.cli.run import run_or_queue

DAY = click.DateTime(formats=["%Y-%m-%d"])


def _common(func: click.decorators.FC) -> click.decorators.FC:
    func = click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")(func)
    func = click.option("--queue", is_flag=True, help="Queue a job instead of running now.")(func)
    return click.option(
        "--restart", is_flag=True, help="Ignore the saved cursor and start from the beginning."
    )(func)


@click.group("ingest", epilog="Example:\n\n    paperboy ingest daily-papers data/daily/")
def command() -> None:
    """Import papers and daily lists from a source (interrupt and rerun to resume)."""


@command.command(
    "daily-papers",
    epilog="Examples:\n\n\b\n    paperboy ingest daily-papers --date 2026-08-21 --url https://hf.co/api/daily_papers\n\n"
    "    paperboy ingest daily-papers data/hf-daily-papers/latest/",
)
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--url", help="A /api/daily_papers endpoint (default: PAPERBOY_DAILY_PAPERS_URL).")
@click.option("--date", "day", type=DAY, help="The day to fetch from the URL.")
@_common
@pass_context
def daily_papers(
    ctx: CliContext,
    paths: tuple[Path, ...],
    url: str | None,
    day: datetime | None,
    restart: bool,
    queue: bool,
    as_json: bool,
) -> None:
    """Daily lists in the /api/daily_papers JSON shape, from files, folders or a URL."""
    if paths and (url or day):
        raise click.UsageError("give files or --url/--date, not both")
    if paths:
        payload = {"paths": [str(p.resolve()) for p in paths], "restart": restart}
        run_or_queue(ctx, "ingest.daily_papers_files", payload, queue=queue, as_json=as_json)
        return
    if day is None:
        raise click.UsageError("give files or folders, or --date (with an optional --url)")
    payload = {"date": day.date().isoformat(), "url": url, "restart": restart}
    run_or_queue(ctx, "ingest.daily_papers_url", payload, queue=queue, as_json=as_json)


@command.command(
    "snapshot",
    epilog="Example:\n\n    paperboy ingest snapshot arxiv-metadata-oai-snapshot.json",
)
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_common
@pass_context
def snapshot(ctx: CliContext, path: Path, restart: bool, queue: bool, as_json: bool) -> None:
    """The arXiv metadata snapshot or a daily-listing dump (JSON lines, .gz too)."""
    payload = {"path": str(path.resolve()), "restart": restart}
    run_or_queue(ctx, "ingest.jsonl", payload, queue=queue, as_json=as_json)


@command.command(
    "arxiv",
    epilog="Examples:\n\n"
    "    paperboy ingest arxiv --category cs.CL --from 2026-08-01 --until 2026-08-02\n\n"
    "    paperboy ingest arxiv --id 2608.19880 --id 2608.19881",
)
@click.option("--category", help="arXiv category, e.g. cs.CL.")
@click.option("--from", "start", type=DAY, help="First submission day.")
@click.option("--until", "end", type=DAY, help="Last submission day.")
@click.option("--id", "ids", multiple=True, help="An arXiv id (repeat for more).")
@_common
@pass_context
def arxiv(
    ctx: CliContext,
    category: str | None,
    start: datetime | None,
    end: datetime | None,
    ids: tuple[str, ...],
    restart: bool,
    queue: bool,
    as_json: bool,
) -> None:
    """Papers from the arXiv export API, by category and dates or by ids (one request per 3 s)."""
    if not ids and not category:
        raise click.UsageError("give --category (with --from/--until) or one or more --id")
    payload = {
        "category": category,
        "start": _iso(start),
        "end": _iso(end),
        "ids": list(ids),
        "restart": restart,
    }
    run_or_queue(ctx, "ingest.arxiv_api", payload, queue=queue, as_json=as_json)


@command.command(
    "oai",
    epilog="Example:\n\n    paperboy ingest oai --from 2026-08-01 --set cs --format arXivRaw",
)
@click.option("--from", "start", type=DAY, help="Harvest records changed since this day.")
@click.option("--until", "end", type=DAY, help="…and up to this day.")
@click.option("--set", "set_spec", help="OAI set, e.g. cs or physics:hep-th.")
@click.option(
    "--format",
    "metadata_prefix",
    type=click.Choice(["arXivRaw", "arXiv"]),
    default="arXivRaw",
    show_default=True,
    help="Metadata format.",
)
@_common
@pass_context
def oai(
    ctx: CliContext,
    start: datetime | None,
    end: datetime | None,
    set_spec: str | None,
    metadata_prefix: str,
    restart: bool,
    queue: bool,
    as_json: bool,
) -> None:
    """Harvest arXiv OAI-PMH (ListRecords), following resumption tokens."""
    payload = {
        "from": _iso(start),
        "until": _iso(end),
        "set": set_spec,
        "metadata_prefix": metadata_prefix,
        "restart": restart,
    }
    run_or_queue(ctx, "ingest.oai", payload, queue=queue, as_json=as_json)


def _iso(value: datetime | date | None) -> str | None:
    if value is None:
        return None
    return (value.date() if isinstance(value, datetime) else value).isoformat()
