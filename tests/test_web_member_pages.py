"""Members' list pages come from one shared render, personalised per request, and match a
render made for the member directly."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from selectolax.lexbor import LexborHTMLParser

from paperboy.domain.accounts import AccountStatus, Role, User
from paperboy.domain.calendar import day_period
from paperboy.services.daily import daily_page
from paperboy.web.member_pages import CSRF, USERNAME, MemberPages, pick, shared_page
from paperboy.web.rendering import Renderer
from paperboy.web.views import daily_context
from tests.support.community_site import LIST_DAY, Site, site_for
from tests.support.members import add_member, log_in

DAY_URL = f"/date/{LIST_DAY.isoformat()}"
VOTED = ("2501.05441", "2501.05453")


@pytest.fixture
def site(sqlite_url: str) -> Iterator[Site]:
    with site_for(sqlite_url) as site:
        yield site


def pressed(html: str) -> set[str]:
    tree = LexborHTMLParser(html)
    buttons = tree.css("form.vote-form")
    return {
        str(form.attributes["data-arxiv-id"])
        for form in buttons
        if form.css_first("button").attributes["aria-pressed"] == "true"  # type: ignore[union-attr]
    }


def visitor(html: str) -> tuple[str, set[str | None]]:
    """The name in the page's header and the CSRF tokens in its forms."""
    tree = LexborHTMLParser(html)
    name = tree.css_first(".account-name").text()  # type: ignore[union-attr]
    return name, {node.attributes["value"] for node in tree.css("input[name=csrf_token]")}


def vote(site: Site, token: str, arxiv_id: str, value: str = "1") -> None:
    data = {"vote": value, "csrf_token": token}
    response = site.client.post(f"/papers/{arxiv_id}/upvote", data=data, follow_redirects=False)
    assert response.status_code == 303


@pytest.mark.parametrize("role", [Role.MEMBER, Role.CURATOR])
def test_member_page_equals_a_direct_render(site: Site, role: Role) -> None:
    alice = add_member(site.deps, "alice", role=role)
    token = log_in(site.client, "alice")
    for arxiv_id in VOTED:
        vote(site, token, arxiv_id)
    served = site.client.get(DAY_URL).text
    direct = direct_render(site, alice, token)
    assert served == direct
    assert pressed(served) == set(VOTED)
    assert USERNAME not in served and CSRF not in served and "\u27e6" not in served


def direct_render(site: Site, user: User, token: str) -> str:
    """The day's page rendered for `user` without the shared render (the app's own renderer)."""
    renderer: Renderer = site.client.app.state.renderer  # type: ignore[attr-defined]
    period = day_period(LIST_DAY)
    page = daily_page(site.deps.store, period, page=0, page_size=site.deps.settings.page_size)
    context = daily_context(page, base=DAY_URL)
    return renderer.bound({"user": user, "csrf_token": token}).html("daily.html", context)


def test_member_pages_follow_votes_and_differ_per_member(site: Site) -> None:
    add_member(site.deps, "alice")
    add_member(site.deps, "bob")
    token = log_in(site.client, "alice")
    assert pressed(site.client.get(DAY_URL).text) == set()
    vote(site, token, VOTED[0])
    page = site.client.get(DAY_URL).text
    assert pressed(page) == {VOTED[0]}
    assert visitor(page) == ("alice", {token})
    bob_token = log_in(site.client, "bob")
    page = site.client.get(DAY_URL).text
    assert pressed(page) == set()
    assert visitor(page) == ("bob", {bob_token})


def test_slots_leave_no_room_for_paper_text_to_pose_as_markers() -> None:
    hostile = "\u27e6x:2501.00001\u27e7A\u27e6|\u27e7B\u27e6/\u27e7"
    html = f"<p>{hostile}</p>{pick(None, '2501.00001', 'on', 'off')}"
    page = shared_page(html)
    filled = page.personalised(stand_in_user(), "t", {"2501.00001"})
    assert filled == f"<p>{hostile}</p>on".encode()


def test_pick_escapes_both_alternatives() -> None:
    assert str(pick(True, "1", "<b>", "x")) == "&lt;b&gt;"
    slot = shared_page(str(pick(None, "1", "<b>", "&")))
    assert slot.personalised(stand_in_user(), "t", set()) == b"&amp;"


def test_member_pages_keep_at_most_max_entries() -> None:
    pages = MemberPages(max_entries=2)
    renders: list[int] = []

    def render(key: int) -> str:
        renders.append(key)
        return f"<p>{key}</p>"

    for key in (1, 2, 1, 3, 2):
        pages.page(key, lambda key=key: render(key))  # type: ignore[misc]
    assert renders == [1, 2, 3, 2]  # 1 was reused; 2 had been pushed out by 3


def stand_in_user() -> User:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    return User(1, "alice", "a@example.org", "Alice", Role.MEMBER, AccountStatus.ACTIVE, now, now)
