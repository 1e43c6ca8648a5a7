"""`paperboy embed`: vectors for new and changed papers, with a progress bar; rerun to resume."""

from __future__ import annotations

import click

from paperboy.cli.context import CliContext, echo_json, pass_context
from paperboy.cli.progress import TerminalProgress
from paperboy.jobs.tasks import TaskContext, run_task

TASK = "embed.papers"


@click.command("embed", epilog="Example:\n\n    paperboy embed --batch-size 64")
@click.option(
    "--batch-size",
    type=click.IntRange(min=1, max=4096),
    default=64,
    show_default=True,
    help="Papers embedded and saved per transaction (a kill loses at most one batch).",
)
@click.option("--limit", type=click.IntRange(min=1), help="Stop after this many papers.")
@click.option("--queue", is_flag=True, help="Queue a job instead of running now.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@pass_context
def command(
    ctx: CliContext, batch_size: int, limit: int | None, queue: bool, as_json: bool
) -> None:
    """Embed papers that have no vector yet or whose title or abstract changed."""
    deps = ctx.deps()
    payload = {"batch_size": batch_size, "limit": limit}
    if queue:
        job_id = deps.jobs.enqueue(TASK, payload)
        click.echo(f"queued job {job_id} ({TASK}); `paperboy jobs run` or `paperboy serve` runs it")
        return
    result = run_task(deps, TASK, payload, TaskContext(progress=TerminalProgress()))
    if as_json:
        echo_json(result)
        return
    click.echo(
        "embedded {embedded:,}  already current {skipped:,}  "
        "{seconds:.1f} s  {per_second:,.1f}/s  model {model}".format(**result)
    )
