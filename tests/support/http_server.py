"""A local HTTP server on 127.0.0.1 that replays recorded responses, route by route."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Reply:
    """One recorded response: status, body, headers."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


Responder = Callable[[str, dict[str, str]], Reply]


@dataclass
class RecordedServer:
    """Serves `responder(path, query)` for every GET and keeps the requests it saw."""

    responder: Responder
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    base_url: str = ""


@contextmanager
def serve(responder: Responder) -> Iterator[RecordedServer]:
    """Run a RecordedServer on a free port of 127.0.0.1 until the block ends."""
    state = RecordedServer(responder)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = dict(parse_qsl(parts.query))
            state.requests.append((parts.path, query))
            reply = state.responder(parts.path, query)
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
