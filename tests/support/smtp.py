"""A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps what it receives, for the mail tests.

It runs in a thread of the test process, so a server under test in a subprocess can send to it
too. It can refuse chosen recipients (4xx/5xx), hang up on the next DATA commands or on every
open connection, answer slowly, and offer STARTTLS or implicit TLS (a throwaway `trustme` CA)
and AUTH.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import re
import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session


@dataclass(frozen=True)
class Received:
    """One accepted message: the envelope and the parsed MIME."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: EmailMessage
    raw: bytes

    def text(self) -> str:
        """The text/plain body, decoded."""
        return _part(self.message, "plain")

    def html(self) -> str:
        """The text/html body, decoded."""
        return _part(self.message, "html")

    def links(self) -> list[str]:
        """Every http(s) URL in the plain-text body, in order."""
        return re.findall(r"https?://[^\s<>\"']+", self.text())


def _part(message: EmailMessage, subtype: str) -> str:
    body = message.get_body(preferencelist=(subtype,))
    if body is None:
        raise AssertionError(f"the message has no text/{subtype} part")
    content: str = body.get_content()  # type: ignore[attr-defined]
    return content


@dataclass
class SmtpSink:
    """The server's state as tests see it; change the knobs between sends."""

    host: str = "127.0.0.1"
    port: int = 0
    messages: list[Received] = field(default_factory=list)
    refusals: dict[str, str] = field(default_factory=dict)  # recipient -> "550 5.1.1 …"
    hang_ups_on_data: int = 0  # close the connection instead of answering the next DATAs
    data_delay: float = 0.0  # seconds to wait before answering DATA (a slow server)
    connections: int = 0
    credentials: tuple[str, str] | None = None  # (username, password) AUTH accepts
    client_context: ssl.SSLContext | None = None  # trusts the sink's certificate
    _changed: threading.Condition = field(default_factory=threading.Condition)
    _open: list[SMTP] = field(default_factory=list)
    _loop: Any = None

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        """The first `count` messages, waiting up to `timeout` seconds for them to arrive."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self.messages) >= count, timeout):
                raise AssertionError(
                    f"expected {count} messages within {timeout}s, got {len(self.messages)}"
                )
            return list(self.messages[:count])

    def to(self, recipient: str) -> list[Received]:
        """The messages received for `recipient`."""
        with self._changed:
            return [m for m in self.messages if recipient in m.rcpt_tos]

    def hang_up(self) -> None:
        """Close every open client connection now, as a server timing out idle clients does."""
        for server in list(self._open):
            if server.transport is not None:
                self._loop.call_soon_threadsafe(server.transport.close)

    def _keep(self, received: Received) -> None:
        with self._changed:
            self.messages.append(received)
            self._changed.notify_all()


class _Handler:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        refusal = self.sink.refusals.get(address)
        if refusal is not None:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.sink.data_delay:
            await asyncio.sleep(self.sink.data_delay)
        if self.sink.hang_ups_on_data > 0:
            self.sink.hang_ups_on_data -= 1
            assert server.transport is not None
            server.transport.close()
            return "421 closing"  # never reaches the client: the transport is gone
        raw = envelope.original_content or b""
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        mail_from = envelope.mail_from or ""
        self.sink._keep(Received(mail_from, tuple(envelope.rcpt_tos), message, raw))
        return "250 Message accepted"


class _SinkController(Controller):
    def __init__(self, sink: SmtpSink, **kwargs: Any) -> None:
        self.sink = sink
        super().__init__(_Handler(sink), hostname=sink.host, port=sink.port, **kwargs)

    def factory(self) -> SMTP:
        sink = self.sink

        class CountingSMTP(SMTP):
            def connection_made(self, transport: Any) -> None:
                if self._original_transport is None:  # not the STARTTLS upgrade of one
                    sink.connections += 1
                    sink._open.append(self)
                super().connection_made(transport)

            def connection_lost(self, error: Exception | None) -> None:
                if self in sink._open:
                    sink._open.remove(self)
                super().connection_lost(error)

        return CountingSMTP(self.handler, **self.SMTP_kwargs)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(frozen=True)
class Tls:
    """A throwaway CA's certificate for 127.0.0.1: the server's and the client's contexts."""

    server: ssl.SSLContext
    client: ssl.SSLContext


def throwaway_tls() -> Tls:
    import trustme

    authority = trustme.CA()
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1", "localhost").configure_cert(server)
    client = ssl.create_default_context()
    authority.configure_trust(client)
    return Tls(server, client)


@contextmanager
def running_sink(
    *, security: str = "none", credentials: tuple[str, str] | None = None
) -> Iterator[SmtpSink]:
    """An `SmtpSink` serving on a free port until the block ends.

    `security`: none, starttls (offered and required) or tls (implicit TLS from the start);
    `credentials`: AUTH is then required and only these are accepted.
    """
    sink = SmtpSink(port=free_port(), credentials=credentials)
    smtp_options: dict[str, Any] = {}
    controller_options: dict[str, Any] = {}
    if security != "none":
        tls = throwaway_tls()
        sink.client_context = tls.client
        if security == "starttls":
            smtp_options.update(tls_context=tls.server, require_starttls=True)
        else:
            controller_options["ssl_context"] = tls.server
    if credentials is not None:
        smtp_options.update(
            auth_required=True,
            # aiosmtpd only counts STARTTLS as TLS; implicit TLS is encrypted all the same
            auth_require_tls=security == "starttls",
            authenticator=_authenticator(credentials),
        )
    controller = _SinkController(sink, **controller_options, **smtp_options)
    controller.start()
    sink._loop = controller.loop
    sink.connections = 0  # the controller's own readiness probe does not count
    try:
        yield sink
    finally:
        controller.stop()


def _authenticator(credentials: tuple[str, str]) -> Any:
    def authenticate(
        server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        given = (
            (data.login.decode(), data.password.decode())
            if isinstance(data, LoginPassword)
            else None
        )
        return AuthResult(success=given == credentials, handled=False)

    return authenticate
