"""The settings page and the password reset pages, as a browser without JavaScript uses them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from selectolax.lexbor import LexborHTMLParser

from paperboy.app import Deps, build_deps
from paperboy.config import Settings
from paperboy.web.app import create_app
from paperboy.web.auth import SESSION_COOKIE
from tests.conftest import make_settings
from tests.support.members import PASSWORD, add_member, form_token, log_in
from tests.support.smtp import SmtpSink


@pytest.fixture
def site(smtp_settings: Settings) -> Deps:
    return build_deps(smtp_settings)


@pytest.fixture
def client(site: Deps) -> Iterator[TestClient]:
    with TestClient(create_app(site)) as test_client:
        yield test_client


@pytest.fixture
def member(client: TestClient, site: Deps) -> str:
    """Ada, logged in: her CSRF token."""
    add_member(site, "ada")
    return log_in(client, "ada")


def link_path(sink: SmtpSink, index: int = 0) -> str:
    return urlsplit(sink.wait_for(index + 1)[index].links()[0]).path


def notice(html: str) -> str:
    node = LexborHTMLParser(html).css_first(".notice")
    return node.text() if node else ""


def test_reset_by_email_sets_a_new_password_and_ends_sessions(
    client: TestClient, site: Deps, smtp_sink: SmtpSink, member: str
) -> None:
    old_cookie = client.cookies[SESSION_COOKIE]
    client.cookies.clear()
    token = form_token(client, "/password-reset")
    sent = client.post("/password-reset", data={"email": "ada@example.org", "csrf_token": token})
    assert sent.status_code == 200 and "If an account has this address" in notice(sent.text)
    path = link_path(smtp_sink)
    assert path.startswith("/password-reset/")
    form = client.get(path)
    assert form.status_code == 200
    token = form_token(client, path)
    short = client.post(path, data={"password": "short", "csrf_token": token})
    assert short.status_code == 400 and "at least 10" in short.text
    done = client.post(
        path, data={"password": "a new long password", "csrf_token": token}, follow_redirects=False
    )
    assert done.headers["location"] == "/login?done=reset"
    assert site.accounts.sessions.resume(old_cookie) is None
    assert client.get(path).status_code == 400  # used
    log_in(client, "ada", "a new long password")


def test_reset_link_that_was_never_sent_is_refused(client: TestClient) -> None:
    assert client.get("/password-reset/" + "x" * 43).status_code == 400
    assert client.get("/password-reset/<script>").status_code in {400, 404}


def test_reset_for_unknown_address_sends_nothing(client: TestClient, smtp_sink: SmtpSink) -> None:
    token = form_token(client, "/password-reset")
    sent = client.post("/password-reset", data={"email": "who@example.org", "csrf_token": token})
    assert "If an account has this address" in notice(sent.text)
    assert smtp_sink.messages == []


def test_profile_is_saved(client: TestClient, site: Deps, member: str) -> None:
    data = {"display_name": "  Ada   Lovelace ", "show_upvotes": "1", "csrf_token": member}
    response = client.post("/settings/profile", data=data)
    assert response.status_code == 200 and "profile is saved" in notice(response.text)
    user = site.accounts.find("ada")
    assert user is not None and user.display_name == "Ada Lovelace" and user.show_upvotes


def test_token_made_in_settings_is_shown_once(client: TestClient, site: Deps, member: str) -> None:
    response = client.post("/settings/tokens", data={"name": "script", "csrf_token": member})
    assert response.headers["cache-control"] == "no-store"
    shown = LexborHTMLParser(response.text).css_first("#new-token")
    assert shown is not None and shown.text().startswith("pb_")
    secret = shown.text()
    later = client.get("/settings").text
    assert secret not in later and secret[:10] in later
    token_id = site.accounts.sessions.tokens(site.accounts.find("ada"))[0].id  # type: ignore[arg-type]
    revoked = client.post(f"/settings/tokens/{token_id}/revoke", data={"csrf_token": member})
    assert "revoked" in notice(revoked.text)
    assert site.accounts.sessions.user_for_token(secret) is None


def test_change_email_from_settings(
    client: TestClient, site: Deps, smtp_sink: SmtpSink, member: str
) -> None:
    data = {"email": "ada@new.example.org", "password": PASSWORD, "csrf_token": member}
    response = client.post("/settings/email", data=data)
    assert "We sent a link" in notice(response.text)
    assert smtp_sink.wait_for(1)[0].rcpt_tos == ("ada@new.example.org",)
    confirmed = client.get(link_path(smtp_sink))
    assert confirmed.status_code == 200 and "ada@new.example.org" in confirmed.text
    wrong = {"email": "x@example.org", "password": "not my password", "csrf_token": member}
    refused = client.post("/settings/email", data=wrong)
    assert refused.status_code == 400
    error = LexborHTMLParser(refused.text).css_first("#email .field-error")
    assert error is not None and "not right" in error.text()


def test_change_password_from_settings(client: TestClient, member: str) -> None:
    data = {
        "current_password": PASSWORD,
        "new_password": "new and long enough",
        "csrf_token": member,
    }
    response = client.post("/settings/password", data=data)
    assert "password is changed" in notice(response.text)
    client.cookies.clear()
    log_in(client, "ada", "new and long enough")


def test_export_downloads_json(client: TestClient, member: str) -> None:
    response = client.get("/settings/export.json")
    assert response.headers["content-type"] == "application/json"
    assert "attachment" in response.headers["content-disposition"]
    data = json.loads(response.text)
    assert data["account"]["username"] == "ada"
    assert data["sessions"]["active_count"] == 1


def test_delete_from_settings(client: TestClient, site: Deps, member: str) -> None:
    page = client.get("/settings").text
    assert "Your comments stay" in page and "deleted member" in page
    wrong = client.post("/settings/delete", data={"password": "nope nope", "csrf_token": member})
    assert wrong.status_code == 400
    done = client.post(
        "/settings/delete",
        data={"password": PASSWORD, "csrf_token": member},
        follow_redirects=False,
    )
    assert done.headers["location"] == "/login?done=deleted"
    assert site.accounts.find("ada") is None
    assert client.get("/settings", follow_redirects=False).status_code == 303


def test_resend_verification(client: TestClient, site: Deps, smtp_sink: SmtpSink) -> None:
    add_member(site, "ada", verified=False)
    csrf = log_in(client, "ada")
    page = client.get("/settings").text
    assert "not confirmed" in page
    response = client.post("/settings/verification", data={"csrf_token": csrf})
    assert "sent the confirmation link again" in notice(response.text)
    assert link_path(smtp_sink).startswith("/verify-email/")


def test_secure_cookie_over_https(sqlite_url: str) -> None:
    deps = build_deps(make_settings(sqlite_url, base_url="https://papers.example.org"))
    add_member(deps, "ada")
    with TestClient(create_app(deps), base_url="https://testserver") as client:
        token = form_token(client, "/login")
        data = {"login": "ada", "password": PASSWORD, "csrf_token": token}
        response = client.post("/login", data=data, follow_redirects=False)
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    for attribute in ("HttpOnly", "Secure", "Path=/", "SameSite=lax"):
        assert attribute in cookie, attribute
