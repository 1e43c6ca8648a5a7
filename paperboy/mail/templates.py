"""Mail templates: a subject line, a plain-text body and an HTML body rendered from one context."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from paperboy.domain.mail import RenderedMail

TEMPLATES = Path(__file__).parent / "templates"
_NAME = re.compile(r"[a-z0-9_]+")


class JinjaMailTemplates:
    """A `MailTemplates` over `<name>.subject`, `<name>.txt` and `<name>.html` in one folder.

    The HTML is autoescaped, the text and subject are not (they are never read as HTML); the
    subject is folded onto one line. An undefined variable is an error, never an empty string.
    Templates compile on first use and are kept (no reloading), so rendering is cheap.
    """

    def __init__(self, site_name: str, base_url: str, folder: Path = TEMPLATES) -> None:
        self._globals = {"site_name": site_name, "base_url": base_url.rstrip("/")}
        self._text = _environment(folder, autoescape=False)
        self._html = _environment(folder, autoescape=True)
        for environment in (self._text, self._html):
            environment.globals["absolute_url"] = self.absolute_url

    def absolute_url(self, path: str) -> str:
        """`path` (like `/verify?token=…`) as a link under the public base URL."""
        return urljoin(self._globals["base_url"] + "/", path.lstrip("/"))

    def render(self, name: str, context: Mapping[str, Any]) -> RenderedMail:
        """The three parts of template `name`, each given `site_name`, `base_url` and `context`."""
        if not _NAME.fullmatch(name):
            raise ValueError(f"mail template name {name!r}: use lower-case letters, digits and _")
        values = {**self._globals, **context}
        subject = self._text.get_template(f"{name}.subject").render(values)
        return RenderedMail(
            subject=" ".join(subject.split()),
            text=self._text.get_template(f"{name}.txt").render(values).strip() + "\n",
            html=self._html.get_template(f"{name}.html").render(values),
        )


def _environment(folder: Path, *, autoescape: bool) -> Environment:
    return Environment(
        loader=FileSystemLoader(folder),
        autoescape=autoescape,
        undefined=StrictUndefined,
        auto_reload=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
