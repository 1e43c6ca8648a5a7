"""Delivery over SMTP: one connection reused across messages, failures sorted for retrying."""

from __future__ import annotations

import contextlib
import smtplib
import socket
import ssl
import threading
from dataclasses import dataclass, field
from types import TracebackType
from typing import Literal

from paperboy.domain.mail import (
    MailError,
    OutgoingMail,
    PermanentMailError,
    TemporaryMailError,
)
from paperboy.mail.mime import Composer

Security = Literal["none", "starttls", "tls"]


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    """Where and how to reach the SMTP server (from the `smtp_*` settings)."""

    host: str
    port: int = 587
    security: Security = "starttls"
    username: str = ""
    password: str = field(default="", repr=False)
    timeout: float = 30.0


class SmtpMailer:
    """A `Mailer` that hands messages to one SMTP server, reusing the connection between sends.

    Thread-safe: sends are serialised over the one connection. A connection the server closed
    while idle is reopened once; every other failure raises `TemporaryMailError` (4xx, refused,
    timeout, TLS, login) or `PermanentMailError` (5xx to the recipient or the message). A
    timeout is never retried here: a slow server may still deliver the message, so the caller
    decides (an outbox retries later with the same Message-ID).
    """

    def __init__(
        self, config: SmtpConfig, composer: Composer, ssl_context: ssl.SSLContext | None = None
    ) -> None:
        self._config = config
        self._composer = composer
        self._ssl_context = ssl_context
        self._connection: smtplib.SMTP | None = None
        self._lock = threading.Lock()
        self.connections_opened = 0

    def send(self, message: OutgoingMail) -> str:
        """Deliver `message`; its Message-ID once the server has accepted it."""
        recipient, message_id, data = self._composer.raw(message)
        with self._lock:
            self._deliver(recipient, data)
        return message_id

    def close(self) -> None:
        """Say QUIT and drop the connection; the next send opens a new one."""
        with self._lock:
            connection, self._connection = self._connection, None
            if connection is not None:
                try:
                    connection.quit()
                except (smtplib.SMTPException, OSError):
                    connection.close()

    def __enter__(self) -> SmtpMailer:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _deliver(self, recipient: str, data: bytes) -> None:
        reused = self._connection is not None
        connection = self._connection or self._connect()
        try:
            _transaction(connection, self._composer.sender.addr_spec, recipient, data)
        except smtplib.SMTPServerDisconnected as error:
            self._drop()
            if isinstance(error.__context__, TimeoutError):  # smtplib's name for a timeout
                raise TemporaryMailError(
                    f"the SMTP server did not answer in time ({self._config.timeout:g} s)"
                ) from error
            if not reused:
                raise TemporaryMailError(f"the SMTP server hung up: {error}") from error
            # the server closed the idle connection between sends: one fresh try
            self._deliver(recipient, data)
        except (smtplib.SMTPException, OSError) as error:
            # after a reply the session is reset and usable, unless smtplib closed it (421);
            # after a timeout or socket error its state is unknown
            answered = smtplib.SMTPResponseException | smtplib.SMTPRecipientsRefused
            if connection.sock is None or not isinstance(error, answered):
                self._drop()
            raise _mail_error(error) from error

    def _connect(self) -> smtplib.SMTP:
        try:
            connection = self._open()
        except MailError:
            raise
        except smtplib.SMTPAuthenticationError as error:
            raise TemporaryMailError(
                f"the SMTP server refused the login for {self._config.username!r}: {_reply(error)}",
                error.smtp_code,
            ) from error
        except (smtplib.SMTPException, OSError) as error:
            raise _connection_error(self._config, error) from error
        self._connection = connection
        self.connections_opened += 1
        return connection

    def _open(self) -> smtplib.SMTP:
        config, local = self._config, self._composer.domain
        context = self._ssl_context or ssl.create_default_context()
        connection: smtplib.SMTP
        if config.security == "tls":
            connection = smtplib.SMTP_SSL(
                config.host, config.port, local, timeout=config.timeout, context=context
            )
        else:
            connection = smtplib.SMTP(config.host, config.port, local, timeout=config.timeout)
        try:
            if config.security == "starttls":
                connection.ehlo()
                if not connection.has_extn("starttls"):
                    raise TemporaryMailError(
                        f"{config.host}:{config.port} does not offer STARTTLS "
                        "(set smtp_security to tls or none)"
                    )
                connection.starttls(context=context)
            if config.username:
                connection.login(config.username, config.password)
        except BaseException:
            connection.close()
            raise
        return connection

    def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()


def _transaction(connection: smtplib.SMTP, sender: str, recipient: str, data: bytes) -> None:
    """MAIL, RCPT and DATA for one message, failing as smtplib's `sendmail` fails.

    `sendmail` parses both addresses again and dot-stuffs the message with a multi-line regex:
    a fifth of the CPU of a digest send. Ours are checked addresses and CRLF-only bytes.
    """
    connection.ehlo_or_helo_if_needed()
    size = f" SIZE={len(data)}" if connection.has_extn("size") else ""
    code, reply = connection.docmd("mail", f"FROM:<{sender}>{size}")
    if code != 250:
        _end_transaction(connection, code)
        raise smtplib.SMTPSenderRefused(code, reply, sender)
    code, reply = connection.docmd("rcpt", f"TO:<{recipient}>")
    if code not in (250, 251):
        _end_transaction(connection, code)
        raise smtplib.SMTPRecipientsRefused({recipient: (code, reply)})
    code, reply = connection.docmd("data")
    if code == 354:
        connection.send(dot_stuffed(data) + b".\r\n")
        code, reply = connection.getreply()
    if code != 250:
        _end_transaction(connection, code)
        raise smtplib.SMTPDataError(code, reply)


def _end_transaction(connection: smtplib.SMTP, code: int) -> None:
    """After a refusal: RSET, so the connection can carry the next message; 421 closes it."""
    if code == 421:
        connection.close()
    else:
        with contextlib.suppress(smtplib.SMTPServerDisconnected):
            connection.rset()


def dot_stuffed(data: bytes) -> bytes:
    """`data` as DATA's content: a line starting with "." gets a second one (RFC 5321 4.5.2),
    and the content ends with CRLF, before the final "." line."""
    stuffed = data.replace(b"\n.", b"\n..")
    if stuffed.startswith(b"."):
        stuffed = b"." + stuffed
    return stuffed if stuffed.endswith(b"\r\n") else stuffed + b"\r\n"


def _reply(error: smtplib.SMTPResponseException) -> str:
    text = error.smtp_error
    return text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)


def _mail_error(error: Exception) -> MailError:
    """The delivery failure as a temporary or permanent `MailError`, with the SMTP code."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        recipient, (code, reply) = next(iter(error.recipients.items()))
        text = reply.decode("utf-8", "replace")
        return _by_code(code, f"the SMTP server refused {recipient}: {code} {text}")
    if isinstance(error, smtplib.SMTPSenderRefused):
        # our own From is refused: no recipient's fault, so never a permanent failure of theirs
        return TemporaryMailError(
            f"the SMTP server refused the sender {error.sender}: {error.smtp_code} {_reply(error)}",
            error.smtp_code,
        )
    if isinstance(error, smtplib.SMTPResponseException):
        return _by_code(
            error.smtp_code, f"the SMTP server answered {error.smtp_code} {_reply(error)}"
        )
    if isinstance(error, socket.timeout | TimeoutError):
        return TemporaryMailError(f"the SMTP server did not answer in time: {error}")
    return TemporaryMailError(f"sending failed: {error}")


def _by_code(code: int, message: str) -> MailError:
    kind = PermanentMailError if 500 <= code < 600 else TemporaryMailError
    return kind(message, code)


def _connection_error(config: SmtpConfig, error: Exception) -> TemporaryMailError:
    where = f"{config.host}:{config.port}"
    if isinstance(error, ssl.SSLError | ssl.CertificateError):
        return TemporaryMailError(f"TLS with {where} failed ({config.security}): {error}")
    if isinstance(error, smtplib.SMTPResponseException):
        return TemporaryMailError(
            f"{where} answered {error.smtp_code} {_reply(error)}", error.smtp_code
        )
    if isinstance(error, smtplib.SMTPException):  # e.g. no AUTH offered, a bad greeting
        return TemporaryMailError(f"the SMTP server at {where}: {error}")
    return TemporaryMailError(f"cannot reach the SMTP server at {where}: {error}")
