"""`paperboy jobs list|run`: the background queue and a foreground worker."""

from __future__ import annotations

import dataclasses

import click

from paperboy.cli.context import CliContext, echo_json, pass_context
from paperboy.jobs.runner import EmbeddedRunner


@click.group("jobs", epilog="Example:\n\n    paperboy jobs run --until-empty")
def command() -> None:
    """Background jobs: ingest now, embeddings and digests later."""


@command.command("list", epilog="Example:\n\n    paperboy jobs list --limit 5 --json")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@pass_context
def list_(ctx: CliContext, limit: int, as_json: bool) -> None:
    """The most recent jobs, newest first."""
    jobs = ctx.deps().jobs.recent(limit)
    if as_json:
        echo_json([dataclasses.asdict(job) for job in jobs])
        return
    for job in jobs:
        created = f"{job.created_at:%Y-%m-%d %H:%M}"
        click.echo(f"{job.id:6d}  {job.status:8}  {job.task:28}  {created}  {job.error or ''}")


@command.command(epilog="Example:\n\n    paperboy jobs run --until-empty")
@click.option("--until-empty", is_flag=True, help="Stop when no job is due (else keep polling).")
@pass_context
def run(ctx: CliContext, until_empty: bool) -> None:
    """Run queued jobs in the foreground (a worker; Ctrl-C stops it, jobs resume later)."""
    runner = EmbeddedRunner(ctx.deps())
    if until_empty:
        click.echo(f"ran {runner.run_until_empty()} job(s)")
        return
    click.echo("worker running; Ctrl-C to stop")
    runner.run_forever()
