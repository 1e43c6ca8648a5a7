"""`paperboy index sync|rebuild`: bring the search indexes up to date with the database."""

from __future__ import annotations

from typing import Any

import click

from paperboy.cli.context import CliContext, echo_json, pass_context
from paperboy.cli.progress import TerminalProgress
from paperboy.jobs.tasks import TASKS, TaskContext, run_task


@click.group("index", epilog="Example:\n\n    paperboy index sync")
def command() -> None:
    """The search indexes (derived from the database, kept under the index folder)."""


@command.command(epilog="Example:\n\n    paperboy index sync --json")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@pass_context
def sync(ctx: CliContext, as_json: bool) -> None:
    """Index papers added or changed since the last sync (resumes after an interruption)."""
    _run(ctx, rebuild=False, as_json=as_json)


@command.command(epilog="Example:\n\n    paperboy index rebuild")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@pass_context
def rebuild(ctx: CliContext, as_json: bool) -> None:
    """Index every paper again from scratch; searches use the old index until it is done."""
    _run(ctx, rebuild=True, as_json=as_json)


def _run(ctx: CliContext, *, rebuild: bool, as_json: bool) -> None:
    deps = ctx.deps()
    results: dict[str, Any] = {}
    for task in sorted(name for name in TASKS if name.startswith("index.")):
        context = TaskContext(progress=TerminalProgress())
        results[task.removeprefix("index.")] = run_task(deps, task, {"rebuild": rebuild}, context)
    if as_json:
        echo_json(results)
        return
    for name, result in results.items():
        indexed = result.get("indexed", 0)
        click.echo(f"{name}: {indexed:,} paper(s) {'indexed' if rebuild else 'brought up to date'}")
