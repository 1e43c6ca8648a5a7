"""`/api/me/subscription`: a member's digest over JSON, with errors as `{"error": {...}}`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from paperboy.app import Deps
from paperboy.domain.digests import SubscriptionStatus
from paperboy.services.digest_links import digest_links
from paperboy.web.app import create_app
from tests.support.members import add_member, api_token

BODY = {"content": "searches", "frequency": "weekly", "weekday": 4, "hour": 17,
        "timezone": "Europe/Berlin", "maxPapers": 20, "categories": ["cs.cl"],
        "searches": ["retrieval augmented generation"]}  # fmt: skip


@pytest.fixture
def client(deps: Deps) -> Iterator[TestClient]:
    with TestClient(create_app(deps)) as test_client:
        yield test_client


def bearer(deps: Deps, username: str = "ada", *, verified: bool = True) -> dict[str, str]:
    user = add_member(deps, username, verified=verified)
    return {"Authorization": f"Bearer {api_token(deps, user)}"}


def test_put_subscribes_at_once_and_get_reads_it_back(deps: Deps, client: TestClient) -> None:
    auth = bearer(deps)
    put = client.put("/api/me/subscription", json=BODY, headers=auth)
    assert put.status_code == 200, put.text
    body = put.json()
    assert body["status"] == "active" and body["email"] == "ada@example.org"
    assert body["preferences"] == {**BODY, "categories": ["cs.CL"]}
    assert body["nextDueAt"] is not None
    found = deps.subscriptions.by_email("ada@example.org")
    assert found is not None
    assert body["feedRss"] == digest_links(deps.settings, found.id).feed_rss
    assert client.get("/api/me/subscription", headers=auth).json() == body


def test_delete_unsubscribes_and_is_idempotent(deps: Deps, client: TestClient) -> None:
    auth = bearer(deps)
    client.put("/api/me/subscription", json={}, headers=auth)
    for _ in range(2):
        gone = client.delete("/api/me/subscription", headers=auth)
        assert gone.status_code == 200 and gone.json()["status"] == "unsubscribed"
    found = deps.subscriptions.by_email("ada@example.org")
    assert found is not None and found.status is SubscriptionStatus.UNSUBSCRIBED


def test_get_without_a_subscription_is_404(deps: Deps, client: TestClient) -> None:
    response = client.get("/api/me/subscription", headers=bearer(deps))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_subscribed"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"hour": 24}, "hour: hour must be between 0 and 23"),
        ({"maxPapers": 0}, "maxPapers: max_papers must be between 1 and 50"),
        ({"timezone": "Nowhere/Land"}, "timezone: unknown time zone"),
        ({"categories": ["<b>x</b>"]}, "categories:"),
        ({"searches": ["a\r\nBcc: eve@example.org"]}, "searches: a search may not contain"),
        ({"hour": "eight"}, "hour"),
    ],
)
def test_put_names_the_bad_field(
    deps: Deps, client: TestClient, change: dict[str, object], message: str
) -> None:
    response = client.put("/api/me/subscription", json={**BODY, **change}, headers=bearer(deps))
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_parameter" and message in error["message"]
    assert deps.subscriptions.by_email("ada@example.org") is None


def test_put_refuses_an_unconfirmed_address(deps: Deps, client: TestClient) -> None:
    response = client.put("/api/me/subscription", json=BODY, headers=bearer(deps, verified=False))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "email_not_confirmed"


def test_anonymous_is_401(client: TestClient) -> None:
    response = client.get("/api/me/subscription")
    assert response.status_code == 401 and "error" in response.json()
