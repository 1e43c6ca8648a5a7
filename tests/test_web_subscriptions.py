"""Subscribing to digests from the pages: double opt-in over a real SMTP server, the settings
page every digest links to, one-click unsubscribe, and the bad input each of them refuses."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from selectolax.lexbor import LexborHTMLParser, LexborNode

from paperboy.app import Deps, build_deps
from paperboy.config import Settings
from paperboy.domain.digests import (
    DigestContent,
    LinkPurpose,
    Preferences,
    Subscription,
    SubscriptionStatus,
    link_token,
)
from paperboy.services.digest_links import digest_links
from paperboy.web.app import create_app
from tests.support.fake_time import FakeTime
from tests.support.smtp import SmtpSink
from tests.support.subscribers import add_subscriber

ADA = "ada@example.org"
FORM = {"email": ADA, "content": "trending", "frequency": "weekly", "weekday": "2", "hour": "7",
        "timezone": "Europe/Berlin", "max_papers": "5", "categories": "cs.CL, cs.lg",
        "searches": ""}  # fmt: skip


@pytest.fixture
def time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def site(smtp_settings: Settings, time: FakeTime) -> Deps:
    return build_deps(smtp_settings, clock=time.now)


@pytest.fixture
def client(site: Deps) -> Iterator[TestClient]:
    with TestClient(create_app(site)) as test_client:
        yield test_client


def page(html: str) -> LexborHTMLParser:
    return LexborHTMLParser(html)


def local(url: str) -> str:
    """The path and query of an absolute link, to open it with the test client."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def field_error(html: str, name: str) -> str:
    """The error shown next to field `name` (inside the same `.field`), else ''."""
    node = page(html).css_first(f".field.has-error #f-{name}")
    assert node is not None, f"no error marked on {name}"
    parent = node.parent
    assert parent is not None
    note = parent.css_first(".field-error")
    return note.text() if note else ""


def stored(site: Deps, email: str = ADA) -> Subscription:
    found = site.subscriptions.by_email(email)
    assert found is not None
    return found


def subscribe(client: TestClient, **changes: str) -> str:
    response = client.post("/subscribe", data={**FORM, **changes})
    assert response.status_code == 200, response.text
    return response.text


def test_subscribe_page_offers_the_form_with_defaults(client: TestClient) -> None:
    html = page(client.get("/subscribe?content=trending").text)
    selected = html.css_first("#f-content option[selected]")
    assert selected is not None and selected.attributes["value"] == "trending"
    hour = html.css_first("#f-hour option[selected]")
    assert hour is not None and hour.attributes["value"] == "8"
    assert html.css_first("#f-email") is not None


def test_subscribe_mails_a_confirmation_and_sends_nothing_else(
    client: TestClient, site: Deps, smtp_sink: SmtpSink
) -> None:
    html = subscribe(client)
    assert "We sent an email to ada@example.org" in html
    [mail] = smtp_sink.wait_for(1)
    assert mail.rcpt_tos == (ADA,) and "Confirm" in str(mail.message["Subject"])
    confirm = digest_links(site.settings, stored(site).id).confirm
    assert confirm in mail.links() and confirm in mail.html()
    subscription = stored(site)
    assert subscription.status is SubscriptionStatus.PENDING and subscription.next_due_at is None
    assert subscription.preferences == Preferences(
        frequency="weekly",  # type: ignore[arg-type]
        weekday=2,
        hour=7,
        timezone="Europe/Berlin",
        max_papers=5,
        categories=("cs.CL", "cs.LG"),
        content=DigestContent.TRENDING,
    )


def test_confirm_link_opens_a_page_and_only_the_button_confirms(
    client: TestClient, site: Deps, smtp_sink: SmtpSink, time: FakeTime
) -> None:
    subscribe(client)
    confirm = local(smtp_sink.wait_for(1)[0].links()[0])
    opened = client.get(confirm)  # what a mail scanner does
    assert opened.status_code == 200 and opened.headers["cache-control"] == "no-store"
    assert stored(site).status is SubscriptionStatus.PENDING
    token = page(opened.text).css_first("form input[name=token]")
    assert token is not None
    done = client.post("/subscribe/confirm", data={"token": token.attributes["value"] or ""})
    assert done.status_code == 200 and "You are subscribed" in done.text
    active = stored(site)
    assert active.status is SubscriptionStatus.ACTIVE and active.confirmed_at == time.now()
    assert active.next_due_at is not None and active.next_due_at > time.now()
    manage = page(done.text).css_first("a.manage-link")
    assert manage is not None
    assert manage.attributes["href"] == digest_links(site.settings, active.id).manage
    again = client.post("/subscribe/confirm", data={"token": token.attributes["value"] or ""})
    assert again.status_code == 200 and stored(site) == active  # a second click changes nothing


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("", "the email address is empty"),
        ("not-an-address", "is not an email address"),
        ("a" * 250 + "@example.org", "longer than 254 characters"),
        ("ada@example.org\r\nBcc: eve@example.org", "characters paperboy cannot send to"),
        ("<script>alert(1)</script>@example.org", "characters paperboy cannot send to"),
        ("ada@@example.org", "characters paperboy cannot send to"),
    ],
)
def test_subscribe_refuses_a_bad_address_next_to_the_field(
    client: TestClient, site: Deps, smtp_sink: SmtpSink, email: str, message: str
) -> None:
    response = client.post("/subscribe", data={**FORM, "email": email})
    assert response.status_code == 400
    assert message in field_error(response.text, "email")
    html = page(response.text)
    assert "<script>alert(1)</script>" not in response.text
    kept = html.css_first("#f-email")
    shown = email.replace("\r\n", "\n")  # HTML reads CR LF as LF
    assert kept is not None and kept.attributes["value"] == shown  # shown back, escaped
    timezone = html.css_first("#f-timezone")
    assert timezone is not None and timezone.attributes["value"] == "Europe/Berlin"
    assert site.subscriptions.counts_by_status()[SubscriptionStatus.PENDING] == 0
    assert smtp_sink.messages == []


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("hour", "25", "hour must be between 0 and 23"),
        ("timezone", "Mars/Base<b>", "unknown time zone"),
        ("max_papers", "500", "max_papers must be between 1 and 50"),
        ("categories", "cs.CL, <img src=x onerror=alert(1)>", "is not an arXiv category"),
        ("searches", "x" * 201, "at most 200 characters"),
        ("content", "everything", "content must be one of"),
    ],
)
def test_subscribe_refuses_bad_preferences_next_to_the_field(
    client: TestClient, site: Deps, smtp_sink: SmtpSink, field: str, value: str, message: str
) -> None:
    response = client.post("/subscribe", data={**FORM, field: value})
    assert response.status_code == 400
    assert message in field_error(response.text, field)
    assert page(response.text).css("img") == []  # hostile input is text, never markup
    assert site.subscriptions.by_email(ADA) is None and smtp_sink.messages == []


def test_subscribing_a_pending_address_again_resends_at_most_every_few_minutes(
    client: TestClient, site: Deps, smtp_sink: SmtpSink, time: FakeTime
) -> None:
    subscribe(client)
    smtp_sink.wait_for(1)
    html = subscribe(client, hour="9")
    assert "a few minutes ago" in html
    assert stored(site).preferences.hour == 9  # the latest form wins while pending
    time.advance(6 * 60)
    subscribe(client)
    assert len(smtp_sink.wait_for(2)) == 2
    assert stored(site).status is SubscriptionStatus.PENDING


def test_one_client_asking_for_many_addresses_is_slowed_down(
    client: TestClient, smtp_sink: SmtpSink
) -> None:
    for number in range(20):
        subscribe(client, email=f"reader{number}@example.org")
    response = client.post("/subscribe", data={**FORM, "email": "one-more@example.org"})
    assert response.status_code == 429 and int(response.headers["retry-after"]) > 0
    assert len(smtp_sink.wait_for(20)) == 20


def test_subscribing_an_active_address_mails_its_settings_link_and_changes_nothing(
    client: TestClient, site: Deps, smtp_sink: SmtpSink
) -> None:
    existing = add_subscriber(site, ADA, Preferences(hour=6))
    html = subscribe(client, hour="20")
    assert "We sent an email" in html  # the same answer: no one learns who subscribes
    [mail] = smtp_sink.wait_for(1)
    assert digest_links(site.settings, existing.id).manage in mail.links()
    assert digest_links(site.settings, existing.id).confirm not in mail.text()
    assert stored(site) == existing


def test_an_unsubscribed_address_can_subscribe_again(
    client: TestClient, site: Deps, smtp_sink: SmtpSink
) -> None:
    existing = add_subscriber(site, ADA)
    site.subscriptions.unsubscribe(existing.id, site.clock())
    subscribe(client)
    [mail] = smtp_sink.wait_for(1)
    assert digest_links(site.settings, existing.id).confirm in mail.links()
    again = stored(site)
    assert (again.id, again.status) == (existing.id, SubscriptionStatus.PENDING)
    assert again.preferences.content is DigestContent.TRENDING


def test_one_click_unsubscribe_is_a_plain_post_without_cookies(
    site: Deps, client: TestClient
) -> None:
    subscription = add_subscriber(site, ADA)
    url = local(digest_links(site.settings, subscription.id).unsubscribe)
    with TestClient(create_app(site)) as mail_client:  # RFC 8058: no cookie, no CSRF token
        body = {"List-Unsubscribe": "One-Click"}
        assert not mail_client.cookies
        first = mail_client.post(url, data=body)
        assert first.status_code == 200, first.text
        assert "You are unsubscribed" in first.text
        assert stored(site).status is SubscriptionStatus.UNSUBSCRIBED
        assert stored(site).next_due_at is None
        second = mail_client.post(url, data=body)
        assert second.status_code == 200 and "You are unsubscribed" in second.text


@pytest.mark.parametrize("encoding", ["multipart", "no body"])
def test_one_click_unsubscribe_takes_any_body_encoding(site: Deps, encoding: str) -> None:
    subscription = add_subscriber(site, ADA)
    url = local(digest_links(site.settings, subscription.id).unsubscribe)
    with TestClient(create_app(site)) as mail_client:
        if encoding == "multipart":  # RFC 8058 allows multipart/form-data too
            response = mail_client.post(url, files={"List-Unsubscribe": (None, "One-Click")})
        else:
            response = mail_client.post(url)
    assert response.status_code == 200, response.text
    assert stored(site).status is SubscriptionStatus.UNSUBSCRIBED


def test_unsubscribe_link_opens_a_page_with_one_button(site: Deps, client: TestClient) -> None:
    subscription = add_subscriber(site, ADA)
    opened = client.get(local(digest_links(site.settings, subscription.id).unsubscribe))
    assert opened.status_code == 200
    assert stored(site).status is SubscriptionStatus.ACTIVE
    form = page(opened.text).css_first("form[action='/unsubscribe']")
    assert form is not None
    fields = {n.attributes["name"]: n.attributes["value"] or "" for n in form.css("input")}
    done = client.post("/unsubscribe", data={k or "": v for k, v in fields.items()})
    assert done.status_code == 200 and stored(site).status is SubscriptionStatus.UNSUBSCRIBED


def _forged(site: Deps, subscription_id: int) -> dict[str, str]:
    key = site.settings.secret_key
    good = link_token(key, LinkPurpose.UNSUBSCRIBE, subscription_id)
    number, _, signature = good.partition(".")
    return {
        "altered signature": f"{number}.{signature[:-1]}{'0' if signature[-1] != '0' else '1'}",
        "another subscription": f"{int(number) + 1}.{signature}",
        "other purpose": link_token(key, LinkPurpose.MANAGE, subscription_id),
        "another key": link_token("not-the-key", LinkPurpose.UNSUBSCRIBE, subscription_id),
        "cut short": number,
        "empty": "",
        "markup": "<script>alert(1)</script>",
    }


def test_one_click_unsubscribe_refuses_a_forged_token(site: Deps, client: TestClient) -> None:
    subscription = add_subscriber(site, ADA)
    for name, token in _forged(site, subscription.id).items():
        response = client.post("/unsubscribe", params={"token": token}, data={"x": "1"})
        assert response.status_code == 400, name
        heading = page(response.text).css_first("h1")
        assert heading is not None and heading.text() == "This link is not valid", name
        assert "<script>alert" not in response.text
    assert stored(site).status is SubscriptionStatus.ACTIVE


@pytest.mark.parametrize(
    ("method", "path", "purpose"),
    [
        ("get", "/subscribe/confirm", LinkPurpose.UNSUBSCRIBE),
        ("post", "/subscribe/confirm", LinkPurpose.MANAGE),
        ("get", "/subscription", LinkPurpose.CONFIRM),
        ("post", "/subscription", LinkPurpose.UNSUBSCRIBE),
        ("get", "/unsubscribe", LinkPurpose.MANAGE),
    ],
)
def test_each_page_refuses_a_token_of_another_purpose(
    site: Deps, client: TestClient, method: str, path: str, purpose: LinkPurpose
) -> None:
    subscription = add_subscriber(site, ADA, active=False)
    token = link_token(site.settings.secret_key, purpose, subscription.id)
    if method == "get":
        response = client.get(path, params={"token": token})
    else:
        response = client.post(path, data={"token": token, "action": "unsubscribe"})
    assert response.status_code == 400
    assert "does not match" in response.text
    assert stored(site) == subscription


def test_settings_page_is_prefilled_and_lists_the_private_feeds(
    site: Deps, client: TestClient
) -> None:
    prefs = Preferences(hour=19, categories=("cs.CL",), searches=("<img src=x>", "RLHF"))
    subscription = add_subscriber(site, ADA, prefs)
    links = digest_links(site.settings, subscription.id)
    response = client.get(local(links.manage))
    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "same-origin"  # the token stays on this site
    html = page(response.text)
    hour = html.css_first("#f-hour option[selected]")
    categories = html.css_first("#f-categories")
    searches = html.css_first("#f-searches")
    assert hour is not None and hour.attributes["value"] == "19"
    assert categories is not None and categories.attributes["value"] == "cs.CL"
    assert searches is not None and searches.text() == "<img src=x>\nRLHF"
    assert html.css("main img") == []
    rss, atom = html.css_first("a.feed-rss"), html.css_first("a.feed-atom")
    assert rss is not None and rss.attributes["href"] == links.feed_rss
    assert atom is not None and atom.attributes["href"] == links.feed_atom


def _post_settings(client: TestClient, token: str, **changes: str) -> str:
    response = client.post("/subscription", data={**FORM, "token": token, **changes})
    assert response.status_code == 200, response.text  # after the 303
    return response.text


def test_settings_page_saves_pauses_resumes_and_unsubscribes(
    site: Deps, client: TestClient, time: FakeTime
) -> None:
    subscription = add_subscriber(site, ADA)
    token = link_token(site.settings.secret_key, LinkPurpose.MANAGE, subscription.id)
    assert "preferences are saved" in _post_settings(client, token, action="save")
    saved = stored(site)
    assert saved.preferences.timezone == "Europe/Berlin" and saved.preferences.hour == 7
    assert saved.next_due_at is not None and saved.next_due_at != subscription.next_due_at
    assert "is paused" in _post_settings(client, token, action="pause")
    assert (stored(site).status, stored(site).next_due_at) == (SubscriptionStatus.PAUSED, None)
    assert "on again" in _post_settings(client, token, action="resume")
    assert stored(site).status is SubscriptionStatus.ACTIVE
    html = _post_settings(client, token, action="unsubscribe")
    assert "You are unsubscribed" in html and "Subscribe again" in html
    assert stored(site).status is SubscriptionStatus.UNSUBSCRIBED


def test_settings_page_shows_a_bad_preference_next_to_its_field(
    site: Deps, client: TestClient
) -> None:
    subscription = add_subscriber(site, ADA)
    token = link_token(site.settings.secret_key, LinkPurpose.MANAGE, subscription.id)
    response = client.post("/subscription", data={**FORM, "token": token, "weekday": "9"})
    assert response.status_code == 400
    assert "weekday must be between 0 and 6" in field_error(response.text, "weekday")
    assert stored(site) == subscription


def test_settings_page_subscribes_an_unsubscribed_address_again_by_confirmation(
    site: Deps, client: TestClient, smtp_sink: SmtpSink
) -> None:
    subscription = add_subscriber(site, ADA)
    site.subscriptions.unsubscribe(subscription.id, site.clock())
    token = link_token(site.settings.secret_key, LinkPurpose.MANAGE, subscription.id)
    assert "sent a confirmation link" in _post_settings(client, token, action="resubscribe")
    assert stored(site).status is SubscriptionStatus.PENDING
    assert digest_links(site.settings, subscription.id).confirm in smtp_sink.wait_for(1)[0].links()


@pytest.mark.parametrize(("path", "content"), [("/trending", "trending"), ("/", "top")])
def test_list_pages_carry_the_subscribe_box(client: TestClient, path: str, content: str) -> None:
    html = page(client.get(path, follow_redirects=True).text)
    box = html.css_first("aside.subscribe-box form[action='/subscribe']")
    assert box is not None
    hidden: LexborNode | None = box.css_first("input[name=content]")
    assert hidden is not None and hidden.attributes["value"] == content
    assert box.css_first("input[name=email][type=email]") is not None


def test_the_subscribe_box_alone_subscribes_with_defaults(
    client: TestClient, site: Deps, smtp_sink: SmtpSink
) -> None:
    response = client.post("/subscribe", data={"email": ADA, "content": "trending"})
    assert response.status_code == 200
    assert stored(site).preferences == Preferences(content=DigestContent.TRENDING)
    smtp_sink.wait_for(1)


def test_a_signed_link_to_a_missing_subscription_is_refused(site: Deps, client: TestClient) -> None:
    token = link_token(site.settings.secret_key, LinkPurpose.MANAGE, 4242)
    response = client.get("/subscription", params={"token": token})
    assert response.status_code == 400 and "no longer exists" in response.text
