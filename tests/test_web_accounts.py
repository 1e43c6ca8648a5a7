"""Account pages end to end: the real app, a real SQLite file, mail over a real SMTP server."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient
from selectolax.lexbor import LexborHTMLParser

from paperboy.app import Deps, build_deps
from paperboy.config import Settings
from paperboy.domain.accounts import AccountStatus, Role
from paperboy.web.app import create_app
from paperboy.web.auth import FORM_COOKIE, SESSION_COOKIE, ActiveMember, Curator
from tests.conftest import make_settings
from tests.support.members import PASSWORD, add_member, api_token, form_token, log_in
from tests.support.smtp import SmtpSink

# Routes that only an active member / a curator may use, added to the real app for the tests.
probe = APIRouter()


@probe.post("/probe/act")
async def act(user: ActiveMember) -> dict[str, str]:
    return {"acted": user.username}


@probe.post("/api/probe/act")
async def api_act(user: ActiveMember) -> dict[str, str]:
    return {"acted": user.username}


@probe.post("/api/probe/curate")
async def api_curate(user: Curator) -> dict[str, str]:
    return {"curated": user.username}


@pytest.fixture
def site(smtp_settings: Settings) -> Deps:
    return build_deps(smtp_settings)


@pytest.fixture
def client(site: Deps) -> Iterator[TestClient]:
    app = create_app(site)
    app.include_router(probe)
    with TestClient(app) as test_client:
        yield test_client


def page(response_text: str) -> LexborHTMLParser:
    return LexborHTMLParser(response_text)


def field_error(response_text: str) -> str:
    node = page(response_text).css_first(".field-error, .notice.error")
    return node.text() if node else ""


def sign_up(client: TestClient, **fields: str) -> httpx.Response:
    values = {"username": "ada", "email": "ada@example.org", "password": PASSWORD}
    values.update(fields)
    token = form_token(client, "/signup")
    return client.post("/signup", data={**values, "csrf_token": token}, follow_redirects=False)


def link_path(sink: SmtpSink, index: int = 0) -> str:
    """The path of the one-time link in the `index`th message."""
    message = sink.wait_for(index + 1)[index]
    return urlsplit(message.links()[0]).path


# ---- sign up, confirm, log in


def test_signup_mails_a_link_that_confirms_once(
    client: TestClient, site: Deps, smtp_sink: SmtpSink
) -> None:
    response = sign_up(client)
    assert response.status_code == 303
    assert response.headers["location"] == "/settings?done=welcome"
    message = smtp_sink.wait_for(1)[0]
    assert message.rcpt_tos == ("ada@example.org",)
    assert "Confirm" in message.message["Subject"]
    path = link_path(smtp_sink)
    assert path.startswith("/verify-email/")
    user = site.accounts.find("ada")
    assert user is not None and user.email_verified_at is None
    first = client.get(path)
    assert first.status_code == 200 and "Address confirmed" in first.text
    confirmed = site.accounts.find("ada")
    assert confirmed is not None and confirmed.email_verified_at is not None
    again = client.get(path)
    assert again.status_code == 400 and "not valid" in again.text


def test_signup_logs_in_and_login_works_after(client: TestClient, smtp_sink: SmtpSink) -> None:
    sign_up(client)
    settings_page = client.get("/settings")
    assert settings_page.status_code == 200
    assert "ada@example.org" in settings_page.text
    client.cookies.clear()
    log_in(client, "ada")
    assert client.get("/settings").status_code == 200


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"username": "ab"}, "3 to 30"),
        ({"username": "x" * 31}, "3 to 30"),
        ({"username": "ada lovelace"}, "only letters"),
        ({"username": "Ädä"}, "only letters"),
        ({"username": "admin"}, "reserved"),
        ({"username": "deleted-7"}, "reserved"),
        ({"email": "not-an-address"}, "email"),
        ({"email": "ada@example.org\r\nBcc: x@example.org"}, "control characters"),
        ({"password": "short"}, "at least 10"),
        ({"password": "x" * 1025}, "at most 1024"),
        ({"username": "adalovelace", "password": "AdaLovelace"}, "cannot be the username"),
    ],
)
def test_signup_refuses_bad_input_naming_the_problem(
    client: TestClient, fields: dict[str, str], problem: str
) -> None:
    response = sign_up(client, **fields)
    assert response.status_code == 400
    assert problem in field_error(response.text)


def test_signup_refuses_a_username_taken_in_another_case(client: TestClient, site: Deps) -> None:
    add_member(site, "ada", email="first@example.org")
    response = sign_up(client, username="ADA")
    assert response.status_code == 400
    assert "taken" in field_error(response.text)


def test_login_wrong_password_says_so(client: TestClient, site: Deps) -> None:
    add_member(site, "ada")
    token = form_token(client, "/login")
    response = client.post(
        "/login", data={"login": "ada", "password": "wrong password!", "csrf_token": token}
    )
    assert response.status_code == 400
    assert "Wrong username or password" in response.text
    assert SESSION_COOKIE not in response.cookies


def test_login_by_email_any_case(client: TestClient, site: Deps) -> None:
    add_member(site, "ada")
    log_in(client, "Ada@Example.ORG")
    assert client.get("/api/me").json()["username"] == "ada"


def test_logout_ends_the_session(client: TestClient, site: Deps) -> None:
    add_member(site, "ada")
    csrf = log_in(client, "ada")
    cookie = client.cookies[SESSION_COOKIE]
    response = client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert response.status_code == 303
    assert site.accounts.sessions.resume(cookie) is None


def test_header_shows_the_member_or_the_login_links(client: TestClient, site: Deps) -> None:
    anonymous = page(client.get("/login").text).css_first(".account-nav")
    assert anonymous is not None and "Log in" in anonymous.text()
    add_member(site, "ada")
    csrf = log_in(client, "ada")
    nav = page(client.get("/settings").text).css_first(".account-nav")
    assert nav is not None and "ada" in nav.text() and "Settings" in nav.text()
    logout = nav.css_first("form[action='/logout'] input[name=csrf_token]")
    assert logout is not None and logout.attributes["value"] == csrf


# ---- rate limits


@pytest.fixture
def strict(smtp_settings: Settings, sqlite_url: str, smtp_sink: SmtpSink) -> Iterator[TestClient]:
    limited = make_settings(
        sqlite_url,
        mail_backend="smtp",
        smtp_host=smtp_sink.host,
        smtp_port=smtp_sink.port,
        smtp_security="none",
        login_limit_per_ip=3,
        login_limit_per_account=2,
        signup_limit_per_ip=1,
    )
    deps = build_deps(limited)
    add_member(deps, "ada")
    with TestClient(create_app(deps)) as test_client:
        yield test_client


def test_login_limit_per_ip_answers_429_with_retry_after(strict: TestClient) -> None:
    token = form_token(strict, "/login")
    statuses = []
    for i in range(4):
        data = {"login": f"nobody{i}", "password": "wrong password", "csrf_token": token}
        statuses.append(strict.post("/login", data=data))
    assert [r.status_code for r in statuses] == [400, 400, 400, 429]
    limited = statuses[-1]
    assert 1 <= int(limited.headers["retry-after"]) <= 900
    assert "Too many attempts" in limited.text


def test_login_limit_per_account_counts_failures(strict: TestClient) -> None:
    token = form_token(strict, "/login")
    wrong = {"login": "ada", "password": "wrong password", "csrf_token": token}
    assert strict.post("/login", data=wrong).status_code == 400
    assert strict.post("/login", data=wrong).status_code == 400
    right = {"login": "ada", "password": PASSWORD, "csrf_token": token}
    locked = strict.post("/login", data=right)
    assert locked.status_code == 429 and "retry-after" in locked.headers


def test_login_limit_is_json_on_the_api(strict: TestClient) -> None:
    for _ in range(3):
        strict.post("/api/auth/login", json={"login": "x", "password": "wrong password"})
    limited = strict.post("/api/auth/login", json={"login": "x", "password": "wrong password"})
    assert limited.status_code == 429
    assert limited.json()["error"]["code"] == "rate_limited"
    assert int(limited.headers["retry-after"]) >= 1


def test_signup_limit_per_ip(strict: TestClient) -> None:
    first = sign_up(strict, username="bob", email="bob@example.org")
    assert first.status_code == 303
    strict.cookies.clear()
    again = sign_up(strict, username="eve", email="eve@example.org")
    assert again.status_code == 429


# ---- CSRF, origins, body size


def test_session_post_without_csrf_is_403(client: TestClient, site: Deps) -> None:
    add_member(site, "ada")
    log_in(client, "ada")
    for data in ({}, {"csrf_token": "wrong"}):
        response = client.post("/settings/profile", data={"display_name": "X", **data})
        assert response.status_code == 403
    user = site.accounts.find("ada")
    assert user is not None and user.display_name == "ada"


def test_session_api_write_needs_the_csrf_header(client: TestClient, site: Deps) -> None:
    add_member(site, "ada")
    csrf = log_in(client, "ada")
    body = {"displayName": "Ada L.", "showUpvotes": True}
    refused = client.patch("/api/me", json=body)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "csrf_failed"
    assert client.patch("/api/me", json=body, headers={"X-CSRF-Token": "nope"}).status_code == 403
    done = client.patch("/api/me", json=body, headers={"X-CSRF-Token": csrf})
    assert done.status_code == 200 and done.json()["displayName"] == "Ada L."


def test_anonymous_login_form_needs_its_token(client: TestClient, site: Deps) -> None:
    add_member(site, "ada")
    data = {"login": "ada", "password": PASSWORD}
    assert client.post("/login", data=data).status_code == 403
    form_token(client, "/login")
    assert client.post("/login", data={**data, "csrf_token": "forged"}).status_code == 403


def test_form_cookie_is_scoped_to_its_form(client: TestClient) -> None:
    response = client.get("/login")
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{FORM_COOKIE}=") and "Path=/login" in cookie
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_anonymous_pages_set_no_cookie(client: TestClient) -> None:
    for path in ("/", "/api/daily_papers", "/docs"):
        assert "set-cookie" not in client.get(path).headers, path


def test_cross_site_origin_is_refused(client: TestClient, site: Deps) -> None:
    add_member(site, "ada")
    csrf = log_in(client, "ada")
    response = client.post(
        "/settings/profile",
        data={"display_name": "X", "csrf_token": csrf},
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code == 403


def test_anonymous_api_write_must_be_json(client: TestClient) -> None:
    response = client.post("/api/auth/login", data={"login": "ada", "password": "x"})
    assert response.status_code == 415


@pytest.mark.parametrize("chunked", [False, True])
def test_body_over_the_limit_is_413(client: TestClient, chunked: bool) -> None:
    body = b"x" * 1_100_000
    content: object = iter([body[:600_000], body[600_000:]]) if chunked else body
    response = client.post(
        "/api/auth/login",
        content=content,  # type: ignore[arg-type]
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "body_too_large"


# ---- open redirects


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/",
        "/\\evil.example",
        "/\\/evil.example",
        "https://evil.example/",
        "http:/evil.example",
        "javascript:alert(1)",
        "\\\\evil.example",
        "/\t/evil.example",
        "/\n/evil.example",
        " //evil.example",
        "evil.example",
        "",
    ],
)
def test_login_never_redirects_off_site(client: TestClient, site: Deps, target: str) -> None:
    add_member(site, "ada")
    token = form_token(client, "/login")
    data = {"login": "ada", "password": PASSWORD, "next": target, "csrf_token": token}
    response = client.post("/login", data=data, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/"


@pytest.mark.parametrize("target", ["/settings", "/papers/2608.19880?x=1#c2", "/date/2026-08-21"])
def test_login_goes_on_to_a_local_next(client: TestClient, site: Deps, target: str) -> None:
    add_member(site, "ada")
    token = form_token(client, "/login")
    data = {"login": "ada", "password": PASSWORD, "next": target, "csrf_token": token}
    response = client.post("/login", data=data, follow_redirects=False)
    assert response.headers["location"] == target


# ---- who may act


def test_anonymous_is_sent_to_login_or_gets_401(client: TestClient) -> None:
    referer = {"Referer": "http://testserver/papers/1?x=2"}
    page_post = client.post("/probe/act", follow_redirects=False, headers=referer)
    assert page_post.status_code == 303
    assert page_post.headers["location"] == "/login?next=/papers/1%3Fx%3D2"
    api = client.post("/api/probe/act")
    assert api.status_code == 401 and api.json()["error"]["code"] == "login_required"
    settings = client.get("/settings", follow_redirects=False)
    assert settings.headers["location"] == "/login?next=/settings"


@pytest.mark.parametrize(
    ("status", "verified", "code"),
    [
        (AccountStatus.BANNED, True, "banned"),
        (AccountStatus.ACTIVE, False, "email_unverified"),
    ],
)
def test_banned_or_unconfirmed_cannot_act(
    client: TestClient, site: Deps, status: AccountStatus, verified: bool, code: str
) -> None:
    user = add_member(site, "ada", verified=verified)
    site.accounts.set_status(user, status)
    headers = {"Authorization": f"Bearer {api_token(site, user)}"}
    refused = client.post("/api/probe/act", headers=headers)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == code
    assert client.get("/api/me", headers=headers).status_code == 200  # may still read
    csrf = log_in(client, "ada")
    assert client.post("/probe/act", data={"csrf_token": csrf}).status_code == 403


def test_curator_routes_need_the_role(client: TestClient, site: Deps) -> None:
    member = add_member(site, "ada")
    curator = add_member(site, "akhaliq", role=Role.CURATOR)
    as_member = {"Authorization": f"Bearer {api_token(site, member)}"}
    as_curator = {"Authorization": f"Bearer {api_token(site, curator)}"}
    assert client.post("/api/probe/curate", headers=as_member).status_code == 403
    assert client.post("/api/probe/curate", headers=as_curator).json() == {"curated": "akhaliq"}


def test_deleted_account_cannot_log_in_or_use_tokens(client: TestClient, site: Deps) -> None:
    user = add_member(site, "ada")
    token = api_token(site, user)
    site.accounts.delete_account(user, PASSWORD)
    assert client.get("/api/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    login = form_token(client, "/login")
    data = {"login": "ada@example.org", "password": PASSWORD, "csrf_token": login}
    assert client.post("/login", data=data).status_code == 400


# ---- escaping


def test_display_name_is_escaped(client: TestClient, site: Deps) -> None:
    add_member(site, "ada", display_name='<script>alert("x")</script><img src=x onerror=alert(1)>')
    log_in(client, "ada")
    html = client.get("/settings").text
    tree = page(html)
    assert not any("alert" in (node.text() or "") for node in tree.css("script"))
    assert tree.css_first("img[onerror]") is None
    field = tree.css_first("#f-display_name")
    assert field is not None and field.attributes["value"].startswith("<script>")


def test_member_pages_are_private(client: TestClient, site: Deps) -> None:
    add_member(site, "ada")
    log_in(client, "ada")
    assert client.get("/").headers["cache-control"] == "private, no-store"
    assert client.get("/settings").headers["cache-control"] == "private, no-store"


def test_unreadable_form_body_is_refused(client: TestClient, site: Deps) -> None:
    add_member(site, "ada")
    log_in(client, "ada")
    response = client.post(
        "/settings/profile",
        content=b"--x\r\nnot a part",
        headers={"Content-Type": "multipart/form-data; boundary=x"},
    )
    assert response.status_code in {400, 403}


def test_signup_limit_counts_no_taken_names(strict: TestClient) -> None:
    for _ in range(2):
        assert sign_up(strict, username="ada", email="other@example.org").status_code == 400
    assert sign_up(strict, username="bob", email="bob@example.org").status_code == 303


def test_signup_limit_counts_registered_addresses(strict: TestClient) -> None:
    # probing which addresses have accounts costs an attempt each, like a sign-up (limit: 1)
    taken = sign_up(strict, username="newcomer", email="ada@example.org")  # ada's address
    assert taken.status_code == 400 and "already exists" in taken.text
    assert sign_up(strict, username="bob", email="bob@example.org").status_code == 429
