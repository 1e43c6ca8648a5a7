"""`paperboy digest preview|run|status`: email digests from the command line."""

from __future__ import annotations

import click

from paperboy.cli.context import CliContext, echo_json, pass_context
from paperboy.cli.progress import TerminalProgress
from paperboy.domain.mail import OutgoingMail
from paperboy.services.digest_outbox import DigestRunReport, composer_of, run_digests
from paperboy.services.digest_status import DigestStatus, digest_status, preview_digest


@click.group("digest", epilog="Example:\n\n    paperboy digest run --dry-run")
def command() -> None:
    """Email digests: see one subscriber's next digest, send what is due, see how sending went."""


@command.command(epilog="Example:\n\n    paperboy digest preview ada@example.org --html")
@click.argument("email")
@click.option("--html", "show_html", is_flag=True, help="Print the HTML part, not the text.")
@pass_context
def preview(ctx: CliContext, email: str, show_html: bool) -> None:
    """Print the digest EMAIL would get now (nothing is sent or stored)."""
    deps = ctx.deps()
    subscription = deps.subscriptions.by_email(email)
    if subscription is None:
        raise click.ClickException(f"no subscription for {email!r} (see `paperboy digest status`)")
    period, mail = preview_digest(
        deps.deliveries, composer_of(deps), subscription, deps.clock(), deps.settings.base_url
    )
    if mail is None:
        click.echo(f"nothing new to send to {subscription.email} for {period}")
        return
    click.echo(_shown(mail, show_html))


@command.command(epilog="Example:\n\n    paperboy digest run --connections 8")
@click.option(
    "--dry-run", is_flag=True, help="List who is due and what they would get; send nothing."
)
@click.option(
    "--connections",
    type=click.IntRange(1, 64),
    help="SMTP connections (default: digest_connections).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@pass_context
def run(ctx: CliContext, dry_run: bool, connections: int | None, as_json: bool) -> None:
    """Plan the digests that are due and send them (safe to interrupt and run again)."""
    deps = ctx.deps()
    progress = None if dry_run or as_json else TerminalProgress()
    report = run_digests(deps, dry_run=dry_run, connections=connections, progress=progress)
    if as_json:
        echo_json(report.as_dict())
    elif dry_run:
        _echo_due(report)
    else:
        _echo_report(report)


@command.command(epilog="Example:\n\n    paperboy digest status --json")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@pass_context
def status(ctx: CliContext, as_json: bool) -> None:
    """Subscribers by status, deliveries by status, what is due, the last runs and failures."""
    deps = ctx.deps()
    state = digest_status(deps.subscriptions, deps.digest_runs, deps.clock())
    if as_json:
        echo_json(state.as_dict())
    else:
        _echo_status(state)


def _shown(mail: OutgoingMail, show_html: bool) -> str:
    headers = [("To", mail.to), ("Subject", mail.subject), *mail.headers]
    head = "\n".join(f"{name}: {value}" for name, value in headers)
    return f"{head}\n\n{(mail.html or '') if show_html else mail.text}"


def _echo_due(report: DigestRunReport) -> None:
    for due in report.due:
        titles = len(due.titles)
        click.echo(
            f"{due.email}  {due.period}  {titles} paper(s)"
            if titles
            else f"{due.email}  {due.period}  nothing new"
        )
        for title in due.titles:
            click.echo(f"    {title}")
    click.echo(f"dry run: {len(report.due)} subscriber(s) due; nothing was sent or stored")


def _echo_report(report: DigestRunReport) -> None:
    counts = report.counts
    click.echo(
        f"run {report.run_id}: planned {counts.planned}, sent {counts.sent}, "
        f"nothing new {counts.empty}, retry later {counts.retried}, failed {counts.failed}, "
        f"paused {report.paused} ({report.seconds:.1f} s)"
    )
    if report.note:
        click.echo(f"note: {report.note}", err=True)


def _echo_status(state: DigestStatus) -> None:
    click.echo("subscribers: " + ", ".join(f"{k} {v}" for k, v in state.subscribers.items()))
    click.echo("deliveries:  " + ", ".join(f"{k} {v}" for k, v in state.deliveries.items()))
    click.echo(
        f"due now:     {state.due_subscriptions} subscription(s) to plan, "
        f"{state.waiting_deliveries} delivery(ies) to send"
    )
    for run in state.runs:
        c = run.counts
        ended = f"{run.finished_at:%H:%M:%S}" if run.finished_at else "unfinished"
        click.echo(
            f"run {run.id:5d}  {run.started_at:%Y-%m-%d %H:%M:%S} → {ended}  planned {c.planned}"
            f"  sent {c.sent}  empty {c.empty}  retried {c.retried}  failed {c.failed}"
        )
    for failure in state.failures:
        d = failure.delivery
        click.echo(
            f"{d.status.value:7}  {failure.email}  {d.period}  {d.attempts}×  {d.last_error or ''}"
        )
