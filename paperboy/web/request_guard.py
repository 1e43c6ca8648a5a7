"""`RequestGuard`: the ASGI middleware that limits bodies, names the member and checks CSRF.

See `paperboy.web.auth` for the rules. The body of a state-changing request is read here in
full (it is small: at most `max_body_bytes`) and replayed to the route, so the CSRF form field
can be checked without the route knowing.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request, cookie_parser
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from paperboy.app import Deps
from paperboy.domain.credentials import new_secret, same_secret, signed
from paperboy.web.auth import (
    ANONYMOUS,
    ANONYMOUS_FORMS,
    CSRF_FIELD,
    CSRF_HEADER,
    FORM_COOKIE,
    SESSION_COOKIE,
    Identity,
    page_context,
)

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
FORM_COOKIE_SECONDS = 2 * 3600
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class Refused(Exception):
    """The request stops here with `status_code` and a message."""

    def __init__(self, status_code: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.code = code
        self.message = message


class RequestGuard:
    """ASGI middleware: body limit, identity (token or session), CSRF and Origin checks."""

    def __init__(self, app: ASGIApp, *, deps: Deps) -> None:
        self.app = app
        self.deps = deps
        self.max_body = deps.settings.max_body_bytes
        self.secure = deps.settings.base_url.startswith("https://")
        self.origin = _origin(deps.settings.base_url)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        cookies = _cookies(headers)
        cookies_out: list[str] = []
        body = b""
        try:
            if scope["method"] in UNSAFE_METHODS:
                body = await self._read_body(headers, receive)
                self._check_origin(headers)
            identity = await self._identify(scope, headers, cookies, body, cookies_out)
        except Refused as refusal:
            await self._refuse(scope, refusal)(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        state["identity"] = identity
        state["page_context"] = page_context(identity)
        if scope["method"] in UNSAFE_METHODS:
            receive = _replay(body, receive)
        await self.app(scope, receive, _decorated(send, cookies_out, private=bool(identity.user)))

    async def _identify(
        self,
        scope: Scope,
        headers: Headers,
        cookies: dict[str, str],
        body: bytes,
        cookies_out: list[str],
    ) -> Identity:
        authorization = headers.get("authorization", "")
        if authorization:
            # off the event loop: noting a token's use is a write, which may wait for SQLite's lock
            return await run_in_threadpool(self._bearer, authorization)
        unsafe = scope["method"] in UNSAFE_METHODS
        cookie = cookies.get(SESSION_COOKIE, "")
        if cookie:
            found = self.deps.accounts.sessions.resume(cookie)
            if found is not None:
                session = found.session
                if unsafe:
                    await self._check_csrf(scope, headers, body, session.csrf_token)
                return Identity(
                    user=found.user,
                    session=session,
                    csrf_token=session.csrf_token,
                    content_revision=found.content_revision,
                )
            cookies_out.append(self._expired(SESSION_COOKIE, "/"))
        form_path = _anonymous_form(scope["path"])
        if form_path is None:
            if unsafe and scope["path"].startswith("/api/"):
                _require_json(headers)
            return ANONYMOUS
        return await self._anonymous_form(scope, headers, cookies, body, form_path, cookies_out)

    def _bearer(self, authorization: str) -> Identity:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Refused(401, "invalid_token", "Authorization: use 'Bearer <your API token>'.")
        user = self.deps.accounts.sessions.user_for_token(token.strip())
        if user is None:
            raise Refused(401, "invalid_token", "This API token is unknown or revoked.")
        return Identity(user=user, by_token=True)

    async def _anonymous_form(
        self,
        scope: Scope,
        headers: Headers,
        cookies: dict[str, str],
        body: bytes,
        form_path: str,
        cookies_out: list[str],
    ) -> Identity:
        nonce = cookies.get(FORM_COOKIE, "")
        if scope["method"] in UNSAFE_METHODS:
            expected = self._form_token(nonce) if nonce else ""
            await self._check_csrf(scope, headers, body, expected)
            return Identity(csrf_token=expected)
        if not nonce:
            nonce = new_secret()
            cookies_out.append(self._cookie(FORM_COOKIE, nonce, form_path, FORM_COOKIE_SECONDS))
        return Identity(csrf_token=self._form_token(nonce))

    def _form_token(self, nonce: str) -> str:
        return signed(self.deps.settings.secret_key, "form", nonce)

    async def _check_csrf(self, scope: Scope, headers: Headers, body: bytes, expected: str) -> None:
        given = headers.get(CSRF_HEADER, "")
        if not given and headers.get("content-type", "").startswith(FORM_TYPES):
            try:
                form = await Request(scope, _replay(body, _no_more)).form()
            except Exception as error:  # a body that does not parse as its declared form type
                raise Refused(400, "bad_request", "The form data could not be read.") from error
            value = form.get(CSRF_FIELD, "")
            given = value if isinstance(value, str) else ""
            await form.close()
        if not same_secret(given, expected):
            raise Refused(
                403,
                "csrf_failed",
                "This form was out of date or came from another site. "
                "Reload the page and try again.",
            )

    def _check_origin(self, headers: Headers) -> None:
        origin = headers.get("origin")
        if origin is None:
            return
        allowed = {self.origin, _origin(f"http://{headers.get('host', '')}")}
        allowed.add(_origin(f"https://{headers.get('host', '')}"))
        if origin.lower() not in allowed:
            raise Refused(403, "cross_site", "Requests from other sites are not accepted.")

    async def _read_body(self, headers: Headers, receive: Receive) -> bytes:
        """The whole body, read now (413 past the limit) to be replayed to the route."""
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body:
            raise _too_large(self.max_body)
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                raise _too_large(self.max_body)
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    def _cookie(self, name: str, value: str, path: str, max_age: int) -> str:
        secure = "; Secure" if self.secure else ""
        return f"{name}={value}; Path={path}; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}"

    def _expired(self, name: str, path: str) -> str:
        return self._cookie(name, '""', path, 0)

    def _refuse(self, scope: Scope, refusal: Refused) -> Response:
        headers = {"WWW-Authenticate": "Bearer"} if refusal.status_code == 401 else {}
        if scope["path"].startswith("/api/") or scope["path"] == "/api":
            body = {"error": {"code": refusal.code, "message": refusal.message}}
            return JSONResponse(body, refusal.status_code, headers=headers)
        renderer = scope["app"].state.renderer
        title = {401: "Log in again", 403: "Not allowed", 413: "Too large"}.get(
            refusal.status_code, "Refused"
        )
        response: Response = renderer.error_page(refusal.status_code, title, refusal.message)
        response.headers.update(headers)
        return response


def _too_large(limit: int) -> Refused:
    return Refused(413, "body_too_large", f"The request body is over the limit of {limit} bytes.")


def _require_json(headers: Headers) -> None:
    """Anonymous API writes must be JSON: a cross-site HTML form cannot send JSON."""
    content_type = headers.get("content-type", "")
    has_body = headers.get("content-length", "0") not in ("", "0") or "transfer-encoding" in headers
    if has_body and not content_type.startswith("application/json"):
        raise Refused(415, "unsupported_media_type", "Send the request body as application/json.")


def _anonymous_form(path: str) -> str | None:
    for prefix in ANONYMOUS_FORMS:
        if path == prefix or path.startswith(prefix + "/"):
            return prefix
    return None


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _cookies(headers: Headers) -> dict[str, str]:
    found: dict[str, str] = {}
    for value in headers.getlist("cookie"):
        found.update(cookie_parser(value))
    return found


async def _no_more() -> Message:
    return {"type": "http.disconnect"}


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _decorated(send: Send, cookies: list[str], *, private: bool) -> Send:
    """`send`, adding `cookies` and, for a member's answer, `Cache-Control: private, no-store`
    (unless the route set its own): a shared cache must never keep one member's page."""
    if not cookies and not private:
        return send

    async def send_decorated(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = MutableHeaders(scope=message)
            for cookie in cookies:
                headers.append("set-cookie", cookie)
            if private and "cache-control" not in headers:
                headers["cache-control"] = "private, no-store"
        await send(message)

    return send_decorated
