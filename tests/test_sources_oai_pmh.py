"""OaiPmhSource over real HTTP, replaying recorded arXiv OAI-PMH responses from tests/data."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest

from paperboy.app import SourceFactory
from paperboy.domain.models import PaperRecord, PaperVersion, Rejection
from paperboy.services.ingest import ingest
from paperboy.services.ports import PaperStore
from paperboy.sources.http import PoliteClient, SourceError
from paperboy.sources.oai_pmh import OaiPmhSource, fetch_record
from tests.conftest import make_settings
from tests.support.fake_time import FakeTime
from tests.support.http_server import RecordedServer, Reply, serve
from tests.support.recordings import xml_reply

FIRST_PAGE = "mikesaelim_ListRecordsResponse.xml"
FIRST_TOKEN = "726959|1001"
LAST_PAGE = "litpuvn_ListRecords_arXivRaw_2016-10-21.excerpt.xml"
FIRST_PAGE_IDS = ["0704.0471", "0704.0716", "0704.0874", "0704.1109", "0704.1114", "0704.1586"]
LAST_PAGE_IDS = ["0803.4354", "0808.3386", "0910.4952", "1007.2706"]


def harvest(path: str, query: dict[str, str]) -> Reply:
    """The recorded first page, then (for its token) the recorded page that ends the harvest."""
    if query.get("resumptionToken") == FIRST_TOKEN:
        return xml_reply("oai-pmh", LAST_PAGE)
    if "resumptionToken" in query:
        return xml_reply("oai-pmh", "mikesaelim_ErrorResponseBadResumptionToken.xml")
    return xml_reply("oai-pmh", FIRST_PAGE)


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def harvest_server() -> Iterator[RecordedServer]:
    with serve(harvest) as server:
        yield server


def make_client(fake_time: FakeTime) -> PoliteClient:
    return PoliteClient(
        interval=3.0, retries=2, timeout=5.0, sleep=fake_time.sleep, monotonic=fake_time.monotonic
    )


def make_source(server: RecordedServer, fake_time: FakeTime, **options: Any) -> OaiPmhSource:
    return OaiPmhSource(make_client(fake_time), f"{server.base_url}/oai", **options)


def harvested(source: OaiPmhSource, resume_from: str | None = None) -> dict[str, PaperRecord]:
    return {
        item.arxiv_id: item
        for item, _ in source.records(resume_from)
        if isinstance(item, PaperRecord)
    }


def test_oai_parses_an_arxiv_raw_record(
    harvest_server: RecordedServer, fake_time: FakeTime
) -> None:
    paper = harvested(make_source(harvest_server, fake_time))["0704.0716"]
    assert (paper.title, paper.authors) == (
        "Limit distributions and scaling functions",
        ("Christoph Richard",),
    )
    assert (paper.categories, paper.primary_category) == (("math-ph", "math.MP"), "math-ph")
    assert paper.version == 4
    assert [v.version for v in paper.versions] == [1, 2, 3, 4]
    assert paper.published_at == datetime(2007, 4, 5, 12, 45, 3, tzinfo=UTC)
    assert paper.updated_at == datetime(2008, 11, 14, 9, 7, 25, tzinfo=UTC)
    assert paper.comments == (
        "54 pages, 2 figures; v2 updated and slightly expanded; v3 changes in some proofs; "
        "v4 slightly expanded"
    )
    assert paper.journal_ref == (
        "Polygons, polyominoes and polycubes, 247-299, Lecture Notes in Phys., 775, Springer, "
        "Dordrecht, 2009"
    )
    assert paper.license == "http://arxiv.org/licenses/nonexclusive-distrib/1.0/"
    assert paper.abstract.startswith("We discuss the asymptotic behaviour of models")
    assert paper.withdrawn is False


def test_oai_splits_an_author_string_and_keeps_dois(
    harvest_server: RecordedServer, fake_time: FakeTime
) -> None:
    paper = harvested(make_source(harvest_server, fake_time))["0704.0471"]
    assert paper.authors == ("D.V. Shetty", "S.J. Yennello", "G.A. Souliotis")
    assert paper.doi == "10.1103/PhysRevC.76.024606 10.1103/PhysRevC.76.039902"
    assert paper.versions == (PaperVersion(1, datetime(2007, 4, 3, 22, 4, 11, tzinfo=UTC)),)


def test_oai_marks_a_withdrawn_paper(harvest_server: RecordedServer, fake_time: FakeTime) -> None:
    papers = harvested(make_source(harvest_server, fake_time))
    assert papers["0808.3386"].withdrawn is True
    assert papers["0808.3386"].version == 8


def test_oai_follows_the_resumption_token(
    harvest_server: RecordedServer, fake_time: FakeTime
) -> None:
    source = make_source(harvest_server, fake_time, from_=date(2014, 10, 1), set_spec="physics")
    items = list(source.records(None))
    assert [item.arxiv_id for item, _ in items if isinstance(item, PaperRecord)] == (
        FIRST_PAGE_IDS + LAST_PAGE_IDS
    )
    assert [position for _, position in items] == [None] * 5 + [f"token:{FIRST_TOKEN}"] + [None] * 4
    assert [query for _, query in harvest_server.requests] == [
        {
            "verb": "ListRecords",
            "metadataPrefix": "arXivRaw",
            "from": "2014-10-01",
            "set": "physics",
        },
        {"verb": "ListRecords", "resumptionToken": FIRST_TOKEN},
    ]
    assert fake_time.sleeps == [3.0]


def test_oai_resumes_from_a_saved_token(
    harvest_server: RecordedServer, fake_time: FakeTime
) -> None:
    papers = harvested(make_source(harvest_server, fake_time), f"token:{FIRST_TOKEN}")
    assert list(papers) == LAST_PAGE_IDS
    assert [query for _, query in harvest_server.requests] == [
        {"verb": "ListRecords", "resumptionToken": FIRST_TOKEN}
    ]


def test_oai_expired_token_says_to_start_over(
    harvest_server: RecordedServer, fake_time: FakeTime
) -> None:
    with pytest.raises(SourceError, match="badResumptionToken") as raised:
        list(make_source(harvest_server, fake_time).records("token:3"))
    assert "harvest again from the start" in str(raised.value)


@pytest.mark.parametrize(
    ("name", "code", "message"),
    [
        ("mikesaelim_ErrorResponseBadArgument.xml", "badArgument", "illegal argument"),
        ("mikesaelim_ErrorResponseBadResumptionToken.xml", "badResumptionToken", "illegal"),
        ("mikesaelim_ErrorResponseBadVerb.xml", "badVerb", "Verb 'wah' not implemented"),
        ("mikesaelim_ErrorResponseIdDoesNotExist.xml", "idDoesNotExist", "0813.2274"),
        ("constructed_ErrorResponseCannotDisseminateFormat.xml", "cannotDisseminateFormat", ""),
    ],
)
def test_oai_error_raises_with_code_and_message(
    fake_time: FakeTime, name: str, code: str, message: str
) -> None:
    with (
        serve(lambda path, query: xml_reply("oai-pmh", name)) as server,
        pytest.raises(SourceError) as raised,
    ):
        list(make_source(server, fake_time).records(None))
    assert f"OAI-PMH error {code}: " in str(raised.value)
    assert message in str(raised.value)
    assert f"{server.base_url}/oai" in str(raised.value)


def test_oai_no_records_match_is_an_empty_harvest(fake_time: FakeTime) -> None:
    reply = xml_reply("oai-pmh", "mikesaelim_ErrorResponseNoRecordsMatch.xml")
    with serve(lambda path, query: reply) as server:
        assert list(make_source(server, fake_time, set_spec="moo").records(None)) == []


def test_oai_reads_the_arxiv_format_and_reports_deleted_records(fake_time: FakeTime) -> None:
    reply = xml_reply("oai-pmh", "constructed_ListRecords_arXiv.xml")
    with serve(lambda path, query: reply) as server:
        items = [
            item
            for item, _ in make_source(server, fake_time, metadata_prefix="arXiv").records(None)
        ]
    paper, deleted = items
    assert isinstance(paper, PaperRecord)
    assert paper.title == "The Same-Sign Dilepton Signature of RPV/MFV SUSY"
    assert paper.authors == ("Joshua Berger", "Maxim Perelstein", "Michael Saelim", "Philip Tanedo")
    assert (paper.categories, paper.version) == (("hep-ph", "hep-ex"), None)
    assert paper.published_at == datetime(2013, 2, 8, tzinfo=UTC)
    assert paper.updated_at == datetime(2013, 4, 2, tzinfo=UTC)
    assert isinstance(deleted, Rejection)
    assert deleted.ref == "record 2 (oai:arXiv.org:0704.0001)"
    assert "deleted" in deleted.reason


def test_oai_get_record_matches_the_arxiv_format(fake_time: FakeTime) -> None:
    reply = xml_reply("oai-pmh", "mikesaelim_GetRecordResponse.xml")
    with serve(lambda path, query: reply) as server:
        paper = fetch_record(make_client(fake_time), f"{server.base_url}/oai", "1302.2146")
    assert server.requests[0][1] == {
        "verb": "GetRecord",
        "identifier": "oai:arXiv.org:1302.2146",
        "metadataPrefix": "arXivRaw",
    }
    assert isinstance(paper, PaperRecord)
    assert paper.title == "The Same-Sign Dilepton Signature of RPV/MFV SUSY"
    assert paper.authors == ("Joshua Berger", "Maxim Perelstein", "Michael Saelim", "Philip Tanedo")
    assert (paper.categories, paper.version) == (("hep-ph", "hep-ex"), 2)


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        (b"<id>0704.0716</id>", b"<id>seven</id>", "not an arXiv id"),
        (
            b"<title>Limit distributions and scaling functions</title>",
            b"",
            "missing or empty <title>",
        ),
        (b"<date>Fri, 28 Sep 2007 15:13:43 GMT</date>", b"<date>someday</date>", "someday"),
    ],
    ids=["bad-id", "no-title", "bad-version-date"],
)
def test_oai_rejects_a_malformed_record_and_keeps_the_rest(
    fake_time: FakeTime, old: bytes, new: bytes, reason: str
) -> None:
    page = xml_reply("oai-pmh", FIRST_PAGE).body.replace(FIRST_TOKEN.encode(), b"")
    broken = page.replace(old, new, 1)
    assert broken != page
    with serve(lambda path, query: Reply(200, broken)) as server:
        items = [item for item, _ in make_source(server, fake_time).records(None)]
    [rejection] = [item for item in items if isinstance(item, Rejection)]
    assert rejection.ref == "record 2 (oai:arXiv.org:0704.0716)"
    assert reason in rejection.reason
    assert len(items) == len(FIRST_PAGE_IDS)


def test_oai_unparseable_page_raises_naming_the_url(fake_time: FakeTime) -> None:
    truncated = xml_reply("oai-pmh", FIRST_PAGE).body[:3000]
    with (
        serve(lambda path, query: Reply(200, truncated)) as server,
        pytest.raises(SourceError, match="not a readable OAI-PMH response") as raised,
    ):
        list(make_source(server, fake_time).records(None))
    assert f"{server.base_url}/oai" in str(raised.value)


def test_oai_waits_out_a_503_retry_after(fake_time: FakeTime) -> None:
    replies = [Reply(503, b"Retry after 10 seconds", {"Retry-After": "10"})]

    def busy_once(path: str, query: dict[str, str]) -> Reply:
        return replies.pop(0) if replies else xml_reply("oai-pmh", LAST_PAGE)

    with serve(busy_once) as server:
        papers = harvested(make_source(server, fake_time))
    assert list(papers) == LAST_PAGE_IDS
    assert fake_time.sleeps == [10.0]


def test_oai_ingests_new_then_unchanged(store: PaperStore, database_url: str) -> None:
    with serve(harvest) as server:
        settings = make_settings(
            database_url, arxiv_oai_url=f"{server.base_url}/oai", arxiv_request_interval=0.0
        )
        source = SourceFactory(settings).oai(from_=date(2014, 10, 1))
        first = ingest(store, source, batch_size=3)
        second = ingest(store, source, batch_size=3)
    assert first.as_dict() == {"new": 10, "updated": 0, "unchanged": 0, "rejected": 0}
    assert second.as_dict() == {"new": 0, "updated": 0, "unchanged": 10, "rejected": 0}
    stored = store.paper("0704.0716")
    assert stored is not None and stored.version == 4 and len(stored.versions) == 4
