"""Response headers every answer carries: security policy, and caching of static files.

The Content-Security-Policy allows scripts, styles and fonts from this site only (KaTeX is
served from the package). The API docs page (Swagger UI, also served from the package) sets
inline style attributes as it renders, so it goes without the policy rather than unstyled.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "font-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
BASE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
}
SECURITY_HEADERS = {**BASE_HEADERS, "Content-Security-Policy": CONTENT_SECURITY_POLICY}
DOCS_PATHS = frozenset({"/docs"})
VERSIONED_ASSET = "public, max-age=31536000, immutable"
UNVERSIONED_ASSET = "public, max-age=3600"


class ResponseHeaders:
    """ASGI middleware adding the security headers (and static caching) to each response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.headers = list(SECURITY_HEADERS.items())
        self.docs_headers = list(BASE_HEADERS.items())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self._headers_for(scope)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in extra:
                    if name not in headers:
                        headers.append(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _headers_for(self, scope: Scope) -> list[tuple[str, str]]:
        path: str = scope["path"]
        if path in DOCS_PATHS:
            return self.docs_headers
        if path.startswith("/static/"):
            versioned = b"v=" in scope.get("query_string", b"")
            cache = VERSIONED_ASSET if versioned else UNVERSIONED_ASSET
            return [*self.headers, ("Cache-Control", cache)]
        return self.headers
