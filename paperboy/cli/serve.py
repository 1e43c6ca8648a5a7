"""`paperboy serve`: the web site, API and feeds (and the embedded job runner) with uvicorn."""

from __future__ import annotations

import dataclasses
import os

import click
import uvicorn

from paperboy.cli.context import CliContext, pass_context
from paperboy.config import ENV_PREFIX


@click.command("serve", epilog="Example:\n\n    paperboy serve --port 8000 --workers 2")
@click.option("--host", help="Address to bind (default: PAPERBOY_HOST, 127.0.0.1).")
@click.option("--port", type=int, help="Port (default: PAPERBOY_PORT, 8000).")
@click.option(
    "--workers", type=click.IntRange(1, 64), help="Processes (default: PAPERBOY_WORKERS)."
)
@pass_context
def command(ctx: CliContext, host: str | None, port: int | None, workers: int | None) -> None:
    """Serve the site at http://HOST:PORT/ on the configured database."""
    ctx.deps()  # refuses to start on a database that needs `paperboy db upgrade`
    settings = ctx.settings
    # uvicorn's app factory (in each worker) reads the environment: hand it these very
    # settings, so a --config file and --database-url reach the served app too
    for name, value in dataclasses.asdict(settings).items():
        os.environ[f"{ENV_PREFIX}{name.upper()}"] = str(value)
    host, port = host or settings.host, port or settings.port
    click.echo(f"paperboy on http://{host}:{port}/  (database {settings.database_url})")
    uvicorn.run(
        "paperboy.web.app:create_app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers or settings.workers,
        log_level="warning",
        access_log=False,
        proxy_headers=True,
    )
