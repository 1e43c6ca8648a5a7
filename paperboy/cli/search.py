"""`paperboy search "..."`: hybrid search from the terminal, as a table or `--json`."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

import click

from paperboy.app import run_search
from paperboy.cli.context import CliContext, echo_json, pass_context
from paperboy.domain.search import (
    QueryTooLong,
    SearchFilters,
    SearchHit,
    SearchRequest,
    SearchResult,
    SearchSort,
    parse_query,
)


@click.command(
    "search",
    epilog='Example:\n\n    paperboy search "spiking networks" --has-code --json',
)
@click.argument("query", required=False, default="")
@click.option("--category", help="Only papers in this arXiv category (cs.CL).")
@click.option("--author", help="Only papers by an author named so.")
@click.option("--from", "from_", type=click.DateTime(["%Y-%m-%d"]), help="Published on or after.")
@click.option("--to", type=click.DateTime(["%Y-%m-%d"]), help="Published on or before.")
@click.option("--has-code", is_flag=True, help="Only papers with a code link.")
@click.option("--on-list", is_flag=True, help="Only papers that were on a daily list.")
@click.option(
    "--sort",
    type=click.Choice([s.value for s in SearchSort]),
    default="relevance",
    show_default=True,
)
@click.option("--limit", type=click.IntRange(1, 200), default=10, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print as JSON, with scores and timings.")
@pass_context
def command(
    ctx: CliContext,
    query: str,
    category: str | None,
    author: str | None,
    from_: Any,
    to: Any,
    has_code: bool,
    on_list: bool,
    sort: str,
    limit: int,
    as_json: bool,
) -> None:
    """Papers matching QUERY by words and by meaning; an arXiv id or exact title comes first."""
    try:
        parsed = parse_query(query)
    except QueryTooLong as error:
        raise click.BadParameter(str(error), param_hint="QUERY") from error
    filters = SearchFilters(
        published_from=_day(from_),
        published_to=_day(to),
        category=category,
        author=author,
        has_code=True if has_code else None,
        on_daily_list=True if on_list else None,
    )
    result = run_search(ctx.deps(), SearchRequest(parsed, filters, SearchSort(sort), limit=limit))
    if as_json:
        echo_json(result_json(result))
        return
    _print(result)


def result_json(result: SearchResult) -> dict[str, Any]:
    """The result as plain JSON: the hits with scores and ranks, and what the search did."""
    return {
        "query": result.request.query.raw,
        "total": result.total_count,
        "took_ms": result.took_ms,
        "degraded": result.degraded,
        "timings_ms": dict(result.timings_ms),
        "hits": [_hit_json(hit) for hit in result.hits],
    }


def _hit_json(hit: SearchHit) -> dict[str, Any]:
    paper = dataclasses.asdict(hit.paper)
    paper.update(abs_url=hit.paper.abs_url, pdf_url=hit.paper.pdf_url)
    return {
        "paper": paper,
        "score": hit.score,
        "keyword_rank": hit.keyword_rank,
        "vector_rank": hit.vector_rank,
        "pinned": hit.pinned,
        "upvotes": hit.upvote_count,
        "listed_on": hit.listed_on.isoformat() if hit.listed_on else None,
    }


def _print(result: SearchResult) -> None:
    if result.degraded:
        click.echo(f"note: {result.degraded}", err=True)
    shown = len(result.hits)
    click.echo(f"{result.total_count} results ({shown} shown) in {result.took_ms:.0f} ms")
    for number, hit in enumerate(result.hits, 1):
        mark = "*" if hit.pinned else " "
        day = hit.paper.published_at.date().isoformat() if hit.paper.published_at else "?"
        click.echo(f"{number:3d}{mark} {hit.paper.arxiv_id:12} {day}  {hit.paper.title}")


def _day(value: Any) -> date | None:
    return value.date() if value is not None else None
