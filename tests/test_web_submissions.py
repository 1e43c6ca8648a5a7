"""Submitting through /submit and `POST /api/daily_papers`; curators' list controls; /trending."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from paperboy.domain.accounts import Role, User
from tests.support.community import paper
from tests.support.community_site import LIST_DAY, LIST_NOW, Site, card, site_for
from tests.support.members import add_member, api_token, log_in

DAY_URL = f"/date/{LIST_DAY.isoformat()}"
FRESH = "2501.09999"  # stored, published yesterday, on no list


@pytest.fixture
def site(sqlite_url: str) -> Iterator[Site]:
    with site_for(sqlite_url, submission_daily_limit=2) as site:
        site.deps.store.upsert_papers(
            [
                paper(FRESH, LIST_NOW - timedelta(days=1), title="A fresh <b>paper</b>"),
                paper("2501.09998", LIST_NOW - timedelta(days=2)),
                paper("2501.09997", LIST_NOW - timedelta(days=3)),
                paper("2412.00001", LIST_NOW - timedelta(days=30)),
            ]
        )
        yield site


@pytest.fixture
def alice(site: Site) -> User:
    return add_member(site.deps, "alice", display_name="Alice A.")


def bearer(site: Site, user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_token(site.deps, user)}"}


def submit(site: Site, user: User, text: str) -> tuple[int, dict[str, object]]:
    response = site.client.post(
        "/api/daily_papers", json={"paper": text}, headers=bearer(site, user)
    )
    return response.status_code, response.json()


# ---- the page


def test_submit_page_asks_visitors_to_log_in(site: Site) -> None:
    tree = site.page("/submit")
    assert tree.css_first("form.submit-form") is None
    link = tree.css_first(".login-needed a")
    assert link is not None and link.attributes["href"] == "/login?next=/submit"


def test_submit_form_lists_the_paper_with_its_member(site: Site, alice: User) -> None:
    token = log_in(site.client, "alice")
    form = site.page("/submit").css_first("form.submit-form")
    assert form is not None
    response = site.client.post(
        "/submit",
        data={"paper": f"https://arxiv.org/abs/{FRESH}v1", "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"{DAY_URL}#paper-{FRESH}"
    submitter = card(site.page(DAY_URL), FRESH).css_first(".submitter.member a.name")
    assert submitter is not None
    assert (submitter.text(), submitter.attributes["href"]) == ("Alice A.", "/u/alice")
    lists = site.page(f"/papers/{FRESH}").css_first(".lists .submitter a.name")
    assert lists is not None and lists.attributes["href"] == "/u/alice"


def test_submit_form_error_shows_the_form_again_escaped(site: Site, alice: User) -> None:
    token = log_in(site.client, "alice")
    payload = '"><script>alert(1)</script>'
    response = site.client.post("/submit", data={"paper": payload, "csrf_token": token})
    assert response.status_code == 422
    tree = site.page_of(response.text)
    assert tree.css("main script") == []
    error = tree.css_first(".notice.error")
    assert error is not None and error.text().startswith("paper: not an arXiv id")
    value = tree.css_first("input[name=paper]")
    assert value is not None and value.attributes["value"] == payload


def test_submit_form_links_to_the_list_of_a_listed_paper(site: Site, alice: User) -> None:
    token = log_in(site.client, "alice")
    response = site.client.post("/submit", data={"paper": "2501.05441", "csrf_token": token})
    assert response.status_code == 200
    link = site.page_of(response.text).css_first(".notice.listed a.list-link")
    assert link is not None and link.attributes["href"] == f"{DAY_URL}#paper-2501.05441"


def test_submit_form_without_csrf_is_refused(site: Site, alice: User) -> None:
    log_in(site.client, "alice")
    assert site.client.post("/submit", data={"paper": FRESH}).status_code == 403
    assert site.deps.store.entries_for_paper(FRESH) == []


# ---- the API


def test_api_submit_creates_then_links(site: Site, alice: User) -> None:
    status, body = submit(site, alice, FRESH)
    assert status == 201
    assert body["created"] is True and body["date"] == LIST_DAY.isoformat()
    assert body["url"] == f"{DAY_URL}#paper-{FRESH}"
    status, body = submit(site, alice, f"arXiv:{FRESH}")
    assert (status, body["created"]) == (200, False)
    assert site.deps.store.count_entries_between(LIST_DAY, LIST_DAY) == 10


@pytest.mark.parametrize(
    ("text", "status", "code", "message"),
    [
        ("https://example.org/paper", 422, "invalid_parameter", "paper: not an arXiv id"),
        ("2412.00001", 422, "too_old", "first published on 2024-12-12"),
        ("", 422, "invalid_parameter", "paper"),
    ],
)
def test_api_submit_refusals_name_the_problem(
    site: Site, alice: User, text: str, status: int, code: str, message: str
) -> None:
    got, body = submit(site, alice, text)
    assert got == status
    assert body["error"]["code"] == code  # type: ignore[index]
    assert message in body["error"]["message"]  # type: ignore[index]


def test_api_submit_limit_reached_is_429(site: Site, alice: User) -> None:
    assert submit(site, alice, FRESH)[0] == 201
    assert submit(site, alice, "2501.09998")[0] == 201
    status, body = submit(site, alice, "2501.09997")
    assert (status, body["error"]["code"]) == (429, "limit_reached")  # type: ignore[index]


def test_api_submit_needs_a_member(site: Site) -> None:
    response = site.client.post("/api/daily_papers", json={"paper": FRESH})
    assert response.status_code == 401


def test_api_submit_with_session_needs_csrf(site: Site, alice: User) -> None:
    token = log_in(site.client, "alice")
    assert site.client.post("/api/daily_papers", json={"paper": FRESH}).status_code == 403
    done = site.client.post(
        "/api/daily_papers", json={"paper": FRESH}, headers={"X-CSRF-Token": token}
    )
    assert done.status_code == 201


# ---- curators


def test_members_see_no_curator_controls(site: Site, alice: User) -> None:
    log_in(site.client, "alice")
    tree = site.page(DAY_URL)
    assert tree.css(".curator-controls") == [] and tree.css_first("form.curator-add") is None


def test_curator_pins_removes_and_adds_through_forms(site: Site) -> None:
    add_member(site.deps, "carol", role=Role.CURATOR)
    token = log_in(site.client, "carol")
    tree = site.page(DAY_URL)
    assert tree.css_first("form.curator-add") is not None
    assert len(tree.css(".curator-controls")) == 9
    last = tree.css("li.card")[-1].attributes["data-arxiv-id"]
    pin = f"/lists/{LIST_DAY}/entries/{last}/pin"
    response = site.client.post(
        pin, data={"csrf_token": token, "pinned": "1", "next": DAY_URL}, follow_redirects=False
    )
    assert response.headers["location"] == f"{DAY_URL}#paper-{last}"
    first = site.page(DAY_URL).css_first("li.card")
    assert first is not None and first.attributes["data-arxiv-id"] == last
    assert "pinned" in (first.attributes["class"] or "")
    site.client.post(f"/lists/{LIST_DAY}/entries/{last}/remove", data={"csrf_token": token})
    assert site.page(DAY_URL).css(f"li.card[data-arxiv-id='{last}']") == []
    site.client.post(f"/lists/{LIST_DAY}/entries", data={"csrf_token": token, "paper": FRESH})
    assert card(site.page(DAY_URL), FRESH) is not None


def test_member_cannot_use_curator_forms_or_api(site: Site, alice: User) -> None:
    token = log_in(site.client, "alice")
    form = site.client.post(
        f"/lists/{LIST_DAY}/entries/2501.05441/remove", data={"csrf_token": token}
    )
    api = site.client.delete(
        f"/api/lists/{LIST_DAY}/entries/2501.05441", headers=bearer(site, alice)
    )
    assert (form.status_code, api.status_code) == (403, 403)
    assert api.json()["error"]["code"] == "curators_only"
    assert site.deps.store.count_entries_between(LIST_DAY, LIST_DAY) == 9


def test_curator_api_calls(site: Site) -> None:
    carol = add_member(site.deps, "carol", role=Role.CURATOR)
    headers = bearer(site, carol)
    added = site.client.post(
        "/api/lists/2025-01-09/entries", json={"paper": FRESH}, headers=headers
    )
    assert (added.status_code, added.json()["change"]) == (201, "added")
    pinned = site.client.put(f"/api/lists/{LIST_DAY}/pins/2501.04828", headers=headers)
    assert pinned.json() == {"id": "2501.04828", "date": "2025-01-10", "change": "pinned"}
    items = site.client.get(f"/api/daily_papers?date={LIST_DAY}").json()
    assert items[0]["paper"]["id"] == "2501.04828"
    unpinned = site.client.delete(f"/api/lists/{LIST_DAY}/pins/2501.04828", headers=headers)
    assert unpinned.json()["change"] == "unpinned"
    removed = site.client.delete(f"/api/lists/{LIST_DAY}/entries/2501.04828", headers=headers)
    assert removed.json()["change"] == "removed"
    again = site.client.delete(f"/api/lists/{LIST_DAY}/entries/2501.04828", headers=headers)
    assert again.status_code == 200  # hiding a hidden entry is still "removed"
    bad_day = site.client.put("/api/lists/2025-02-30/pins/2501.05441", headers=headers)
    assert bad_day.status_code == 422 and bad_day.json()["error"]["message"].startswith("day: ")
    missing = site.client.put("/api/lists/2025-01-09/pins/2501.05441", headers=headers)
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "not_listed")


# ---- trending


def test_trending_page_says_why_each_paper_is_there(site: Site, alice: User) -> None:
    site.client.post("/api/papers/2501.04828/upvote", headers=bearer(site, alice))
    tree = site.page("/trending")
    cards = tree.css("ol.trending li.card")
    assert len(cards) == 9
    why = cards[0].css_first(".why")
    assert why is not None
    assert why.css_first(".recent").text().endswith("upvotes in the last 24 h")  # type: ignore[union-attr]
    assert why.css_first(".age").text().startswith("listed ")  # type: ignore[union-attr]
    assert "score =" in tree.css_first(".formula-text").text()  # type: ignore[union-attr]


def test_trending_page_shows_the_last_lists_when_nothing_was_listed_lately(
    sqlite_url: str,
) -> None:
    with site_for(sqlite_url, now=LIST_NOW + timedelta(days=40)) as later:
        tree = later.page("/trending")
        notice = tree.css_first(".notice.fallback")
        assert notice is not None and "Jan 10, 2025" in notice.text()
        assert len(tree.css("ol.trending li.card")) > 0
        assert later.client.get("/api/trending").json() == []  # the API stays live-only


def test_api_trending_explains_and_matches_sort_trending(site: Site, alice: User) -> None:
    site.client.post("/api/papers/2501.04828/upvote", headers=bearer(site, alice))
    trending = site.client.get("/api/trending").json()
    fields = trending[0]["trending"]
    assert set(fields) == {"score", "upvotesLast24h", "totalUpvotes", "ageHours", "explanation"}
    scores = [item["trending"]["score"] for item in trending]
    assert scores == sorted(scores, reverse=True)
    by_sort = site.client.get(f"/api/daily_papers?date={LIST_DAY}&sort=trending").json()
    assert [i["paper"]["id"] for i in by_sort] == [i["paper"]["id"] for i in trending]


def test_api_paper_counts_members_votes_on_a_paper_on_no_list(site: Site, alice: User) -> None:
    site.deps.store.upsert_papers([paper("2501.07777", LIST_NOW - timedelta(days=5))])
    before = site.client.get("/api/papers/2501.07777").json()
    assert before["upvotes"] == 0 and before["dailyLists"] == []
    voted = site.client.post("/api/papers/2501.07777/upvote", headers=bearer(site, alice))
    assert voted.status_code == 200
    assert site.client.get("/api/papers/2501.07777").json()["upvotes"] == 1
    listed = site.client.get("/api/papers/2501.04828").json()  # on the day's list
    assert listed["upvotes"] == site.count("2501.04828")


def test_header_links_to_trending_and_submit(site: Site) -> None:
    links = {a.attributes["href"] for a in site.page("/").css(".site-nav a")}
    assert {"/trending", "/submit"} <= links


def test_paper_page_curator_controls(site: Site, alice: User) -> None:
    log_in(site.client, "alice")
    member_view = site.page("/papers/2501.05441")
    assert member_view.css(".curator-controls") == [] and member_view.css("form.curator-day") == []
    site.client.cookies.clear()
    add_member(site.deps, "carol", role=Role.CURATOR)
    token = log_in(site.client, "carol")
    tree = site.page("/papers/2501.05441")
    assert len(tree.css(".lists .curator-controls")) == 1
    form = tree.css_first("form.curator-day")
    assert form is not None and form.attributes["action"] == "/papers/2501.05441/lists"
    response = site.client.post(
        "/papers/2501.05441/lists",
        data={"csrf_token": token, "day": "2025-01-13"},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/date/2025-01-13#paper-2501.05441"
    days = [e.listed_on.isoformat() for e in site.deps.store.entries_for_paper("2501.05441")]
    assert days == ["2025-01-10", "2025-01-13"]
    bad = site.client.post("/papers/2501.05441/lists", data={"csrf_token": token, "day": "soon"})
    assert bad.status_code == 422
    message = site.page_of(bad.text).css_first(".message")
    assert message is not None and message.text().startswith("day: ")
