"""Members for tests: add one, log a test client in as them, give them an API token.

`add_member` goes through the account service (real argon2id hash); `log_in` through the real
login form, so a test that uses it also proves logging in works. The session cookie is set on
the client by hand because the test client talks plain http://testserver and the app marks
the cookie Secure when its base URL is https.
"""

from __future__ import annotations

from fastapi.testclient import TestClient
from selectolax.lexbor import LexborHTMLParser

from paperboy.app import Deps
from paperboy.domain.accounts import Role, User
from paperboy.web.auth import FORM_COOKIE, SESSION_COOKIE

PASSWORD = "correct horse battery"


def add_member(
    deps: Deps,
    username: str,
    *,
    role: Role = Role.MEMBER,
    verified: bool = True,
    password: str = PASSWORD,
    email: str | None = None,
    display_name: str = "",
) -> User:
    """A member with this username (email `<username>@example.org` unless given)."""
    return deps.accounts.add_member(
        username=username,
        email=email or f"{username}@example.org",
        password=password,
        role=role,
        verified=verified,
        display_name=display_name,
    )


def form_token(client: TestClient, path: str) -> str:
    """The CSRF token of the form on the page at `path` (after GETting it).

    An anonymous form's cookie is copied to the client by hand, like the session cookie.
    """
    response = client.get(path)
    if FORM_COOKIE in response.cookies:
        _replace_cookie(client, FORM_COOKIE, response.cookies[FORM_COOKIE])
    node = LexborHTMLParser(response.text).css_first("input[name=csrf_token]")
    assert node is not None, f"no csrf_token field on {path}"
    return str(node.attributes.get("value") or "")


def log_in(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Log `client` in through the login form; the session's CSRF token for its next posts."""
    token = form_token(client, "/login")
    response = client.post(
        "/login",
        data={"login": username, "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    cookie = response.cookies.get(SESSION_COOKIE)
    assert cookie, "the login set no session cookie"
    _replace_cookie(client, SESSION_COOKIE, cookie)
    me = client.get("/api/me")
    assert me.status_code == 200, me.text
    return str(me.json()["csrfToken"])


def api_token(deps: Deps, user: User, name: str = "tests") -> str:
    """A personal API token for `user`, for `Authorization: Bearer <token>`."""
    token, _ = deps.accounts.sessions.issue_token(user, name)
    return token


def _replace_cookie(client: TestClient, name: str, value: str) -> None:
    """One cookie `name` for every path, whatever the response's attributes (Secure, Path)."""
    client.cookies.delete(name)
    client.cookies.set(name, value)
