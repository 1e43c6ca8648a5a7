"""A polite HTTP client for arXiv: one request per interval, patient retries, clear failures.

arXiv's terms ask for no more than one request every three seconds, and its servers answer
503 with `Retry-After` when they want a harvester to slow down. Every wait goes through the
injected `sleep`, measured on the injected `monotonic` clock, so tests can see each one.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

DEFAULT_USER_AGENT = "paperboy/0.1 (+self-hosted)"
RETRY_AFTER_CAP = 3600.0
_RETRY_STATUSES = frozenset({429, 503})
_RETRY_ERRORS = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)
_SNIPPET_CHARS = 300
_TAG = re.compile(r"<[^>]*>")


class SourceError(Exception):
    """A source could not be read; the message names the URL and what went wrong."""


class HttpStatusError(SourceError):
    """The server answered with a status that retrying will not fix (a 4xx)."""

    def __init__(self, message: str, status: int, body: bytes) -> None:
        super().__init__(message)
        self.status = status
        self.body = body


class PoliteClient:
    """GETs at most one request per `interval` seconds, retrying 5xx, timeouts and lost connections.

    A retry waits the longer of the interval and an exponential backoff (`backoff` seconds,
    doubled each time, at most `max_backoff`), or what a 503's `Retry-After` asks for.
    """

    def __init__(
        self,
        *,
        interval: float,
        retries: int,
        timeout: float,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        user_agent: str = DEFAULT_USER_AGENT,
        backoff: float = 2.0,
        max_backoff: float = 60.0,
        wall_clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.interval = interval
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self._sleep = sleep
        self._monotonic = monotonic
        self._wall_clock = wall_clock
        self._not_before: float | None = None
        self._http = httpx.Client(
            transport=transport,
            timeout=timeout,
            follow_redirects=True,
            headers={"User-Agent": user_agent},
        )

    def get(self, url: str, params: Mapping[str, str] | None = None) -> httpx.Response:
        """The successful response to GET `url`; raises SourceError when it cannot be had."""
        failure = ""
        for attempt in range(self.retries + 1):
            self._wait_turn()
            try:
                response = self._http.get(url, params=params)
            except _RETRY_ERRORS as error:
                failure = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
                self._hold_off(self._backoff_delay(attempt))
                continue
            except httpx.HTTPError as error:
                raise SourceError(f"GET {url} failed: {type(error).__name__}: {error}") from error
            self._hold_off(0.0)
            if response.is_success:
                return response
            failure = _describe_status(response)
            if not _is_retryable(response.status_code):
                raise HttpStatusError(
                    f"GET {response.request.url} failed: {failure}",
                    response.status_code,
                    response.content,
                )
            self._hold_off(self._retry_delay(response, attempt))
        raise SourceError(f"GET {url} failed after {self.retries + 1} attempts: {failure}")

    def close(self) -> None:
        """Release the connection pool."""
        self._http.close()

    def _wait_turn(self) -> None:
        if self._not_before is None:
            return
        remaining = self._not_before - self._monotonic()
        if remaining > 0:
            self._sleep(remaining)

    def _hold_off(self, delay: float) -> None:
        """The next request may go no sooner than the interval, nor than `delay`, from now."""
        self._not_before = self._monotonic() + max(self.interval, delay)

    def _backoff_delay(self, attempt: int) -> float:
        return float(min(self.max_backoff, self.backoff * 2**attempt))

    def _retry_delay(self, response: httpx.Response, attempt: int) -> float:
        asked = retry_after_seconds(response.headers.get("Retry-After"), self._wall_clock())
        return asked if asked is not None else self._backoff_delay(attempt)


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """Seconds a `Retry-After` header asks to wait (a number or an HTTP date), capped at an hour."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return min(float(text), RETRY_AFTER_CAP)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return min(max((when - now).total_seconds(), 0.0), RETRY_AFTER_CAP)


def _is_retryable(status: int) -> bool:
    return status >= 500 or status in _RETRY_STATUSES


def _describe_status(response: httpx.Response) -> str:
    reason = f"HTTP {response.status_code} {response.reason_phrase}".rstrip()
    snippet = body_snippet(response.content)
    return f"{reason}: {snippet}" if snippet else reason


def body_snippet(body: bytes) -> str:
    """The start of a response body as one line of text, markup removed, for error messages."""
    text = " ".join(_TAG.sub(" ", body.decode("utf-8", errors="replace")).split())
    return text if len(text) <= _SNIPPET_CHARS else text[: _SNIPPET_CHARS - 1] + "…"
