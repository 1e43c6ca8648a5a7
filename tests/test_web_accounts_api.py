"""The account JSON API: sign up, log in, tokens, settings, export and deletion, over real SMTP."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from paperboy.app import Deps, build_deps
from paperboy.config import Settings
from tests.support.members import PASSWORD, add_member, api_token, log_in
from tests.support.smtp import SmtpSink


@pytest.fixture
def site(smtp_settings: Settings) -> Deps:
    return build_deps(smtp_settings)


@pytest.fixture
def client(site: Deps) -> Iterator[TestClient]:
    from paperboy.web.app import create_app

    with TestClient(create_app(site)) as test_client:
        yield test_client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def token_in_link(sink: SmtpSink, index: int) -> str:
    path = urlsplit(sink.wait_for(index + 1)[index].links()[0]).path
    return path.rsplit("/", 1)[1]


def test_signup_verify_login_over_the_api(client: TestClient, smtp_sink: SmtpSink) -> None:
    body = {"username": "ada", "email": "ada@example.org", "password": PASSWORD}
    created = client.post("/api/auth/signup", json=body)
    assert created.status_code == 201
    assert created.json()["emailVerified"] is False
    verified = client.post("/api/auth/verify-email", json={"token": token_in_link(smtp_sink, 0)})
    assert verified.status_code == 200 and verified.json()["emailVerified"] is True
    again = client.post("/api/auth/verify-email", json={"token": token_in_link(smtp_sink, 0)})
    assert again.status_code == 400 and again.json()["error"]["code"] == "invalid_link"
    login = client.post("/api/auth/login", json={"login": "ada", "password": PASSWORD})
    assert login.status_code == 200
    csrf = login.json()["csrfToken"]
    assert client.get("/api/me").json()["csrfToken"] == csrf


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"username": "ab"}, "username"),
        ({"email": "nope"}, "email"),
        ({"password": "short"}, "password"),
    ],
)
def test_signup_errors_name_the_field(client: TestClient, body: dict[str, str], field: str) -> None:
    full = {"username": "ada", "email": "ada@example.org", "password": PASSWORD, **body}
    response = client.post("/api/auth/signup", json=full)
    assert response.status_code == 422
    assert response.json()["error"]["message"].startswith(f"{field}:")


def test_login_failure_is_401(client: TestClient, site: Deps) -> None:
    add_member(site, "ada")
    response = client.post("/api/auth/login", json={"login": "ada", "password": "wrong one!"})
    assert response.status_code == 401 and response.json()["error"]["code"] == "login_failed"


def test_tokens_create_list_use_revoke(client: TestClient, site: Deps) -> None:
    user = add_member(site, "ada")
    headers = bearer(api_token(site, user))
    created = client.post("/api/me/tokens", json={"name": "my script"}, headers=headers)
    assert created.status_code == 201
    secret, token_id = created.json()["token"], created.json()["id"]
    assert secret.startswith("pb_") and created.json()["prefix"] == secret[:10]
    listed = client.get("/api/me/tokens", headers=headers).json()
    assert [t["name"] for t in listed] == ["my script", "tests"]
    assert all("token" not in t for t in listed)
    assert client.get("/api/me", headers=bearer(secret)).json()["username"] == "ada"
    assert client.delete(f"/api/me/tokens/{token_id}", headers=headers).status_code == 200
    assert client.get("/api/me", headers=bearer(secret)).status_code == 401
    assert client.delete(f"/api/me/tokens/{token_id}", headers=headers).status_code == 404


def test_token_of_another_member_cannot_be_revoked(client: TestClient, site: Deps) -> None:
    ada, bob = add_member(site, "ada"), add_member(site, "bob")
    api_token(site, bob)
    bobs = site.accounts.sessions.tokens(bob)[0]
    response = client.delete(f"/api/me/tokens/{bobs.id}", headers=bearer(api_token(site, ada)))
    assert response.status_code == 404
    assert not site.accounts.sessions.tokens(bob)[0].is_revoked


@pytest.mark.parametrize("header", ["Bearer", "Basic abc", "Bearer pb_unknown", "Token x"])
def test_bad_authorization_is_401(client: TestClient, header: str) -> None:
    response = client.get("/api/me", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_token_writes_need_no_csrf(client: TestClient, site: Deps) -> None:
    user = add_member(site, "ada")
    body = {"displayName": "Ada", "showUpvotes": True}
    response = client.patch("/api/me", json=body, headers=bearer(api_token(site, user)))
    assert response.status_code == 200 and response.json()["showUpvotes"] is True


def test_password_reset_over_the_api(client: TestClient, site: Deps, smtp_sink: SmtpSink) -> None:
    add_member(site, "ada")
    csrf = log_in(client, "ada")
    answer = client.post(
        "/api/auth/password-reset",
        json={"email": "ada@example.org"},
        headers={"X-CSRF-Token": csrf},
    )
    assert answer.status_code == 202
    token = token_in_link(smtp_sink, 0)
    body = {"token": token, "password": "a brand new password"}
    confirmed = client.post(
        "/api/auth/password-reset/confirm", json=body, headers={"X-CSRF-Token": csrf}
    )
    assert confirmed.status_code == 200
    assert client.get("/api/me").status_code == 401  # every session ended, this one too
    assert client.post("/api/auth/password-reset/confirm", json=body).status_code == 400
    login = {"login": "ada", "password": "a brand new password"}
    assert client.post("/api/auth/login", json=login).status_code == 200


def test_password_reset_for_an_unknown_address_looks_the_same(
    client: TestClient, smtp_sink: SmtpSink
) -> None:
    answer = client.post("/api/auth/password-reset", json={"email": "nobody@example.org"})
    assert answer.status_code == 202
    assert smtp_sink.messages == []


def test_change_password_keeps_this_session_only(client: TestClient, site: Deps) -> None:
    user = add_member(site, "ada")
    other, _ = site.accounts.sessions.start(user)
    csrf = log_in(client, "ada")
    body = {"currentPassword": PASSWORD, "newPassword": "another long password"}
    assert client.post("/api/me/password", json=body, headers={"X-CSRF-Token": csrf}).is_success
    assert client.get("/api/me").status_code == 200
    assert site.accounts.sessions.resume(other) is None
    wrong = {"currentPassword": "not it at all", "newPassword": "another long password"}
    refused = client.post("/api/me/password", json=wrong, headers={"X-CSRF-Token": csrf})
    assert refused.status_code == 422
    assert refused.json()["error"]["message"].startswith("current_password:")


def test_change_email_confirmed_by_the_new_address(
    client: TestClient, site: Deps, smtp_sink: SmtpSink
) -> None:
    user = add_member(site, "ada")
    headers = bearer(api_token(site, user))
    body = {"password": PASSWORD, "newEmail": "ada@new.example.org"}
    assert client.post("/api/me/email", json=body, headers=headers).status_code == 202
    message = smtp_sink.wait_for(1)[0]
    assert message.rcpt_tos == ("ada@new.example.org",)
    token = token_in_link(smtp_sink, 0)
    changed = client.post("/api/auth/email-change", json={"token": token})
    assert changed.status_code == 200 and changed.json()["email"] == "ada@new.example.org"


def test_change_email_refuses_an_address_in_use(client: TestClient, site: Deps) -> None:
    user = add_member(site, "ada")
    add_member(site, "bob")
    body = {"password": PASSWORD, "newEmail": "bob@example.org"}
    response = client.post("/api/me/email", json=body, headers=bearer(api_token(site, user)))
    assert response.status_code == 422
    assert response.json()["error"]["message"].startswith("email:")


def test_export_has_the_account_and_no_secrets(client: TestClient, site: Deps) -> None:
    user = add_member(site, "ada")
    token = api_token(site, user)
    data = client.get("/api/me/export", headers=bearer(token)).json()
    assert data["account"]["username"] == "ada"
    assert data["account"]["email"] == "ada@example.org"
    assert data["api_tokens"][0]["prefix"] == token[:10]
    text = str(data)
    assert token not in text and "argon2" not in text
    assert data["upvotes"] == [] and data["submitted_papers"] == []
    assert data["comments"] == {"written": [], "reported": []}
    assert data["authorship_claims"] == []


def test_delete_erases_and_logs_out(client: TestClient, site: Deps) -> None:
    add_member(site, "ada")
    csrf = log_in(client, "ada")
    wrong = client.post(
        "/api/me/delete", json={"password": "not the password"}, headers={"X-CSRF-Token": csrf}
    )
    assert wrong.status_code == 422
    done = client.post(
        "/api/me/delete", json={"password": PASSWORD}, headers={"X-CSRF-Token": csrf}
    )
    assert done.status_code == 200
    assert client.get("/api/me").status_code == 401
    assert site.accounts.find("ada") is None
    login = client.post("/api/auth/login", json={"login": "ada", "password": PASSWORD})
    assert login.status_code == 401


def test_every_account_route_is_in_openapi(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    expected = {
        "/api/auth/signup",
        "/api/auth/login",
        "/api/auth/logout",
        "/api/auth/verify-email",
        "/api/auth/email-change",
        "/api/auth/password-reset",
        "/api/auth/password-reset/confirm",
        "/api/me",
        "/api/me/password",
        "/api/me/email",
        "/api/me/verification",
        "/api/me/tokens",
        "/api/me/tokens/{token_id}",
        "/api/me/export",
        "/api/me/delete",
    }
    assert expected <= set(paths)
    for path in expected:
        for operation in paths[path].values():
            assert operation.get("description") or operation.get("summary"), path


def test_display_name_is_escaped_in_the_email(client: TestClient, smtp_sink: SmtpSink) -> None:
    name = '<img src=x onerror="alert(1)">'
    body = {
        "username": "ada",
        "email": "ada@example.org",
        "password": PASSWORD,
        "displayName": name,
    }
    assert client.post("/api/auth/signup", json=body).status_code == 201
    message = smtp_sink.wait_for(1)[0]
    assert "<img" not in message.html() and "&lt;img src=x" in message.html()
    assert name in message.text()  # plain text is never read as HTML
