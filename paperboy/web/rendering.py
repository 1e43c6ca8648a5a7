"""The page renderer: Jinja2 templates compiled once per app, autoescaped, with our filters.

Static files are linked with a content hash (`/static/style.css?v=…`), so browsers may cache
them for a year and still see a new version the moment it ships.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import jinja2
from fastapi import Depends, Request
from fastapi.responses import HTMLResponse

from paperboy.domain.accounts import User
from paperboy.domain.urls import web_url
from paperboy.web import formatting
from paperboy.web.member_pages import MemberPages, pick

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
_FILTERS = {
    "http_url": web_url,
    "short_authors": formatting.short_authors,
    "compact": formatting.compact_count,
    "plural": formatting.plural,
    "day": formatting.day_label,
    "teaser": formatting.teaser,
    "flatten": formatting.flatten,
    "doi_url": formatting.doi_url,
    "paper_path": formatting.paper_path,
    "period_path": formatting.period_path,
    "period_name": formatting.period_name,
}


# Every page may show who is logged in and post forms: `user` and `csrf_token` are always set.
VISITOR_DEFAULTS: Mapping[str, Any] = {"user": None, "csrf_token": ""}


class Renderer:
    """Renders templates to HTML responses; built once by `create_app`, bound per request."""

    def __init__(self, site_name: str) -> None:
        self.site_name = site_name
        self.defaults: Mapping[str, Any] = VISITOR_DEFAULTS
        self.assets = asset_versions(STATIC)
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(TEMPLATES),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            auto_reload=False,
        )
        self.env.filters.update(_FILTERS)
        self.env.globals.update(site_name=site_name, asset=self.asset, pick=pick)
        self.member_pages = MemberPages()  # shared, also by the copies `bound` makes
        for name in self.env.list_templates(extensions=["html"]):
            self.env.get_template(name)  # compile every template now, not on a first request

    def asset(self, path: str) -> str:
        """The URL of a static file, versioned by its content."""
        version = self.assets.get(path)
        return f"/static/{path}?v={version}" if version else f"/static/{path}"

    def bound(self, defaults: Mapping[str, Any]) -> Renderer:
        """This renderer giving every template `defaults` too (the visitor: user, csrf_token)."""
        bound = copy.copy(self)
        bound.defaults = {**VISITOR_DEFAULTS, **defaults}
        return bound

    def render(self, name: str, context: Mapping[str, Any], status_code: int = 200) -> HTMLResponse:
        return HTMLResponse(self.html(name, context), status_code=status_code)

    def html(self, name: str, context: Mapping[str, Any]) -> str:
        """The template `name` rendered with the visitor's defaults and `context`."""
        return self.env.get_template(name).render({**self.defaults, **context})

    @property
    def visitor(self) -> tuple[User | None, str]:
        """The member this renderer is bound to (None for anonymous) and their CSRF token."""
        return self.defaults["user"], str(self.defaults["csrf_token"])

    def error_page(self, status_code: int, title: str, message: str) -> HTMLResponse:
        context = {"status_code": status_code, "title": title, "message": message}
        return self.render("error.html", context, status_code)


def asset_versions(root: Path) -> dict[str, str]:
    """A short content hash of each text asset under `root` (fonts are named by KaTeX)."""
    versions = {}
    for path in root.rglob("*"):
        if path.suffix in {".css", ".js"}:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:10]
            versions[path.relative_to(root).as_posix()] = digest
    return versions


def renderer_of(request: Request) -> Renderer:
    """The app's `Renderer` (stored on it by `create_app`), bound to this request's visitor."""
    renderer: Renderer = request.app.state.renderer
    visitor = getattr(request.state, "page_context", None)  # set by web.request_guard
    return renderer.bound(visitor) if visitor else renderer


async def get_renderer(request: Request) -> Renderer:
    # async: FastAPI would run a plain function in the thread pool, a hop per request.
    return renderer_of(request)


RendererDep = Annotated[Renderer, Depends(get_renderer)]
