"""PoliteClient against a real HTTP server on 127.0.0.1: pacing, retries, Retry-After, failures."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from email.utils import format_datetime

import pytest

from paperboy.sources.http import HttpStatusError, PoliteClient, SourceError
from tests.support.fake_time import FakeTime
from tests.support.http_server import RecordedServer, Reply, Responder, serve
from tests.support.recordings import recorded_reply

PAGE = "q_testing_s0_m10_bc5a6c384fe9.json"
BAD_ID = "id_abc_s0_m100_b79c8dcf6bc3.json"


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


def make_client(fake_time: FakeTime, *, interval: float = 0.0, retries: int = 3) -> PoliteClient:
    return PoliteClient(
        interval=interval,
        retries=retries,
        timeout=5.0,
        sleep=fake_time.sleep,
        monotonic=fake_time.monotonic,
        wall_clock=fake_time.now,
    )


def failing_then(failures: list[Reply], then: Reply) -> Responder:
    """A responder that answers with each failure in turn, then always with `then`."""
    pending = list(failures)

    def respond(path: str, query: dict[str, str]) -> Reply:
        return pending.pop(0) if pending else then

    return respond


@pytest.fixture
def page_server() -> Iterator[RecordedServer]:
    reply = recorded_reply(PAGE)
    with serve(lambda path, query: reply) as server:
        yield server


def test_client_raises_clear_error_on_recorded_400_without_retry(fake_time: FakeTime) -> None:
    with serve(lambda path, query: recorded_reply(BAD_ID)) as server:
        client = make_client(fake_time)
        with pytest.raises(HttpStatusError) as raised:
            client.get(f"{server.base_url}/api/query", {"id_list": "abc"})
    message = str(raised.value)
    assert "HTTP 400" in message
    assert f"{server.base_url}/api/query?id_list=abc" in message
    assert "incorrect id format for abc" in message
    assert raised.value.status == 400
    assert len(server.requests) == 1
    assert fake_time.sleeps == []


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_client_retries_server_errors_with_backoff_then_succeeds(
    fake_time: FakeTime, status: int
) -> None:
    failure = Reply(status, b"<html><body>Temporarily unavailable</body></html>")
    with serve(failing_then([failure, failure], recorded_reply(PAGE))) as server:
        response = make_client(fake_time).get(f"{server.base_url}/api/query")
    assert response.status_code == 200
    assert b"Testing Deep Learning Models" in response.content
    assert len(server.requests) == 3
    assert fake_time.sleeps == [2.0, 4.0]


def test_client_backoff_is_capped(fake_time: FakeTime) -> None:
    failures = [Reply(500, b"oops")] * 7
    with serve(failing_then(failures, recorded_reply(PAGE))) as server:
        make_client(fake_time, retries=7).get(f"{server.base_url}/api/query")
    assert fake_time.sleeps == [2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0]


@pytest.mark.parametrize(
    ("retry_after", "expected_wait"),
    [
        (lambda now: "7", 7.0),
        (lambda now: format_datetime(now + timedelta(seconds=42), usegmt=True), 42.0),
        (lambda now: "86400", 3600.0),
    ],
    ids=["seconds", "http-date", "capped"],
)
def test_client_honours_retry_after_on_503(
    fake_time: FakeTime, retry_after: Callable[..., str], expected_wait: float
) -> None:
    busy = Reply(503, b"Retry later", {"Retry-After": retry_after(fake_time.now())})
    with serve(failing_then([busy], recorded_reply(PAGE))) as server:
        response = make_client(fake_time, interval=3.0).get(f"{server.base_url}/api/query")
    assert response.status_code == 200
    assert fake_time.sleeps == [expected_wait]


def test_client_retries_timeouts(fake_time: FakeTime) -> None:
    released = threading.Event()
    calls: list[int] = []

    def slow_once(path: str, query: dict[str, str]) -> Reply:
        calls.append(1)
        if len(calls) == 1:
            released.wait(timeout=5)
        return recorded_reply(PAGE)

    with serve(slow_once) as server:
        client = PoliteClient(
            interval=0.0,
            retries=2,
            timeout=0.3,
            sleep=fake_time.sleep,
            monotonic=fake_time.monotonic,
        )
        try:
            response = client.get(f"{server.base_url}/api/query")
        finally:
            released.set()
    assert response.status_code == 200
    assert len(calls) == 2
    assert fake_time.sleeps == [2.0]


def test_client_gives_up_naming_url_and_last_failure(fake_time: FakeTime) -> None:
    with serve(lambda path, query: Reply(502, b"<h1>Bad gateway from upstream</h1>")) as server:
        url = f"{server.base_url}/oai"
        with pytest.raises(SourceError) as raised:
            make_client(fake_time, retries=2).get(url)
    message = str(raised.value)
    assert url in message
    assert "3 attempts" in message
    assert "HTTP 502" in message and "Bad gateway from upstream" in message
    assert len(server.requests) == 3
    assert fake_time.sleeps == [2.0, 4.0]


def test_client_retries_refused_connections_then_gives_up(fake_time: FakeTime) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{unused.getsockname()[1]}/api/query"
    with pytest.raises(SourceError) as raised:
        make_client(fake_time, retries=2).get(url)
    assert url in str(raised.value)
    assert "ConnectError" in str(raised.value)
    assert fake_time.sleeps == [2.0, 4.0]


@pytest.mark.parametrize(
    ("elapsed", "expected_sleeps"),
    [(0.0, [3.0, 3.0]), (1.0, [2.0, 2.0]), (3.5, [])],
)
def test_client_waits_the_interval_between_requests(
    fake_time: FakeTime,
    page_server: RecordedServer,
    elapsed: float,
    expected_sleeps: list[float],
) -> None:
    client = make_client(fake_time, interval=3.0)
    for _ in range(3):
        client.get(f"{page_server.base_url}/api/query")
        fake_time.advance(elapsed)
    assert fake_time.sleeps == expected_sleeps
    assert len(page_server.requests) == 3


def test_client_sends_params(fake_time: FakeTime, page_server: RecordedServer) -> None:
    make_client(fake_time).get(
        f"{page_server.base_url}/api/query", {"search_query": "cat:cs.CL", "start": "0"}
    )
    assert page_server.requests == [("/api/query", {"search_query": "cat:cs.CL", "start": "0"})]
