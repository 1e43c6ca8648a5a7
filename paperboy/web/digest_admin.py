"""`/admin/digests`: how the email digests are doing — subscribers, the outbox, runs, failures.

Admins only; `/api/admin/digests` is the same as JSON. A form on the page queues a digest run
now (the same `digest.run` job the scheduler queues), answered by a 303 back to the page.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from paperboy.jobs.scheduler import DIGEST_TASK
from paperboy.services.digest_status import digest_status
from paperboy.web.auth import Admin
from paperboy.web.deps import DepsDep
from paperboy.web.rendering import RendererDep

router = APIRouter(include_in_schema=False)


@router.get("/admin/digests", response_class=HTMLResponse)
async def digests_page(deps: DepsDep, pages: RendererDep, admin: Admin) -> HTMLResponse:
    """Subscriber counts by status, deliveries by status, what is due now, runs and failures."""
    state = digest_status(deps.subscriptions, deps.digest_runs, deps.clock())
    queued = [j for j in deps.jobs.recent(50) if j.task == DIGEST_TASK and j.status == "queued"]
    return pages.render("admin_digests.html", {"state": state, "queued": len(queued)})


@router.get("/api/admin/digests")
async def digests_json(deps: DepsDep, admin: Admin) -> JSONResponse:
    """The same as the page, as JSON (what `paperboy digest status --json` prints)."""
    state = digest_status(deps.subscriptions, deps.digest_runs, deps.clock())
    return JSONResponse(state.as_dict())


@router.post("/admin/digests/run")
async def run_now(deps: DepsDep, admin: Admin) -> Response:
    """Queue a digest run now; the job runner picks it up."""
    deps.jobs.enqueue(DIGEST_TASK, {})
    return RedirectResponse("/admin/digests?queued=1", status_code=303)
