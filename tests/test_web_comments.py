"""Comments, claims, profiles and moderation through the real app: forms, pages and API."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

import pytest
from fastapi.testclient import TestClient
from selectolax.lexbor import LexborHTMLParser

from paperboy.app import Deps
from paperboy.domain.accounts import Role, User
from paperboy.web.app import create_app
from tests.support.members import PASSWORD, add_member, api_token, log_in
from tests.support.web_client import DAYS, loaded_deps, recorded

PAPER = recorded(DAYS[-1])[0]["paper"]["id"]
PAGE = f"/papers/{PAPER}"


@dataclass
class Site:
    deps: Deps
    ada: User
    alan: User
    curator: User

    def client(self, user: User | None = None) -> tuple[TestClient, str]:
        """A client, logged in as `user` when given, and its CSRF token."""
        client = TestClient(create_app(self.deps), follow_redirects=False)
        return client, log_in(client, user.username) if user else ""

    def bearer(self, user: User) -> dict[str, str]:
        return {"Authorization": f"Bearer {api_token(self.deps, user)}"}


@pytest.fixture
def site(sqlite_url: str) -> Iterator[Site]:
    deps = loaded_deps(sqlite_url)
    yield Site(
        deps,
        add_member(deps, "ada"),
        add_member(deps, "alan"),
        add_member(deps, "cur", role=Role.CURATOR),
    )


def comment_ids(html: str) -> list[int]:
    tree = LexborHTMLParser(html)
    return [int(n.attributes["data-comment-id"] or 0) for n in tree.css(".discussion .comment")]


def post(client: TestClient, csrf: str, body: str, **extra: object) -> int:
    response = client.post(f"{PAGE}/comments", data={"body": body, "csrf_token": csrf, **extra})
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("#comment-", 1)[1])


def test_a_member_posts_a_comment_with_the_form_and_sees_it_rendered(site: Site) -> None:
    client, csrf = site.client(site.ada)
    comment_id = post(client, csrf, "Nice **result**: $O(n \\log n)$")
    page = LexborHTMLParser(client.get(PAGE).text)
    body = page.css_first(f"#comment-{comment_id} .comment-body")
    assert body is not None and body.css_first("strong") is not None
    math = body.css_first(".math")
    assert math is not None and math.text() == "$O(n \\log n)$"
    assert page.css_first("script[src*=katex]") is not None


def test_a_comment_post_without_the_csrf_token_is_refused(site: Site) -> None:
    client, _ = site.client(site.ada)
    response = client.post(f"{PAGE}/comments", data={"body": "hi"})
    assert response.status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(site: Site) -> None:
    client, _ = site.client()
    page = client.post(f"{PAGE}/comments", data={"body": "hi"})
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    api = client.post(f"/api/papers/{PAPER}/comments", json={"body": "hi"})
    assert api.status_code == 401 and api.json()["error"]["code"] == "login_required"


def test_comments_count_in_the_api_and_on_cards(site: Site) -> None:
    client, csrf = site.client(site.ada)
    before = client.get(f"/api/papers/{PAPER}").json()["dailyLists"][0]["numComments"]
    post(client, csrf, "one")
    second = post(client, csrf, "two")
    assert client.get(f"/api/papers/{PAPER}").json()["dailyLists"][0]["numComments"] == before + 2
    client.post(f"/comments/{second}/delete", data={"csrf_token": csrf})
    daily = client.get(f"/api/daily_papers?date={DAYS[-1]}&limit=100").json()
    [item] = [i for i in daily if i["paper"]["id"] == PAPER]
    assert item["numComments"] == before + 1


def test_the_api_posts_replies_one_level_deep_with_a_token(site: Site) -> None:
    client, _ = site.client()
    url = f"/api/papers/{PAPER}/comments"
    top = client.post(url, json={"body": "top"}, headers=site.bearer(site.ada)).json()
    reply = client.post(
        url, json={"body": "re", "parentId": top["id"]}, headers=site.bearer(site.alan)
    )
    nested = client.post(
        url, json={"body": "re re", "parentId": reply.json()["id"]}, headers=site.bearer(site.ada)
    )
    assert reply.status_code == 201 and nested.status_code == 201
    assert nested.json()["parentId"] == top["id"]
    [thread] = client.get(url).json()
    assert [r["body"] for r in thread["replies"]] == ["re", "re re"]
    assert thread["author"] == {"username": "ada", "name": "ada"}


def test_members_edit_their_own_comment_and_not_others(site: Site) -> None:
    client, _ = site.client()
    made = client.post(
        f"/api/papers/{PAPER}/comments", json={"body": "v1"}, headers=site.bearer(site.ada)
    ).json()
    url = f"/api/comments/{made['id']}"
    edited = client.patch(url, json={"body": "v2"}, headers=site.bearer(site.ada))
    assert edited.status_code == 200 and edited.json()["body"] == "v2"
    assert edited.json()["editedAt"] is not None
    refused = client.patch(url, json={"body": "mine now"}, headers=site.bearer(site.alan))
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    deleted = client.delete(url, headers=site.bearer(site.alan))
    assert deleted.status_code == 403


def test_the_edit_form_replaces_the_body(site: Site) -> None:
    client, csrf = site.client(site.ada)
    comment_id = post(client, csrf, "first words")
    response = client.post(
        f"/comments/{comment_id}/edit", data={"body": "second words", "csrf_token": csrf}
    )
    assert response.status_code == 303
    body = LexborHTMLParser(client.get(PAGE).text).css_first(f"#comment-{comment_id} .comment-body")
    assert body is not None and body.text().strip() == "second words"


def test_a_member_deletes_their_comment_with_the_form(site: Site) -> None:
    client, csrf = site.client(site.ada)
    comment_id = post(client, csrf, "regret")
    assert (
        client.post(f"/comments/{comment_id}/delete", data={"csrf_token": csrf}).status_code == 303
    )
    assert comment_id not in comment_ids(client.get(PAGE).text)


def test_hidden_comments_are_shown_to_curators_only(site: Site) -> None:
    member, csrf = site.client(site.ada)
    comment_id = post(member, csrf, "off topic")
    curator, curator_csrf = site.client(site.curator)
    hidden = curator.post(f"/comments/{comment_id}/hide", data={"csrf_token": curator_csrf})
    assert hidden.status_code == 303
    assert comment_id not in comment_ids(member.get(PAGE).text)
    anonymous, _ = site.client()
    assert comment_id not in comment_ids(anonymous.get(PAGE).text)
    assert anonymous.get(f"/api/papers/{PAPER}/comments").json() == []
    seen = LexborHTMLParser(curator.get(PAGE).text).css_first(f"#comment-{comment_id}")
    assert seen is not None and seen.css_first(".hidden-badge") is not None


def test_members_cannot_hide_comments(site: Site) -> None:
    client, csrf = site.client(site.ada)
    comment_id = post(client, csrf, "mine")
    response = client.post(f"/api/comments/{comment_id}/hide", headers={"X-CSRF-Token": csrf})
    assert response.status_code == 403


def test_reports_reach_the_moderation_page(site: Site) -> None:
    author, csrf = site.client(site.ada)
    comment_id = post(author, csrf, "spam spam")
    reporter, _ = site.client()
    report = reporter.post(
        f"/api/comments/{comment_id}/report",
        json={"reason": "<b>spam</b>"},
        headers=site.bearer(site.alan),
    )
    assert report.json() == {"reported": True}
    assert author.get("/moderation").status_code == 403
    curator, _ = site.client(site.curator)
    page = LexborHTMLParser(curator.get("/moderation").text)
    reported = page.css_first(f".reported-comment[data-comment-id='{comment_id}']")
    assert reported is not None
    assert [li.text() for li in reported.css(".reasons li")] == ["<b>spam</b>"]  # escaped text


def test_a_claim_is_approved_and_marks_the_author(site: Site) -> None:
    member, csrf = site.client(site.ada)
    claimed = member.post(f"{PAGE}/claims", data={"author_index": "1", "csrf_token": csrf})
    assert claimed.status_code == 303
    curator, curator_csrf = site.client(site.curator)
    [pending] = curator.get("/api/moderation").json()["claims"]
    approved = curator.post(f"/claims/{pending['id']}/approve", data={"csrf_token": curator_csrf})
    assert approved.status_code == 303
    authors = LexborHTMLParser(member.get(PAGE).text).css(".author-list li")
    mark = authors[1].css_first("a.verified-author")
    assert mark is not None and mark.attributes["href"] == "/u/ada"
    profile = member.get("/api/users/ada").json()
    assert [a["paperId"] for a in profile["authored"]] == [PAPER]


def test_claims_by_members_cannot_be_approved_by_members(site: Site) -> None:
    client, _ = site.client()
    made = client.post(
        f"/api/papers/{PAPER}/claims", json={"authorIndex": 0}, headers=site.bearer(site.ada)
    )
    assert made.status_code == 201
    refused = client.post(
        f"/api/claims/{made.json()['id']}/approve", headers=site.bearer(site.alan)
    )
    assert refused.status_code == 403
    taken = client.post(
        f"/api/papers/{PAPER}/claims", json={"authorIndex": 0}, headers=site.bearer(site.alan)
    )
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "conflict"


def test_the_profile_shows_upvotes_only_when_allowed(site: Site) -> None:
    site.deps.votes.set_vote(site.ada.id, PAPER, True, site.deps.clock())
    other, _ = site.client(site.alan)
    assert other.get("/api/users/ada").json()["upvoted"] is None
    assert LexborHTMLParser(other.get("/u/ada").text).css_first(".upvoted") is None
    own, _ = site.client(site.ada)
    assert [p["id"] for p in own.get("/api/users/ada").json()["upvoted"]] == [PAPER]
    site.deps.accounts.update_profile(site.ada, display_name="Ada L", show_upvotes=True)
    shown = LexborHTMLParser(other.get("/u/ada").text)
    assert [a.attributes["href"] for a in shown.css(".upvoted a")] == [PAGE]
    assert shown.css_first(".profile-name").text() == "Ada L"  # type: ignore[union-attr]


def test_a_deleted_members_comments_stay_as_deleted_member(site: Site) -> None:
    client, csrf = site.client(site.ada)
    comment_id = post(client, csrf, "my last words")
    site.deps.accounts.delete_account(site.ada, PASSWORD)
    page = LexborHTMLParser(site.client()[0].get(PAGE).text)
    author = page.css_first(f"#comment-{comment_id} .comment-author")
    assert author is not None and author.text() == "deleted member"
    assert author.tag != "a"
    assert site.client()[0].get("/u/ada").status_code == 404


@pytest.mark.parametrize(
    ("method", "url", "status", "code"),
    [
        ("patch", "/api/comments/999999", 404, "not_found"),
        ("patch", "/api/comments/abc", 422, "invalid_parameter"),
        ("post", "/api/papers/2601.99999/comments", 404, "not_found"),
        ("post", "/api/papers/not-an-id/comments", 404, "not_found"),
        ("get", "/api/users/nobody", 404, "not_found"),
    ],
)
def test_unknown_and_malformed_ids_get_json_errors(
    site: Site, method: str, url: str, status: int, code: str
) -> None:
    client, _ = site.client()
    response = client.request(method, url, json={"body": "x"}, headers=site.bearer(site.ada))
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code


def test_a_body_over_the_limit_is_413(site: Site) -> None:
    client, _ = site.client()
    too_long = "x" * (site.deps.settings.comment_max_length + 1)
    response = client.post(
        f"/api/papers/{PAPER}/comments", json={"body": too_long}, headers=site.bearer(site.ada)
    )
    assert response.status_code == 413
    assert response.json()["error"]["message"].startswith("body:")


def test_a_member_past_the_hourly_comment_limit_gets_429_and_nothing_is_stored(
    site: Site,
) -> None:
    settings = replace(site.deps.settings, comment_limit_per_hour=2)
    client = TestClient(create_app(replace(site.deps, settings=settings)))
    url, ada = f"/api/papers/{PAPER}/comments", site.bearer(site.ada)
    codes = [client.post(url, json={"body": f"n{i}"}, headers=ada).status_code for i in range(3)]
    assert codes == [201, 201, 429]
    third = client.post(url, json={"body": "n3"}, headers=ada)
    assert third.json()["error"]["code"] == "rate_limited" and third.headers["Retry-After"]
    assert [t["body"] for t in client.get(url).json()] == ["n0", "n1"]
    other = client.post(url, json={"body": "mine"}, headers=site.bearer(site.alan))
    assert other.status_code == 201  # the limit is per member


def test_every_discussion_action_is_in_the_openapi_document(site: Site) -> None:
    paths = site.client()[0].get("/openapi.json").json()["paths"]
    expected = {
        ("/api/papers/{arxiv_id}/comments", "get"),
        ("/api/papers/{arxiv_id}/comments", "post"),
        ("/api/comments/{comment_id}", "patch"),
        ("/api/comments/{comment_id}", "delete"),
        ("/api/comments/{comment_id}/report", "post"),
        ("/api/comments/{comment_id}/hide", "post"),
        ("/api/users/{username}", "get"),
        ("/api/papers/{arxiv_id}/claims", "post"),
        ("/api/claims/{claim_id}/approve", "post"),
        ("/api/claims/{claim_id}/reject", "post"),
    }
    for path, method in expected:
        operation = paths[path][method]
        assert (operation["summary"] and "403" in operation["responses"]) or method == "get"
        for parameter in operation.get("parameters", []):
            assert parameter.get("description"), (path, parameter["name"])


def test_the_reply_form_nests_the_reply_under_its_thread(site: Site) -> None:
    client, csrf = site.client(site.ada)
    top = post(client, csrf, "question")
    reply = post(client, csrf, "answer", parent_id=str(top))
    nested = post(client, csrf, "follow-up", parent_id=str(reply))
    thread = LexborHTMLParser(client.get(PAGE).text).css_first(f".thread:has(#comment-{top})")
    assert thread is not None
    replies = [int(n.attributes["data-comment-id"] or 0) for n in thread.css(".replies .comment")]
    assert replies == [reply, nested]


def test_a_curator_dismisses_reports_from_the_moderation_page(site: Site) -> None:
    author, csrf = site.client(site.ada)
    comment_id = post(author, csrf, "fine, really")
    reporter, reporter_csrf = site.client(site.alan)
    reported = reporter.post(
        f"/comments/{comment_id}/report", data={"reason": "meh", "csrf_token": reporter_csrf}
    )
    assert reported.status_code == 303
    curator, curator_csrf = site.client(site.curator)
    dismissed = curator.post(f"/comments/{comment_id}/dismiss", data={"csrf_token": curator_csrf})
    assert dismissed.status_code == 303 and dismissed.headers["location"] == "/moderation"
    assert curator.get("/api/moderation").json()["reported"] == []
    assert comment_id in comment_ids(author.get(PAGE).text)


def test_anonymous_cached_pages_show_a_new_comment_at_once(site: Site) -> None:
    reader, _ = site.client()
    assert reader.get(PAGE).status_code == 200  # now in this app's anonymous page cache
    author, csrf = site.client(site.ada)
    comment_id = post(author, csrf, "fresh")
    assert comment_id in comment_ids(reader.get(PAGE).text)
    curator, curator_csrf = site.client(site.curator)
    curator.post(f"/comments/{comment_id}/hide", data={"csrf_token": curator_csrf})
    assert comment_id not in comment_ids(reader.get(PAGE).text)
