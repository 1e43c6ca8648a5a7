"""Upvoting through pages (a form that works without JavaScript) and the API (token or session)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from paperboy.domain.accounts import AccountStatus, User
from tests.support.community_site import LIST_DAY, Site, card, field, site_for
from tests.support.members import add_member, api_token, log_in

PAPER = "2501.05441"  # 20 imported upvotes in the first fetch
DAY_URL = f"/date/{LIST_DAY.isoformat()}"


@pytest.fixture
def site(sqlite_url: str) -> Iterator[Site]:
    with site_for(sqlite_url) as site:
        yield site


@pytest.fixture
def alice(site: Site) -> User:
    return add_member(site.deps, "alice")


def bearer(site: Site, user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_token(site.deps, user)}"}


def test_card_vote_button_is_a_form_for_visitors(site: Site) -> None:
    node = card(site.page(DAY_URL), PAPER)
    form = node.css_first("form.vote-form")
    assert form is not None and form.attributes["method"] == "post"
    assert form.attributes["action"] == f"/papers/{PAPER}/upvote"
    button = form.css_first("button.vote-button")
    assert button is not None and button.attributes["aria-pressed"] == "false"
    assert field(form, "input[name=vote]") == "1"
    assert form.css_first(".count").text() == "20"  # type: ignore[union-attr]


def test_visitor_vote_goes_to_login_and_back(site: Site) -> None:
    response = site.client.post(
        f"/papers/{PAPER}/upvote",
        data={"vote": "1"},
        headers={"Referer": f"http://testserver{DAY_URL}"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next={DAY_URL}"
    assert site.count(PAPER) == 20


def test_form_vote_counts_and_comes_back_to_the_card(site: Site, alice: User) -> None:
    token = log_in(site.client, "alice")
    response = site.client.post(
        f"/papers/{PAPER}/upvote",
        data={"vote": "1", "csrf_token": token, "next": DAY_URL},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"{DAY_URL}#paper-{PAPER}"
    node = card(site.page(DAY_URL), PAPER)
    assert node.css_first(".vote-button").attributes["aria-pressed"] == "true"  # type: ignore[union-attr]
    assert node.css_first(".count").text() == "21"  # type: ignore[union-attr]
    assert field(node, "input[name=vote]") == "0"
    other = card(site.page(DAY_URL), "2501.05453")
    assert other.css_first(".vote-button").attributes["aria-pressed"] == "false"  # type: ignore[union-attr]


def test_form_vote_twice_counts_once_and_zero_takes_back(site: Site, alice: User) -> None:
    token = log_in(site.client, "alice")
    for _ in range(3):
        site.client.post(f"/papers/{PAPER}/upvote", data={"vote": "1", "csrf_token": token})
    assert site.count(PAPER) == 21
    site.client.post(f"/papers/{PAPER}/upvote", data={"vote": "0", "csrf_token": token})
    assert site.count(PAPER) == 20


def test_form_vote_without_csrf_is_refused(site: Site, alice: User) -> None:
    log_in(site.client, "alice")
    response = site.client.post(f"/papers/{PAPER}/upvote", data={"vote": "1"})
    assert response.status_code == 403
    assert site.count(PAPER) == 20


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil"])
def test_form_vote_never_redirects_off_site(site: Site, alice: User, target: str) -> None:
    token = log_in(site.client, "alice")
    response = site.client.post(
        f"/papers/{PAPER}/upvote",
        data={"vote": "1", "csrf_token": token, "next": target},
        follow_redirects=False,
    )
    assert response.headers["location"] == f"/papers/{PAPER}#paper-{PAPER}"


def test_api_vote_with_token_is_idempotent(site: Site, alice: User) -> None:
    headers = bearer(site, alice)
    first = site.client.post(f"/api/papers/{PAPER}/upvote", headers=headers)
    again = site.client.post(f"/api/papers/arXiv:{PAPER}v2/upvote", headers=headers)
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json() == {"id": PAPER, "upvoted": True, "upvotes": 21}
    removed = site.client.delete(f"/api/papers/{PAPER}/upvote", headers=headers)
    assert removed.json() == {"id": PAPER, "upvoted": False, "upvotes": 20}


def test_api_vote_with_session_needs_csrf_header(site: Site, alice: User) -> None:
    token = log_in(site.client, "alice")
    refused = site.client.post(f"/api/papers/{PAPER}/upvote")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "csrf_failed"
    done = site.client.post(f"/api/papers/{PAPER}/upvote", headers={"X-CSRF-Token": token})
    assert done.json()["upvoted"] is True
    state = site.client.get(f"/api/papers/{PAPER}/upvote")
    assert state.json() == {"id": PAPER, "upvoted": True, "upvotes": 21}


def test_api_vote_by_a_visitor_is_401(site: Site) -> None:
    response = site.client.post(f"/api/papers/{PAPER}/upvote")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "login_required"


@pytest.mark.parametrize(
    ("arxiv_id", "status", "code"),
    [("not-an-id", 422, "invalid_parameter"), ("2501.99999", 404, "not_found")],
)
def test_api_vote_on_bad_paper_says_what(
    site: Site, alice: User, arxiv_id: str, status: int, code: str
) -> None:
    response = site.client.post(f"/api/papers/{arxiv_id}/upvote", headers=bearer(site, alice))
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    if status == 422:
        assert response.json()["error"]["message"].startswith("arxiv_id: ")


def test_banned_member_cannot_vote(site: Site, alice: User) -> None:
    headers = bearer(site, alice)
    site.deps.accounts.set_status(alice, AccountStatus.BANNED)
    response = site.client.post(f"/api/papers/{PAPER}/upvote", headers=headers)
    assert response.status_code == 403
    assert site.count(PAPER) == 20


def test_anonymous_cached_page_shows_a_new_vote(site: Site, alice: User) -> None:
    before = card(site.page(DAY_URL), PAPER).css_first(".count").text()  # type: ignore[union-attr]
    site.client.post(f"/api/papers/{PAPER}/upvote", headers=bearer(site, alice))
    after = card(site.page(DAY_URL), PAPER).css_first(".count").text()  # type: ignore[union-attr]
    assert (before, after) == ("20", "21")


def test_list_reorders_by_imported_plus_member_votes(site: Site) -> None:
    # 2501.05453 had 14 to 2501.05441's 20: seven members lift it to 21
    for i in range(7):
        member = add_member(site.deps, f"voter{i}")
        site.client.post("/api/papers/2501.05453/upvote", headers=bearer(site, member))
    items = site.client.get(f"/api/daily_papers?date={LIST_DAY}").json()
    assert [(i["paper"]["id"], i["paper"]["upvotes"]) for i in items[:2]] == [
        ("2501.05453", 21),
        (PAPER, 20),
    ]


def test_paper_page_has_the_vote_button(site: Site, alice: User) -> None:
    token = log_in(site.client, "alice")
    site.client.post(f"/api/papers/{PAPER}/upvote", headers={"X-CSRF-Token": token})
    form = site.page(f"/papers/{PAPER}").css_first(".paper-vote form.vote-form")
    assert form is not None
    assert form.css_first(".vote-button").attributes["aria-pressed"] == "true"  # type: ignore[union-attr]
    assert form.css_first(".count").text() == "21"  # type: ignore[union-attr]
    assert field(form, "input[name=csrf_token]") == token


def test_openapi_documents_the_vote_calls(site: Site) -> None:
    paths = site.client.get("/openapi.json").json()["paths"]
    upvote = paths["/api/papers/{arxiv_id}/upvote"]
    assert set(upvote) == {"get", "post", "delete"}
    (parameter,) = upvote["post"]["parameters"]
    assert parameter["name"] == "arxiv_id" and parameter["description"]
    assert {"401", "403", "404", "422"} <= set(upvote["post"]["responses"])
