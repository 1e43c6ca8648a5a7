"""The discussion in the JSON API: comments, reports, hiding, authorship claims, moderation.

Authenticated by the session cookie (with `X-CSRF-Token`) or `Authorization: Bearer <token>`.
Registered before api's `/api/papers/{arxiv_id:path}`, whose path would otherwise swallow
`…/comments` and `…/claims`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Response

from paperboy.domain.moderation import NotFound
from paperboy.services import claims as claim_service
from paperboy.services import comments as comment_service
from paperboy.web.api_errors import ERROR_RESPONSES, ErrorResponse, JsonErrorRoute
from paperboy.web.auth import ActiveMember, Curator, CurrentUser
from paperboy.web.comment_models import (
    ClaimIn,
    ClaimOut,
    CommentEdit,
    CommentOut,
    HideIn,
    ModerationOut,
    NewComment,
    ReportIn,
    ReportOut,
    ThreadOut,
    claim_out,
    comment_out,
    thread_out,
)
from paperboy.web.comment_pages import bare_id
from paperboy.web.deps import DepsDep

router = APIRouter(prefix="/api", tags=["discussion"], route_class=JsonErrorRoute)


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorResponse, "description": description}


WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERROR_RESPONSES,
    401: _error("Not logged in (no session cookie or bearer token)"),
    403: _error("Not allowed: not yours, not a curator, an inactive account, or a bad CSRF token"),
}
BODY_ERRORS = {**WRITE_ERRORS, 413: _error("The body is longer than the site's limit")}
CLAIM_ERRORS = {**WRITE_ERRORS, 409: _error("The author slot is taken, or already decided")}
ArxivIdPath = Annotated[
    str,
    Path(description="An arXiv id in any form (bare, versioned, URL).", examples=["2608.19880"]),
]
CommentId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The comment's id.")]
ClaimId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The claim's id.")]


@router.get(
    "/papers/{arxiv_id:path}/comments",
    summary="A paper's discussion",
    response_model=list[ThreadOut],
    responses=ERROR_RESPONSES,
)
async def api_comments(arxiv_id: ArxivIdPath, deps: DepsDep, user: CurrentUser) -> list[ThreadOut]:
    """Threads oldest first; curators also see hidden comments (status `hidden`)."""
    bare = bare_id(arxiv_id)
    if deps.store.paper(bare) is None:
        raise NotFound(f"no paper {bare} here")
    return [thread_out(t) for t in comment_service.paper_threads(deps.comments, bare, user)]


@router.post(
    "/papers/{arxiv_id:path}/comments",
    summary="Comment on a paper, or reply",
    status_code=201,
    response_model=CommentOut,
    responses=BODY_ERRORS,
)
async def api_post_comment(
    arxiv_id: ArxivIdPath, new: NewComment, deps: DepsDep, member: ActiveMember
) -> CommentOut:
    """A reply to a reply is attached to the top comment of its thread."""
    comment = comment_service.post_comment(
        deps.comments,
        member,
        bare_id(arxiv_id),
        new.body,
        deps.clock(),
        max_length=deps.settings.comment_max_length,
        parent_id=new.parentId,
        limiter=deps.accounts.limiter,
        limit=comment_service.comment_limit(deps.settings.comment_limit_per_hour),
    )
    return comment_out(comment)


@router.patch(
    "/comments/{comment_id}",
    summary="Edit your comment",
    response_model=CommentOut,
    responses=BODY_ERRORS,
)
async def api_edit_comment(
    comment_id: CommentId, edit: CommentEdit, deps: DepsDep, member: ActiveMember
) -> CommentOut:
    limit = deps.settings.comment_max_length
    comment = comment_service.edit_comment(
        deps.comments, member, comment_id, edit.body, deps.clock(), max_length=limit
    )
    return comment_out(comment)


@router.delete(
    "/comments/{comment_id}",
    summary="Delete a comment (yours, or any as a curator)",
    status_code=204,
    response_class=Response,
    responses=WRITE_ERRORS,
)
async def api_delete_comment(
    comment_id: CommentId, deps: DepsDep, member: ActiveMember
) -> Response:
    comment_service.delete_comment(deps.comments, member, comment_id)
    return Response(status_code=204)


@router.post(
    "/comments/{comment_id}/report",
    summary="Report a comment to the curators",
    response_model=ReportOut,
    responses=WRITE_ERRORS,
)
async def api_report_comment(
    comment_id: CommentId, report: ReportIn, deps: DepsDep, member: ActiveMember
) -> ReportOut:
    reported = comment_service.report_comment(
        deps.comments, member, comment_id, report.reason, deps.clock()
    )
    return ReportOut(reported=reported)


@router.post(
    "/comments/{comment_id}/hide",
    summary="Hide a comment from members, or show it again (curators)",
    response_model=CommentOut,
    responses=WRITE_ERRORS,
)
async def api_hide_comment(
    comment_id: CommentId, deps: DepsDep, curator: Curator, change: HideIn | None = None
) -> CommentOut:
    hidden = True if change is None else change.hidden
    comment = comment_service.hide_comment(deps.comments, curator, comment_id, hidden=hidden)
    return comment_out(comment)


@router.post(
    "/papers/{arxiv_id:path}/claims",
    summary="Claim an author slot of a paper",
    status_code=201,
    response_model=ClaimOut,
    responses=CLAIM_ERRORS,
)
async def api_claim(
    arxiv_id: ArxivIdPath, claim: ClaimIn, deps: DepsDep, member: ActiveMember
) -> ClaimOut:
    """A pending claim; a curator approves or rejects it."""
    made = claim_service.claim_authorship(
        deps.claims, deps.store, member, bare_id(arxiv_id), claim.authorIndex, deps.clock()
    )
    return claim_out(made)


@router.post(
    "/claims/{claim_id}/approve",
    summary="Approve an authorship claim (curators)",
    response_model=ClaimOut,
    responses=CLAIM_ERRORS,
)
async def api_approve_claim(claim_id: ClaimId, deps: DepsDep, curator: Curator) -> ClaimOut:
    now = deps.clock()
    return claim_out(
        claim_service.decide_claim(deps.claims, curator, claim_id, approve=True, now=now)
    )


@router.post(
    "/claims/{claim_id}/reject",
    summary="Reject an authorship claim (curators)",
    response_model=ClaimOut,
    responses=CLAIM_ERRORS,
)
async def api_reject_claim(claim_id: ClaimId, deps: DepsDep, curator: Curator) -> ClaimOut:
    now = deps.clock()
    return claim_out(
        claim_service.decide_claim(deps.claims, curator, claim_id, approve=False, now=now)
    )


@router.get(
    "/moderation",
    summary="Reported comments and pending claims (curators)",
    response_model=ModerationOut,
    responses=WRITE_ERRORS,
)
async def api_moderation(deps: DepsDep, curator: Curator) -> ModerationOut:
    reported = comment_service.moderation_queue(deps.comments, curator)
    claims = claim_service.pending_claims(deps.claims, curator)
    return ModerationOut(
        reported=[comment_out(r.comment) for r in reported], claims=[claim_out(c) for c in claims]
    )
