"""/admin/members through the real app: an admin sets roles and bans; nobody else can."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from selectolax.lexbor import LexborHTMLParser

from paperboy.app import Deps
from paperboy.domain.accounts import AccountStatus, Role
from paperboy.web.app import create_app
from tests.support.members import add_member, api_token, log_in
from tests.support.web_client import DAYS, loaded_deps, recorded

PAPER = recorded(DAYS[-1])[0]["paper"]["id"]


@pytest.fixture
def deps(sqlite_url: str) -> Deps:
    deps = loaded_deps(sqlite_url)
    add_member(deps, "grace", role=Role.ADMIN)
    add_member(deps, "ada", display_name="<b>Ada</b>")
    return deps


def client_as(deps: Deps, username: str) -> tuple[TestClient, str]:
    client = TestClient(create_app(deps), follow_redirects=False)
    return client, log_in(client, username)


def test_the_admin_sees_every_member_escaped_and_a_link_in_the_header(deps: Deps) -> None:
    client, _ = client_as(deps, "grace")
    page = client.get("/admin/members")
    assert page.status_code == 200
    tree = LexborHTMLParser(page.text)
    rows = [row.attributes["data-username"] for row in tree.css("tr[data-username]")]
    assert rows == ["grace", "ada"]
    assert "&lt;b&gt;Ada&lt;/b&gt;" in page.text and "<b>Ada</b>" not in page.text
    assert tree.css_first('.account-nav a[href="/admin/members"]') is not None
    own = tree.css_first("#member-grace")
    assert own is not None and own.css_first("form") is None  # no controls on yourself


def test_making_a_member_curator_lets_them_moderate(deps: Deps) -> None:
    client, csrf = client_as(deps, "grace")
    done = client.post("/admin/members/ada/role", data={"role": "curator", "csrf_token": csrf})
    assert done.status_code == 303 and done.headers["location"].endswith("#member-ada")
    ada = deps.accounts.find("ada")
    assert ada is not None and ada.role is Role.CURATOR
    as_ada, _ = client_as(deps, "ada")
    assert as_ada.get("/moderation").status_code == 200
    nav = LexborHTMLParser(as_ada.get("/").text).css_first('.account-nav a[href="/moderation"]')
    assert nav is not None


def test_a_banned_member_can_read_but_not_vote_until_reinstated(deps: Deps) -> None:
    client, csrf = client_as(deps, "grace")
    assert client.post("/admin/members/ada/ban", data={"csrf_token": csrf}).status_code == 303
    ada = deps.accounts.find("ada")
    assert ada is not None and ada.status is AccountStatus.BANNED
    bearer = {"Authorization": f"Bearer {api_token(deps, ada)}"}
    reader = TestClient(create_app(deps))
    assert reader.post(f"/api/papers/{PAPER}/upvote", headers=bearer).status_code == 403
    assert client.post("/admin/members/ada/unban", data={"csrf_token": csrf}).status_code == 303
    assert reader.post(f"/api/papers/{PAPER}/upvote", headers=bearer).status_code == 200


def test_an_admin_cannot_demote_or_ban_themselves(deps: Deps) -> None:
    client, csrf = client_as(deps, "grace")
    demote = client.post("/admin/members/grace/role", data={"role": "member", "csrf_token": csrf})
    ban = client.post("/admin/members/grace/ban", data={"csrf_token": csrf})
    assert (demote.status_code, ban.status_code) == (409, 409)
    assert "own role" in demote.text and "yourself" in ban.text
    grace = deps.accounts.find("grace")
    assert grace is not None and grace.role is Role.ADMIN and grace.status is AccountStatus.ACTIVE


def test_members_and_curators_are_refused_and_anonymous_visitors_sent_to_log_in(
    deps: Deps,
) -> None:
    add_member(deps, "cur", role=Role.CURATOR)
    for username in ("ada", "cur"):
        client, csrf = client_as(deps, username)
        assert client.get("/admin/members").status_code == 403
        refused = client.post("/admin/members/ada/role", data={"role": "admin", "csrf_token": csrf})
        assert refused.status_code == 403
    anonymous = TestClient(create_app(deps), follow_redirects=False).get("/admin/members")
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
    ada = deps.accounts.find("ada")
    assert ada is not None and ada.role is Role.MEMBER


def test_bad_requests_name_what_was_wrong(deps: Deps) -> None:
    client, csrf = client_as(deps, "grace")
    unknown = client.post("/admin/members/nobody/ban", data={"csrf_token": csrf})
    assert unknown.status_code == 404 and "nobody" in unknown.text
    bad_role = client.post("/admin/members/ada/role", data={"role": "king", "csrf_token": csrf})
    assert bad_role.status_code == 400 and "role" in bad_role.text
    no_csrf = client.post("/admin/members/ada/ban")
    assert no_csrf.status_code == 403
    found = client.get("/admin/members", params={"username": "ADA"})
    rows = LexborHTMLParser(found.text).css("tr[data-username]")
    assert [row.attributes["data-username"] for row in rows] == ["ada"]
