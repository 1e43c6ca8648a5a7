"""Running a task from the CLI: in the foreground with a progress bar, or queued for a worker."""

from __future__ import annotations

from typing import Any

import click

from paperboy.cli.context import CliContext, echo_json
from paperboy.cli.progress import TerminalProgress
from paperboy.domain.models import Rejection
from paperboy.jobs.tasks import TaskContext, run_task

SHOWN_REJECTIONS = 20


def run_or_queue(
    ctx: CliContext, task: str, payload: dict[str, Any], *, queue: bool, as_json: bool
) -> None:
    """Queue the task (`--queue`) or run it now, then print its report."""
    deps = ctx.deps()
    if queue:
        job_id = deps.jobs.enqueue(task, payload)
        click.echo(f"queued job {job_id} ({task}); `paperboy jobs run` or `paperboy serve` runs it")
        return
    shown: list[Rejection] = []
    context = TaskContext(progress=TerminalProgress(), on_rejection=lambda r: _report(r, shown))
    result = run_task(deps, task, payload, context)
    if as_json:
        echo_json(result)
        return
    click.echo(
        "new {new:,}  updated {updated:,}  unchanged {unchanged:,}  rejected {rejected:,}".format(
            **result
        )
    )


def _report(rejection: Rejection, shown: list[Rejection]) -> None:
    shown.append(rejection)
    if len(shown) <= SHOWN_REJECTIONS:
        click.echo(f"rejected: {rejection}", err=True)
    elif len(shown) == SHOWN_REJECTIONS + 1:
        click.echo("rejected: … (more rejections not shown; counted in the report)", err=True)
