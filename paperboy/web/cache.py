"""A response cache for anonymous GETs of lists, papers, the API and feeds.

A cached answer is keyed by the request (path, query, whether it accepts gzip), today's date in
the site's time zone, and the store's content revision, which every change to papers or lists
moves on. So an entry is never stale: a write makes new keys, and the old ones age out of the
LRU. A hit skips routing, the database (but for one tiny revision read) and rendering.
Requests with cookies or an Authorization header are never cached (pages may differ per
person), and neither are answers that set cookies or are not 200.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CACHED_PREFIXES = (
    "/date/",
    "/week/",
    "/month/",
    "/papers/",
    "/api/daily_papers",
    "/api/papers/",
    "/feeds/",
)
# Search answers depend on the indexes, which move without the content revision: never cached.
# Private digest feeds follow their subscription (unsubscribed: gone at once) and searches.
NEVER_CACHED = ("/api/papers/search", "/feeds/digest/")
_PRIVATE_HEADERS = (b"cookie", b"authorization")


@dataclass(frozen=True, slots=True)
class CachedResponse:
    start: Message
    body: bytes


class ResponseCache:
    """ASGI middleware: answer repeated anonymous GETs from memory (LRU of `max_entries`)."""

    def __init__(
        self, app: ASGIApp, *, version: Callable[[], tuple[object, ...]], max_entries: int = 512
    ) -> None:
        self.app = app
        self.version = version
        self.max_entries = max_entries
        self.entries: OrderedDict[tuple[object, ...], CachedResponse] = OrderedDict()
        self.hits = self.misses = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = self._key(scope)
        if key is None:
            await self.app(scope, receive, send)
            return
        cached = self.entries.get(key)
        if cached is not None:
            self.hits += 1
            self.entries.move_to_end(key)
            await send(cached.start)
            await send({"type": "http.response.body", "body": cached.body})
            return
        self.misses += 1
        await self.app(scope, receive, self._recorder(key, send))

    def _key(self, scope: Scope) -> tuple[object, ...] | None:
        if scope["type"] != "http" or scope["method"] != "GET":
            return None
        path: str = scope["path"]
        if path != "/" and not path.startswith(CACHED_PREFIXES):
            return None
        if path.startswith(NEVER_CACHED):
            return None
        headers = dict(scope["headers"])
        if any(name in headers for name in _PRIVATE_HEADERS):
            return None
        gzip = b"gzip" in headers.get(b"accept-encoding", b"")
        conditional = headers.get(b"if-none-match", b"")
        return (path, scope["query_string"], gzip, conditional, *self.version())

    def _recorder(self, key: tuple[object, ...], send: Send) -> Send:
        start: Message | None = None
        chunks: list[bytes] = []

        async def record(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False) and start is not None:
                    self._store(key, start, b"".join(chunks))
            await send(message)

        return record

    def _store(self, key: tuple[object, ...], start: Message, body: bytes) -> None:
        if start["status"] != 200 or any(name == b"set-cookie" for name, _ in start["headers"]):
            return
        self.entries[key] = CachedResponse(start, body)
        while len(self.entries) > self.max_entries:
            self.entries.popitem(last=False)
