"""Digest subscription pages: subscribe, confirm, manage, unsubscribe (and a member's section).

The pages reached from an email carry a signed token instead of a login: `/subscription` (the
settings page every digest links to), `/subscribe/confirm` and `/unsubscribe`. Their GETs never
change anything (mail scanners open links); a button POSTs. `POST /unsubscribe?token=` is also
RFC 8058's one-click unsubscribe: a mail client sends `List-Unsubscribe=One-Click` with no
cookie and no CSRF token, and the subscription ends at once (the signed token is the proof).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from paperboy.app import Deps, subscribing
from paperboy.domain.digest_schedule import InvalidPreferences, describe_schedule
from paperboy.domain.digests import (
    DigestContent,
    InvalidLink,
    LinkPurpose,
    Subscription,
    SubscriptionStatus,
)
from paperboy.domain.mail import InvalidAddress, checked_address
from paperboy.services.digest_links import digest_links
from paperboy.services.subscriptions import NotAllowed, Subscriptions
from paperboy.web.auth import SignedIn, client_ip
from paperboy.web.deps import DepsDep
from paperboy.web.rendering import Renderer, RendererDep
from paperboy.web.subscription_forms import (
    CONTENT_LABELS,
    FormText,
    PreferenceForm,
    PreferenceFormDep,
    errors_of,
    form_context,
)

router = APIRouter(include_in_schema=False)

TokenQuery = Annotated[str, Query(max_length=200)]
# Pages that show a token: never stored by a cache, never sent to another site as a Referer.
# (Not "no-referrer": browsers then send `Origin: null` with the page's own forms, refused.)
PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "same-origin"}
LIVE = (SubscriptionStatus.ACTIVE, SubscriptionStatus.PAUSED)
DONE = {
    "saved": "Your preferences are saved.",
    "pause": "Your digest is paused: nothing is sent until you resume it.",
    "resume": "Your digest is on again, from its next slot.",
    "unsubscribe": "You are unsubscribed: no more digests are sent to this address.",
    "resubscribe": "We sent a confirmation link to your address: open it to start again.",
    "subscribed": "You are subscribed: your first digest goes out at its next slot.",
}


@router.get("/subscribe", response_class=HTMLResponse)
async def subscribe_page(pages: RendererDep, content: TokenQuery = "") -> Response:
    """The subscribe form (`?content=trending` picks what to send)."""
    chosen = content if content in set(DigestContent) else DigestContent.TOP.value
    return subscribe_view(pages, PreferenceForm(content=chosen))


@router.post("/subscribe", response_class=HTMLResponse)
def subscribe(
    request: Request,
    deps: DepsDep,
    pages: RendererDep,
    form: PreferenceFormDep,
    email: FormText = "",
) -> Response:
    """Check the form; mail the confirmation link (nothing else is sent before it is used)."""
    errors: dict[str, str] = {}
    try:
        checked_address(email)
    except InvalidAddress as error:
        errors["email"] = str(error)
    try:
        preferences = form.preferences()
    except InvalidPreferences as error:
        errors.update(errors_of(error))
    if errors:
        return subscribe_view(pages, form, email, errors)
    outcome = subscribing(deps).subscribe(email, preferences, ip=client_ip(request))
    context = {"email": email.strip(), "outcome": outcome.value}
    return pages.render("subscribe_sent.html", context, 503 if outcome == "mail_failed" else 200)


@router.get("/subscribe/confirm", response_class=HTMLResponse)
def confirm_page(deps: DepsDep, pages: RendererDep, token: TokenQuery = "") -> Response:
    """A page with the Confirm button (opening the link alone changes nothing)."""
    try:
        found = subscribing(deps).by_token(LinkPurpose.CONFIRM, token)
    except InvalidLink as error:
        return bad_link(pages, error)
    return private(pages, "subscribe_confirm.html", page_context(deps, found, token=token))


@router.post("/subscribe/confirm", response_class=HTMLResponse)
def confirm(deps: DepsDep, pages: RendererDep, token: FormText = "") -> Response:
    """Start the subscription; the page links to its settings."""
    try:
        found = subscribing(deps).confirm(token)
    except InvalidLink as error:
        return bad_link(pages, error)
    context = page_context(deps, found, token=token, confirmed=True)
    return private(pages, "subscribe_confirm.html", context)


@router.get("/subscription", response_class=HTMLResponse)
def manage_page(
    deps: DepsDep, pages: RendererDep, token: TokenQuery = "", done: TokenQuery = ""
) -> Response:
    """The settings page every digest links to: preferences, pause, unsubscribe, feeds."""
    try:
        found = subscribing(deps).by_token(LinkPurpose.MANAGE, token)
    except InvalidLink as error:
        return bad_link(pages, error)
    return manage_view(
        deps, pages, found, PreferenceForm.of(found.preferences), token=token, done=done
    )


@router.post("/subscription", response_class=HTMLResponse)
def manage(
    deps: DepsDep,
    pages: RendererDep,
    form: PreferenceFormDep,
    token: FormText = "",
    action: FormText = "save",
) -> Response:
    """Save preferences, pause, resume, unsubscribe or subscribe again; back to the page."""
    service = subscribing(deps)
    try:
        found = service.by_token(LinkPurpose.MANAGE, token)
        done = apply(service, found, action, form)
    except InvalidLink as error:
        return bad_link(pages, error)
    except (InvalidPreferences, NotAllowed) as error:
        return manage_view(deps, pages, found, form, token=token, errors=errors_of(error))
    target = digest_links(deps.settings, found.id).manage
    return RedirectResponse(f"{target}&done={done}", status_code=303)


@router.get("/unsubscribe", response_class=HTMLResponse)
def unsubscribe_page(deps: DepsDep, pages: RendererDep, token: TokenQuery = "") -> Response:
    """A page with one Unsubscribe button (opening the link alone changes nothing)."""
    try:
        found = subscribing(deps).by_token(LinkPurpose.UNSUBSCRIBE, token)
    except InvalidLink as error:
        return bad_link(pages, error)
    return private(pages, "unsubscribe.html", page_context(deps, found, token=token))


@router.post("/unsubscribe", response_class=HTMLResponse)
def unsubscribe(
    deps: DepsDep,
    pages: RendererDep,
    token: TokenQuery = "",
    form_token: Annotated[str, Form(alias="token", max_length=200)] = "",
) -> Response:
    """Unsubscribe at once (RFC 8058 one-click: no login, no cookie); idempotent."""
    service = subscribing(deps)
    try:
        found = service.unsubscribe(service.by_token(LinkPurpose.UNSUBSCRIBE, token or form_token))
    except InvalidLink as error:
        return bad_link(pages, error)
    context = page_context(deps, found, token=token or form_token, confirmed=True)
    return private(pages, "unsubscribe.html", context)


@router.get("/settings/digest", response_class=HTMLResponse)
def member_page(
    deps: DepsDep, pages: RendererDep, user: SignedIn, done: TokenQuery = ""
) -> Response:
    """The member's digest: subscribe with their confirmed address, or change it."""
    found = subscribing(deps).of_member(user)
    form = PreferenceForm.of(found.preferences) if found else PreferenceForm()
    return manage_view(deps, pages, found, form, done=done, member=True)


@router.post("/settings/digest", response_class=HTMLResponse)
def member_save(
    deps: DepsDep,
    pages: RendererDep,
    user: SignedIn,
    form: PreferenceFormDep,
    action: FormText = "save",
) -> Response:
    """Subscribe (active at once) or save, pause, resume, unsubscribe the member's digest."""
    service = subscribing(deps)
    found = service.of_member(user)
    try:
        if found is not None and found.status in LIVE:  # a paused digest stays paused
            done = apply(service, found, action if action != "resubscribe" else "save", form)
        elif action == "save":  # new, or unsubscribed before: active at once
            service.subscribe_member(user, form.preferences())
            done = "subscribed"
        else:
            done = ""  # nothing to pause, resume or end
    except (InvalidPreferences, NotAllowed) as error:
        return manage_view(deps, pages, found, form, errors=errors_of(error), member=True)
    return RedirectResponse(f"/settings/digest?done={done}", status_code=303)


def apply(service: Subscriptions, found: Subscription, action: str, form: PreferenceForm) -> str:
    """Do `action` to `found`; the key of the note to show after it."""
    if action == "pause":
        service.pause(found)
    elif action == "resume":
        service.resume(found)
    elif action == "unsubscribe":
        service.unsubscribe(found)
    elif action == "resubscribe":
        service.subscribe(found.email, form.preferences())
    else:
        service.change(found, form.preferences())
        return "saved"
    return action


def subscribe_view(
    pages: Renderer, form: PreferenceForm, email: str = "", errors: dict[str, str] | None = None
) -> Response:
    """The subscribe form, pre-filled; 400 with each problem next to its field."""
    context = {**form_context(form, errors or {}), "email": email}
    return pages.render("subscribe.html", context, status_code=400 if errors else 200)


def manage_view(
    deps: Deps,
    pages: Renderer,
    found: Subscription | None,
    form: PreferenceForm,
    *,
    token: str = "",
    done: str = "",
    errors: dict[str, str] | None = None,
    member: bool = False,
) -> Response:
    """The settings of one subscription (or a member's empty one), with a note or errors."""
    context = {
        **form_context(form, errors or {}),
        **page_context(deps, found, token=token),
        "done": DONE.get(done, ""),
        "member": member,
    }
    response = pages.render("subscription.html", context, status_code=400 if errors else 200)
    response.headers.update(PRIVATE)
    return response


def page_context(
    deps: Deps, found: Subscription | None, *, token: str = "", confirmed: bool = False
) -> dict[str, Any]:
    """The subscription, its links and schedule in words, for the templates."""
    return {
        "subscription": found,
        "token": token,
        "confirmed": confirmed,
        "links": digest_links(deps.settings, found.id) if found else None,
        "schedule": describe_schedule(found.preferences) if found else "",
        "content_label": CONTENT_LABELS[found.preferences.content] if found else "",
    }


def private(pages: Renderer, template: str, context: dict[str, Any]) -> Response:
    response = pages.render(template, context)
    response.headers.update(PRIVATE)
    return response


def bad_link(pages: Renderer, error: InvalidLink) -> Response:
    """400: the link is forged, altered, cut short, for another page, or its subscription gone."""
    message = f"This digest link does not work: {error}. Use the latest link from your email."
    response = pages.error_page(400, "This link is not valid", message)
    response.headers.update(PRIVATE)
    return response
