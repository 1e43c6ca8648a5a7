"""Two web processes (two apps over one database) keep sessions, and a logout or ban through
one of them holds in the other at the next request."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from selectolax.lexbor import LexborHTMLParser

from paperboy.app import build_deps
from paperboy.config import Settings
from paperboy.domain.accounts import AccountStatus
from paperboy.web.app import create_app
from paperboy.web.auth import SESSION_COOKIE
from tests.support.members import add_member, log_in


@pytest.fixture
def clients(settings: Settings) -> Iterator[tuple[TestClient, TestClient]]:
    with (
        TestClient(create_app(build_deps(settings))) as one,
        TestClient(create_app(build_deps(settings))) as other,
    ):
        yield one, other


def signed_in_as(client: TestClient) -> str | None:
    """The username in the page header of `/`, None for a visitor."""
    response = client.get("/")
    assert response.status_code == 200
    node = LexborHTMLParser(response.text).css_first(".account-name")
    return node.text().strip() if node is not None else None


def test_logout_through_one_process_ends_the_session_in_the_other(
    clients: tuple[TestClient, TestClient],
) -> None:
    one, other = clients
    add_member(one.app.state.deps, "ada")  # type: ignore[attr-defined]
    csrf = log_in(one, "ada")
    other.cookies.set(SESSION_COOKIE, one.cookies[SESSION_COOKIE])
    assert signed_in_as(one) == signed_in_as(other) == "ada"  # both keep the session now
    response = other.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert response.status_code == 303
    assert signed_in_as(one) is None
    assert one.get("/api/me").status_code == 401


def test_a_ban_through_one_process_stops_the_member_acting_in_the_other(
    clients: tuple[TestClient, TestClient],
) -> None:
    one, other = clients
    deps = one.app.state.deps  # type: ignore[attr-defined]
    ada = add_member(deps, "ada")
    csrf = log_in(one, "ada")
    assert one.get("/api/me").json()["username"] == "ada"  # kept by process one
    other.app.state.deps.accounts.set_status(ada, AccountStatus.BANNED)  # type: ignore[attr-defined]
    arxiv_id = "2501.00001"
    voted = one.post(f"/api/papers/{arxiv_id}/upvote", headers={"X-CSRF-Token": csrf})
    assert voted.status_code == 403
    assert voted.json()["error"]["code"] == "banned"
