"""A member's digest from their settings: active at once with the confirmed account address."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from selectolax.lexbor import LexborHTMLParser

from paperboy.app import Deps, build_deps
from paperboy.config import Settings
from paperboy.domain.digests import DigestContent, Preferences, SubscriptionStatus
from paperboy.web.app import create_app
from tests.support.members import add_member, log_in
from tests.support.smtp import SmtpSink
from tests.support.subscribers import add_subscriber

ADA = "ada@example.org"
FORM = {"content": "searches", "frequency": "daily", "weekday": "0", "hour": "6",
        "timezone": "Asia/Tokyo", "max_papers": "3", "categories": "",
        "searches": "graph neural networks\nprotein folding"}  # fmt: skip


@pytest.fixture
def site(smtp_settings: Settings) -> Deps:
    return build_deps(smtp_settings)


@pytest.fixture
def client(site: Deps) -> Iterator[TestClient]:
    with TestClient(create_app(site)) as test_client:
        yield test_client


def post(client: TestClient, csrf: str, **fields: str) -> tuple[int, str]:
    response = client.post("/settings/digest", data={**FORM, "csrf_token": csrf, **fields})
    return response.status_code, response.text


def test_settings_link_to_the_digest_section(site: Deps, client: TestClient) -> None:
    add_member(site, "ada")
    log_in(client, "ada")
    html = LexborHTMLParser(client.get("/settings").text)
    link = html.css_first("#digest a[href='/settings/digest']")
    assert link is not None


def test_member_subscribes_at_once_without_a_mail(
    site: Deps, client: TestClient, smtp_sink: SmtpSink
) -> None:
    ada = add_member(site, "ada")
    csrf = log_in(client, "ada")
    status, html = post(client, csrf)
    assert status == 200 and "You are subscribed" in html
    found = site.subscriptions.by_user(ada.id)
    assert found is not None and found.email == ADA
    assert found.status is SubscriptionStatus.ACTIVE and found.next_due_at is not None
    assert found.preferences.content is DigestContent.SEARCHES
    assert found.preferences.searches == ("graph neural networks", "protein folding")
    assert smtp_sink.messages == []


def test_member_edits_pauses_and_unsubscribes(site: Deps, client: TestClient) -> None:
    ada = add_member(site, "ada")
    csrf = log_in(client, "ada")
    post(client, csrf)
    status, html = post(client, csrf, hour="21")
    assert status == 200 and "preferences are saved" in html
    selected = LexborHTMLParser(html).css_first("#f-hour option[selected]")
    assert selected is not None and selected.attributes["value"] == "21"
    post(client, csrf, action="pause")
    found = site.subscriptions.by_user(ada.id)
    assert found is not None and found.status is SubscriptionStatus.PAUSED
    post(client, csrf, action="unsubscribe")
    found = site.subscriptions.by_user(ada.id)
    assert found is not None and found.status is SubscriptionStatus.UNSUBSCRIBED
    status, html = post(client, csrf, action="save")  # subscribing again: active at once
    found = site.subscriptions.by_user(ada.id)
    assert found is not None and found.status is SubscriptionStatus.ACTIVE


def test_member_saving_a_paused_digest_keeps_it_paused(site: Deps, client: TestClient) -> None:
    ada = add_member(site, "ada")
    csrf = log_in(client, "ada")
    post(client, csrf)
    post(client, csrf, action="pause")
    status, html = post(client, csrf, hour="12")
    found = site.subscriptions.by_user(ada.id)
    assert status == 200 and "preferences are saved" in html
    assert found is not None and found.status is SubscriptionStatus.PAUSED
    assert found.preferences.hour == 12


def test_member_pause_without_a_digest_subscribes_no_one(site: Deps, client: TestClient) -> None:
    ada = add_member(site, "ada")
    csrf = log_in(client, "ada")
    status, _ = post(client, csrf, action="pause")
    assert status == 200 and site.subscriptions.by_user(ada.id) is None


def test_member_takes_over_the_subscription_of_their_address(
    site: Deps, client: TestClient
) -> None:
    earlier = add_subscriber(site, ADA, Preferences(hour=5), active=False)
    ada = add_member(site, "ada")
    csrf = log_in(client, "ada")
    post(client, csrf)
    found = site.subscriptions.by_user(ada.id)
    assert found is not None and found.id == earlier.id
    assert found.status is SubscriptionStatus.ACTIVE and found.preferences.hour == 6


def test_an_unconfirmed_member_is_told_to_confirm_first(site: Deps, client: TestClient) -> None:
    ada = add_member(site, "ada", verified=False)
    csrf = log_in(client, "ada")
    status, html = post(client, csrf)
    assert status == 400
    notice = LexborHTMLParser(html).css_first(".notice.error")
    assert notice is not None and "confirm your email address first" in notice.text()
    assert site.subscriptions.by_user(ada.id) is None


def test_member_form_shows_a_bad_preference_next_to_its_field(
    site: Deps, client: TestClient
) -> None:
    ada = add_member(site, "ada")
    csrf = log_in(client, "ada")
    status, html = post(client, csrf, searches="ok\n" + "y" * 201)
    assert status == 400
    field = LexborHTMLParser(html).css_first(".field.has-error .field-error")
    assert field is not None and "at most 200 characters" in field.text()
    assert site.subscriptions.by_user(ada.id) is None


def test_member_post_needs_the_csrf_token(site: Deps, client: TestClient) -> None:
    ada = add_member(site, "ada")
    log_in(client, "ada")
    status, _ = post(client, "forged")
    assert status == 403 and site.subscriptions.by_user(ada.id) is None


def test_the_digest_section_needs_a_login(client: TestClient) -> None:
    response = client.get("/settings/digest", follow_redirects=False)
    assert response.status_code in (302, 303) and "/login" in response.headers["location"]
