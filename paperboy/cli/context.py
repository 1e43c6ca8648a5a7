"""What every command shares: the settings, and the deps built from them on first use."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import click

from paperboy.app import Deps, build_deps, pending_migrations
from paperboy.config import Settings


@dataclass
class CliContext:
    settings: Settings
    _deps: Deps | None = field(default=None, init=False)

    def deps(self) -> Deps:
        """The composition root's objects; refuses to run on a database that needs upgrading."""
        if self._deps is None:
            waiting = pending_migrations(self.settings)
            if waiting:
                raise click.ClickException(
                    f"the database needs {len(waiting)} migration(s): run `paperboy db upgrade`"
                )
            self._deps = build_deps(self.settings)
        return self._deps


pass_context = click.make_pass_decorator(CliContext)


def echo_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, ensure_ascii=False, default=str))
