"""ArxivApiSource over real HTTP, replaying recorded export-API responses from tests/data."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest

from paperboy.app import SourceFactory
from paperboy.domain.models import PaperRecord, PaperVersion, Rejection
from paperboy.services.ingest import ingest
from paperboy.services.ports import PaperStore
from paperboy.sources.arxiv_api import ArxivApiSource
from paperboy.sources.http import PoliteClient, SourceError
from tests.conftest import make_settings
from tests.support.fake_time import FakeTime
from tests.support.http_server import RecordedServer, Reply, serve
from tests.support.recordings import recorded_exchange, recorded_reply, xml_reply

PAGES = {
    "0": "q_testing_s0_m10_bc5a6c384fe9.json",
    "10": "q_testing_s10_m10_34e56e15aaac.json",
    "20": "q_testing_s20_m10_348a237fecab.json",
}
EMPTY = "id_0000.0000_s0_m100_8b51d9633a68.json"
ID_LOOKUPS = [
    "id_0000.0000_s0_m100_8b51d9633a68.json",
    "id_0808.05394_1707.08567_s0_m100_42e5aa0ec3af.json",
    "id_2104.12255v1_s0_m100_6ae69987ffe1.json",
    "id_astro-ph_0601001_s0_m100_3150dca9dc76.json",
]
JANUARY: dict[str, Any] = {"category": "cs.SE", "start": date(2026, 1, 1), "end": date(2026, 1, 31)}


def pages_then_empty(path: str, query: dict[str, str]) -> Reply:
    """The three recorded pages by `start`; past them, the recorded empty result."""
    return recorded_reply(PAGES.get(query.get("start", ""), EMPTY))


def by_id_list(path: str, query: dict[str, str]) -> Reply:
    """The recorded lookup whose `id_list` matches the request's."""
    for name in ID_LOOKUPS:
        recorded_query, reply = recorded_exchange(name)
        if recorded_query["id_list"] == query.get("id_list"):
            return reply
    return Reply(500, b"no recording for this id_list")


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def pages_server() -> Iterator[RecordedServer]:
    with serve(pages_then_empty) as server:
        yield server


@pytest.fixture
def ids_server() -> Iterator[RecordedServer]:
    with serve(by_id_list) as server:
        yield server


def make_source(server: RecordedServer, fake_time: FakeTime, **query: Any) -> ArxivApiSource:
    client = PoliteClient(
        interval=3.0, retries=2, timeout=5.0, sleep=fake_time.sleep, monotonic=fake_time.monotonic
    )
    return ArxivApiSource(client, f"{server.base_url}/api/query", **query)


def papers(items: list[tuple[PaperRecord | Rejection, str | None]]) -> list[PaperRecord]:
    return [item for item, _ in items if isinstance(item, PaperRecord)]


def test_arxiv_api_parses_every_field_of_a_recorded_entry(
    pages_server: RecordedServer, fake_time: FakeTime
) -> None:
    first = papers(list(make_source(pages_server, fake_time, **JANUARY).records(None)))[0]
    published = datetime(2022, 2, 24, 15, 5, 19, tzinfo=UTC)
    assert first == PaperRecord(
        arxiv_id="2202.12139",
        version=1,
        title="Testing Deep Learning Models: A First Comparative Study of Multiple Testing "
        "Techniques",
        abstract=first.abstract,
        authors=("Mohit Kumar Ahuja", "Arnaud Gotlieb", "Helge Spieker"),
        categories=("cs.SE", "cs.LG"),
        primary_category="cs.SE",
        comments="Artificial Intelligence in Software Testing 2022 workshop @ ICST 2022",
        doi="10.1109/ICSTW55395.2022.00035",
        journal_ref="Artificial Intelligence in Software Testing @ 2022 IEEE International "
        "Conference on Software Testing, Verification and Validation Workshops (ICSTW)",
        published_at=published,
        updated_at=published,
        withdrawn=False,
        versions=(PaperVersion(1, published),),
    )
    assert first.abstract.startswith("Deep Learning (DL) has revolutionized the capabilities")
    assert first.abstract.endswith("discuss its results.")


def test_arxiv_api_paginates_until_an_empty_page(
    pages_server: RecordedServer, fake_time: FakeTime
) -> None:
    source = make_source(pages_server, fake_time, page_size=10, **JANUARY)
    items = list(source.records(None))
    assert len(papers(items)) == 30
    assert [position for _, position in items if position is not None] == ["10", "20", "30"]
    assert [query["start"] for _, query in pages_server.requests] == ["0", "10", "20", "30"]
    assert pages_server.requests[0][1] == {
        "search_query": "cat:cs.SE AND submittedDate:[202601010000 TO 202601312359]",
        "sortBy": "submittedDate",
        "sortOrder": "ascending",
        "start": "0",
        "max_results": "10",
    }
    assert fake_time.sleeps == [3.0, 3.0, 3.0]


def test_arxiv_api_resumes_from_the_next_start(
    pages_server: RecordedServer, fake_time: FakeTime
) -> None:
    items = list(make_source(pages_server, fake_time, page_size=10, **JANUARY).records("20"))
    assert papers(items)[0].arxiv_id == "2008.01944"
    assert [query["start"] for _, query in pages_server.requests] == ["20", "30"]


def test_arxiv_api_stops_at_total_results(ids_server: RecordedServer, fake_time: FakeTime) -> None:
    items = list(make_source(ids_server, fake_time, ids=["2104.12255v1"]).records(None))
    assert [(p.arxiv_id, p.version) for p in papers(items)] == [("2104.12255", 1)]
    assert items[-1][1] == "1"
    assert len(ids_server.requests) == 1


@pytest.mark.parametrize(
    ("ids", "arxiv_id", "author"),
    [
        (["2104.12255v1"], "2104.12255", "Quan Thoi Minh Nguyen"),
        (["astro-ph/0601001"], "astro-ph/0601001", "Andrew Gould"),
        (["0808.05394", "1707.08567"], "1707.08567", "Dirk Wübben"),
    ],
    ids=["versioned", "old-style", "pair"],
)
def test_arxiv_api_looks_up_ids(
    ids_server: RecordedServer, fake_time: FakeTime, ids: list[str], arxiv_id: str, author: str
) -> None:
    [paper] = papers(list(make_source(ids_server, fake_time, ids=ids).records(None)))
    assert (paper.arxiv_id, paper.version) == (arxiv_id, 1)
    assert author in paper.authors
    assert [query["id_list"] for _, query in ids_server.requests] == [",".join(ids)]


@pytest.mark.parametrize(
    ("ids", "unknown"),
    [(["0808.05394", "1707.08567"], "0808.05394")],
)
def test_arxiv_api_rejects_an_id_arxiv_does_not_know(
    ids_server: RecordedServer, fake_time: FakeTime, ids: list[str], unknown: str
) -> None:
    items = [item for item, _ in make_source(ids_server, fake_time, ids=ids).records(None)]
    rejections = [item for item in items if isinstance(item, Rejection)]
    assert [(r.ref, r.reason) for r in rejections] == [
        (unknown, "arXiv returned no paper for this id")
    ]


def test_arxiv_api_rejects_malformed_ids_without_asking(
    ids_server: RecordedServer, fake_time: FakeTime
) -> None:
    ids = ["abc", "0000.0000", "2104.12255v1"]  # 0000.0000: month 00 cannot exist
    items = list(make_source(ids_server, fake_time, ids=ids).records(None))
    assert [r.ref for r in (i for i, _ in items) if isinstance(r, Rejection)] == [
        "abc",
        "0000.0000",
    ]
    assert [p.arxiv_id for p in papers(items)] == ["2104.12255"]
    assert ids_server.requests[0][1]["id_list"] == "2104.12255v1"


def test_arxiv_api_reads_the_2016_feed_layout(fake_time: FakeTime) -> None:
    reply = xml_reply("arxiv-api", "legacy_2016_id_list_1111.2011v2.xml")
    with serve(lambda path, query: reply) as server:
        [paper] = papers(list(make_source(server, fake_time, ids=["1111.2011v2"]).records(None)))
    assert paper.title == (
        "Quantum Criticality for Extended Nodes on a Bethe Lattice in the Large Connectivity Limit"
    )
    assert paper.versions == (
        PaperVersion(1, datetime(2011, 11, 8, 18, 48, 36, tzinfo=UTC)),
        PaperVersion(2, datetime(2012, 4, 2, 12, 38, 54, tzinfo=UTC)),
    )


def test_arxiv_api_recorded_400_raises_with_arxivs_explanation(fake_time: FakeTime) -> None:
    with (
        serve(lambda path, query: recorded_reply("id_abc_s0_m100_b79c8dcf6bc3.json")) as server,
        pytest.raises(SourceError) as raised,
    ):
        list(make_source(server, fake_time, **JANUARY).records(None))
    assert "HTTP 400" in str(raised.value)
    assert f"{server.base_url}/api/query" in str(raised.value)
    assert "arXiv says: incorrect id format for abc" in str(raised.value)
    assert len(server.requests) == 1


def test_arxiv_api_turns_an_error_entry_into_a_rejection(fake_time: FakeTime) -> None:
    error_feed = recorded_reply("id_abc_s0_m100_b79c8dcf6bc3.json").body
    with serve(lambda path, query: Reply(200, error_feed)) as server:
        [(item, _)] = list(make_source(server, fake_time, **JANUARY).records(None))
    assert item == Rejection(
        "arxiv-api:cat=cs.SE:2026-01-01..2026-01-31",
        "entry 1 (https://arxiv.org/api/errors#incorrect_id_format_for_abc)",
        "arXiv API error: incorrect id format for abc",
    )


@pytest.mark.parametrize(
    ("pattern", "replacement", "reason"),
    [
        (r"<id>http://arxiv.org/abs/2405.13786v1</id>", "<id>not an id</id>", "not an arXiv id"),
        (
            r"<title>Towards Explainable[^<]*</title>",
            "<title> </title>",
            "missing or empty <title>",
        ),
        (r"<published>2024-05-22T16:11:45Z</published>", "<published>soon</published>", "soon"),
    ],
    ids=["bad-id", "empty-title", "bad-date"],
)
def test_arxiv_api_rejects_a_malformed_entry_and_keeps_the_rest(
    fake_time: FakeTime, pattern: str, replacement: str, reason: str
) -> None:
    page = recorded_reply(PAGES["0"])
    broken = re.sub(pattern.encode(), replacement.encode(), page.body, count=1)
    assert broken != page.body

    def respond(path: str, query: dict[str, str]) -> Reply:
        return Reply(200, broken) if query["start"] == "0" else recorded_reply(EMPTY)

    with serve(respond) as server:
        items = [item for item, _ in make_source(server, fake_time, **JANUARY).records(None)]
    [rejection] = [item for item in items if isinstance(item, Rejection)]
    assert rejection.ref.startswith("entry 2 (")
    assert reason in rejection.reason
    assert len(papers([(i, None) for i in items])) == 9


def test_arxiv_api_unparseable_page_raises_naming_the_url(fake_time: FakeTime) -> None:
    truncated = recorded_reply(PAGES["0"]).body[:5000]
    with (
        serve(lambda path, query: Reply(200, truncated)) as server,
        pytest.raises(SourceError, match=r"not a readable Atom feed") as raised,
    ):
        list(make_source(server, fake_time, **JANUARY).records(None))
    assert f"{server.base_url}/api/query" in str(raised.value)


@pytest.mark.parametrize(
    ("query", "name"),
    [
        (JANUARY, "arxiv-api:cat=cs.SE:2026-01-01..2026-01-31"),
        ({"category": "cs.CL"}, "arxiv-api:cat=cs.CL"),
        ({"ids": ["2104.12255", "1707.08567"]}, "arxiv-api:ids=9a05f4f12570"),
        ({"ids": ["1707.08567", "2104.12255"]}, "arxiv-api:ids=9a05f4f12570"),
    ],
)
def test_arxiv_api_name_is_stable_for_the_query(
    fake_time: FakeTime, query: dict[str, Any], name: str
) -> None:
    with serve(pages_then_empty) as server:
        assert make_source(server, fake_time, **query).name == name


def test_arxiv_api_ingests_new_then_unchanged(store: PaperStore, database_url: str) -> None:
    with serve(pages_then_empty) as server:
        settings = make_settings(
            database_url,
            arxiv_api_url=f"{server.base_url}/api/query",
            arxiv_request_interval=0.0,
        )
        source = SourceFactory(settings).arxiv_api(page_size=10, **JANUARY)
        first = ingest(store, source, batch_size=10)
        second = ingest(store, source, batch_size=10)
    assert first.as_dict() == {"new": 30, "updated": 0, "unchanged": 0, "rejected": 0}
    assert second.as_dict() == {"new": 0, "updated": 0, "unchanged": 30, "rejected": 0}
    stored = store.paper("2202.12139")
    assert stored is not None and stored.authors[0] == "Mohit Kumar Ahuja"
