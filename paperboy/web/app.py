"""The web app factory: pages, JSON API and feeds over one `Deps`, with no import-time state.

`create_app(deps)` is what tests call with their own `Deps`; `create_app_from_env()` is the
factory `uvicorn --factory` (and `paperboy serve`) runs, reading settings once.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.gzip import GZipMiddleware

from paperboy.app import Deps, build_deps, warm_up
from paperboy.config import load_settings
from paperboy.domain.calendar import today_in
from paperboy.jobs.runner import EmbeddedRunner
from paperboy.jobs.scheduler import DigestScheduler
from paperboy.web import (
    account_api,
    account_pages,
    account_settings,
    admin_pages,
    api,
    comment_api,
    comment_pages,
    community_api,
    community_pages,
    digest_admin,
    digest_feeds,
    docs,
    feeds,
    pages,
    profile_pages,
    search_api,
    search_pages,
    subscription_api,
    subscription_pages,
)
from paperboy.web.auth import install_auth
from paperboy.web.cache import ResponseCache
from paperboy.web.comment_pages import install_discussion_errors
from paperboy.web.errors import install_error_handlers
from paperboy.web.headers import ResponseHeaders
from paperboy.web.rendering import STATIC, Renderer
from paperboy.web.request_guard import RequestGuard

API_DESCRIPTION = (
    "Daily lists of research papers ranked by upvotes, and one paper at a time. "
    "`/api/daily_papers` keeps the shape of Hugging Face's endpoint of the same name. "
    'Errors are `{"error": {"code": "...", "message": "..."}}` with the matching status.'
)


def create_app(deps: Deps, *, run_jobs: bool = False) -> FastAPI:
    """The whole site serving `deps`: HTML pages, `/api/`, `/feeds/` and `/static/`.

    With `run_jobs`, the embedded job runner works in a thread while the app is up (each
    worker process runs one; claims are exclusive, so several never run the same job).
    """
    app = FastAPI(
        title=f"{deps.settings.site_name} API",
        description=API_DESCRIPTION,
        version="1",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan(deps, run_jobs=run_jobs),
    )
    app.state.deps = deps
    app.state.renderer = Renderer(deps.settings.site_name)
    app.include_router(pages.router)
    app.include_router(search_pages.router)
    app.include_router(search_pages.feed_router)
    app.include_router(search_api.router)  # before api's /api/papers/{arxiv_id:path}
    app.include_router(comment_api.router)  # likewise, for …/comments and …/claims
    app.include_router(community_api.router)  # likewise, for …/upvote
    app.include_router(community_pages.router)
    app.include_router(comment_pages.router)
    app.include_router(profile_pages.router)
    app.include_router(profile_pages.api_router)
    app.include_router(api.router)
    app.include_router(digest_feeds.router)  # before feeds: /feeds/digest/{token}.rss
    app.include_router(feeds.router)
    app.include_router(docs.router)
    app.include_router(account_pages.router)
    app.include_router(account_settings.router)
    app.include_router(subscription_pages.router)
    app.include_router(subscription_api.router)
    app.include_router(account_api.router)
    app.include_router(admin_pages.router)
    app.include_router(digest_admin.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    install_error_handlers(app)
    install_auth(app)
    install_discussion_errors(app)
    admin_pages.install_admin_errors(app)
    community_pages.install(app, deps)
    # Innermost: the identity, CSRF and body-size checks every route relies on.
    app.add_middleware(RequestGuard, deps=deps)
    app.add_middleware(ResponseHeaders)
    # Level 1 still shrinks a 50-paper page by 70%, in a third of level 6's time (1.5 ms).
    app.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=1)
    # Outermost, so a hit skips everything above, gzip included (the key says which encoding).
    app.add_middleware(ResponseCache, version=cache_version(deps))
    return app


def cache_version(deps: Deps) -> Callable[[], tuple[object, ...]]:
    """What cached answers depend on besides the request: today, the content, the vector index.

    Paper pages list similar papers, which change when the vector index catches up with new
    embeddings (the faiss index does so on its own, a moment after the content revision moves).
    """

    def version() -> tuple[object, ...]:
        today = today_in(deps.settings.timezone, deps.clock())
        return (today, deps.store.content_revision(), deps.vectors.version())

    return version


def create_app_from_env() -> FastAPI:
    """The app for `uvicorn --factory paperboy.web.app:create_app_from_env`."""
    settings = load_settings()
    app = create_app(build_deps(settings), run_jobs=settings.run_jobs)
    # What start-up made (modules, templates, routes, ~150k objects) lives as long as the
    # process: frozen, it is no longer walked by full collections, which took 60-140 ms each
    # under load and set the logged-in page's p99 (bench/community_bench.py).
    gc.collect()
    gc.freeze()
    return app


def lifespan(
    deps: Deps, *, run_jobs: bool
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Start-up and shutdown: warm the search model, and run queued jobs in a thread if asked."""

    @asynccontextmanager
    async def span(app: FastAPI) -> AsyncIterator[None]:
        # In the background: the first search would otherwise pay ~0.4 s of model loading,
        # and start-up must not wait for it.
        threading.Thread(target=warm_up, args=(deps,), name="warm-up", daemon=True).start()
        runner = EmbeddedRunner(deps) if run_jobs else None
        scheduler = DigestScheduler(deps) if run_jobs else None
        if runner is not None and scheduler is not None:
            runner.start()
            scheduler.start()  # queues digest.run every digest_interval_minutes
        try:
            yield
        finally:
            if runner is not None and scheduler is not None:
                scheduler.stop()
                runner.stop()

    return span
