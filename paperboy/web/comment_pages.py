"""The discussion's HTML faces: comment and claim forms on paper pages, and /moderation.

Every action is a plain form post (the CSRF token is checked centrally by the request guard)
answered by a 303 back to the paper, so it all works without JavaScript. Errors of these
actions become a page saying what was wrong (or JSON under /api/), by `install_discussion_errors`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, FastAPI, Form, Path, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from paperboy.domain.ids import InvalidArxivId, parse_arxiv_id
from paperboy.domain.moderation import DiscussionError, NotFound
from paperboy.services import claims as claim_service
from paperboy.services import comments as comment_service
from paperboy.web.auth import ActiveMember, Curator
from paperboy.web.comment_views import comment_view
from paperboy.web.deps import DepsDep
from paperboy.web.errors import is_api
from paperboy.web.formatting import paper_path
from paperboy.web.rendering import RendererDep, renderer_of

router = APIRouter(include_in_schema=False)

STATUS_BY_CODE = {
    "not_found": 404,
    "forbidden": 403,
    "invalid_parameter": 422,
    "too_long": 413,
    "conflict": 409,
}
TITLES = {404: "Not found", 403: "Not allowed", 409: "Already done", 413: "Too long"}
CommentId = Annotated[int, Path(ge=1, le=2**31 - 1, description="the comment's id")]
ClaimId = Annotated[int, Path(ge=1, le=2**31 - 1, description="the claim's id")]
BodyForm = Annotated[str, Form(max_length=200_000)]


def bare_id(text: str) -> str:
    """The bare arXiv id of a path's id, or NotFound."""
    try:
        return parse_arxiv_id(text).arxiv_id
    except InvalidArxivId as error:
        raise NotFound(str(error)) from error


def back_to(arxiv_id: str, comment_id: int | None = None, anchor: str = "comments") -> Response:
    target = paper_path(arxiv_id) + (f"#comment-{comment_id}" if comment_id else f"#{anchor}")
    return RedirectResponse(target, status_code=303)


@router.post("/papers/{arxiv_id:path}/comments")
async def post_comment(
    arxiv_id: str,
    deps: DepsDep,
    member: ActiveMember,
    body: BodyForm,
    parent_id: Annotated[int | None, Form(ge=1)] = None,
) -> Response:
    """Post a comment, or a reply when the form names its parent."""
    comment = comment_service.post_comment(
        deps.comments,
        member,
        bare_id(arxiv_id),
        body,
        deps.clock(),
        max_length=deps.settings.comment_max_length,
        parent_id=parent_id,
        limiter=deps.accounts.limiter,
        limit=comment_service.comment_limit(deps.settings.comment_limit_per_hour),
    )
    return back_to(comment.arxiv_id, comment.id)


@router.post("/comments/{comment_id}/edit")
async def edit_comment(
    comment_id: CommentId, deps: DepsDep, member: ActiveMember, body: BodyForm
) -> Response:
    limit = deps.settings.comment_max_length
    comment = comment_service.edit_comment(
        deps.comments, member, comment_id, body, deps.clock(), max_length=limit
    )
    return back_to(comment.arxiv_id, comment.id)


@router.post("/comments/{comment_id}/delete")
async def delete_comment(comment_id: CommentId, deps: DepsDep, member: ActiveMember) -> Response:
    comment = comment_service.delete_comment(deps.comments, member, comment_id)
    return back_to(comment.arxiv_id)


@router.post("/comments/{comment_id}/report")
async def report_comment(
    comment_id: CommentId,
    deps: DepsDep,
    member: ActiveMember,
    reason: Annotated[str, Form(max_length=5_000)] = "",
) -> Response:
    comment_service.report_comment(deps.comments, member, comment_id, reason, deps.clock())
    comment = comment_service.visible_comment(deps.comments, comment_id, member)
    return back_to(comment.arxiv_id, comment.id)


@router.post("/comments/{comment_id}/hide")
async def hide_comment(comment_id: CommentId, deps: DepsDep, curator: Curator) -> Response:
    comment = comment_service.hide_comment(deps.comments, curator, comment_id, hidden=True)
    return back_to(comment.arxiv_id, comment.id)


@router.post("/comments/{comment_id}/unhide")
async def unhide_comment(comment_id: CommentId, deps: DepsDep, curator: Curator) -> Response:
    comment = comment_service.hide_comment(deps.comments, curator, comment_id, hidden=False)
    return back_to(comment.arxiv_id, comment.id)


@router.post("/comments/{comment_id}/dismiss")
async def dismiss_reports(comment_id: CommentId, deps: DepsDep, curator: Curator) -> Response:
    comment_service.dismiss_reports(deps.comments, curator, comment_id)
    return RedirectResponse("/moderation", status_code=303)


@router.post("/papers/{arxiv_id:path}/claims")
async def claim_authorship(
    arxiv_id: str,
    deps: DepsDep,
    member: ActiveMember,
    author_index: Annotated[int, Form(ge=0, le=10_000)],
) -> Response:
    """Claim an author slot of the paper; a curator reviews it on /moderation."""
    claim = claim_service.claim_authorship(
        deps.claims, deps.store, member, bare_id(arxiv_id), author_index, deps.clock()
    )
    return back_to(claim.arxiv_id, anchor="claim")


@router.post("/claims/{claim_id}/approve")
async def approve_claim(claim_id: ClaimId, deps: DepsDep, curator: Curator) -> Response:
    claim_service.decide_claim(deps.claims, curator, claim_id, approve=True, now=deps.clock())
    return RedirectResponse("/moderation#claims", status_code=303)


@router.post("/claims/{claim_id}/reject")
async def reject_claim(claim_id: ClaimId, deps: DepsDep, curator: Curator) -> Response:
    claim_service.decide_claim(deps.claims, curator, claim_id, approve=False, now=deps.clock())
    return RedirectResponse("/moderation#claims", status_code=303)


@router.get("/moderation", response_class=HTMLResponse)
async def moderation(deps: DepsDep, pages: RendererDep, curator: Curator) -> HTMLResponse:
    """Reported comments and pending authorship claims, for curators and admins."""
    reported = comment_service.moderation_queue(deps.comments, curator)
    context = {
        "reported": [(comment_view(r.comment, curator), r.reports) for r in reported],
        "claims": claim_service.pending_claims(deps.claims, curator),
        "math": True,
    }
    return pages.render("moderation.html", context)


def install_discussion_errors(app: FastAPI) -> None:
    """Answer the discussion's errors as JSON on /api/ and as a page elsewhere."""
    app.add_exception_handler(DiscussionError, discussion_error)  # type: ignore[arg-type]


async def discussion_error(request: Request, error: DiscussionError) -> Response:
    status = STATUS_BY_CODE.get(error.code, 400)
    if is_api(request):
        body = {"error": {"code": error.code, "message": str(error)}}
        return JSONResponse(body, status_code=status)
    title = TITLES.get(status, "Cannot do that")
    return renderer_of(request).error_page(status, title, _sentence(str(error)))


def _sentence(message: str) -> str:
    text = message[:1].upper() + message[1:]
    return text if text.endswith((".", "!", "?")) else f"{text}."
