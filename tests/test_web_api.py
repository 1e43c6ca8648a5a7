"""The JSON API: the reference `/api/daily_papers` shape on real recorded lists, and one paper."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from paperboy.domain.models import EntryRecord, Rejection
from paperboy.sources.daily_papers import parse_daily_items
from tests.support.web_client import client_for, loaded_deps, recorded

DAY = "2026-08-21"
ISO_MILLIS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    """The app over the recorded days, on SQLite and on PostgreSQL."""
    with client_for(loaded_deps(database_url)) as test_client:
        yield test_client


@pytest.fixture
def sqlite_client(sqlite_url: str) -> Iterator[TestClient]:
    with client_for(loaded_deps(sqlite_url)) as test_client:
        yield test_client


def listed(client: TestClient, **params: Any) -> list[dict[str, Any]]:
    response = client.get("/api/daily_papers", params=params)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()
    return items


def ids(items: list[dict[str, Any]]) -> list[str]:
    return [item["paper"]["id"] for item in items]


def records(data: Any, day: str) -> dict[str, EntryRecord]:
    parsed = list(parse_daily_items(data, date.fromisoformat(day), "test"))
    assert not [p for p in parsed if isinstance(p, Rejection)]
    return {p.paper.arxiv_id: p for p in parsed if isinstance(p, EntryRecord)}


def test_daily_papers_keeps_every_field_of_the_recorded_items(client: TestClient) -> None:
    ours = {item["paper"]["id"]: item for item in listed(client, date=DAY)}
    originals = recorded(DAY)
    assert len(ours) == len(originals)
    for original in originals:
        paper, mine = original["paper"], ours[original["paper"]["id"]]
        assert mine["paper"]["title"] == " ".join(paper["title"].split())
        assert mine["title"] == mine["paper"]["title"]
        assert mine["paper"]["summary"] == mine["summary"] == paper["summary"].strip()
        assert mine["paper"]["upvotes"] == paper["upvotes"]
        assert [a["name"] for a in mine["paper"]["authors"]] == [
            a["name"] for a in paper["authors"]
        ]
        for key in ("githubRepo", "githubStars", "projectPage", "ai_summary"):
            assert mine["paper"][key] == paper.get(key), key
        assert mine["paper"]["ai_keywords"] == paper.get("ai_keywords", [])
        assert mine["paper"]["submittedOnDailyBy"]["user"] == paper["submittedOnDailyBy"]["user"]
        assert mine["paper"]["publishedAt"] == paper["publishedAt"]
        assert mine["paper"]["submittedOnDailyAt"] == paper["submittedOnDailyAt"]
        assert mine["numComments"] == original["numComments"]
        assert mine["isAuthorParticipating"] is False


def test_daily_papers_uses_only_the_reference_keys_and_time_format(
    sqlite_client: TestClient,
) -> None:
    originals = recorded(DAY)
    item_keys = set().union(*(o.keys() for o in originals))
    paper_keys = set().union(*(o["paper"].keys() for o in originals))
    user_keys = set(originals[0]["submittedBy"]) | set(originals[0]["paper"]["submittedOnDailyBy"])
    for item in listed(sqlite_client, date=DAY):
        assert set(item) <= item_keys
        assert set(item["paper"]) <= paper_keys
        assert set(item["submittedBy"]) <= user_keys | {"user"}
        assert set(item["paper"]["authors"][0]) == {"_id", "name", "hidden"}
        for moment in (item["publishedAt"], item["paper"]["publishedAt"]):
            assert ISO_MILLIS.match(moment), moment


def test_daily_papers_author_ids_are_stable(sqlite_client: TestClient) -> None:
    first, again = listed(sqlite_client, date=DAY), listed(sqlite_client, date=DAY)
    author_ids = [a["_id"] for item in first for a in item["paper"]["authors"]]
    assert author_ids == [a["_id"] for item in again for a in item["paper"]["authors"]]
    assert len(set(author_ids)) == len(author_ids)


def test_daily_papers_round_trips_through_the_importer(client: TestClient) -> None:
    assert records(listed(client, date=DAY), DAY) == records(recorded(DAY), DAY)


@pytest.mark.parametrize(
    ("params", "period", "days"),
    [
        ({"date": "2026-08-20"}, "2026-08-20", ["2026-08-20"]),
        ({"week": "2026-W34"}, "2026-W34", ["2026-08-20", "2026-08-21"]),
        ({"week": "2026-W31"}, "2026-W31", ["2026-07-30"]),
        ({"month": "2026-08"}, "2026-08", ["2026-08-20", "2026-08-21"]),
        ({"month": "2026-07"}, "2026-07", ["2026-07-30"]),
        ({}, "2026-08-21", ["2026-08-21"]),
    ],
    ids=["date", "week", "other-week", "month", "other-month", "today-falls-back"],
)
def test_daily_papers_lists_the_period(
    sqlite_client: TestClient, params: dict[str, str], period: str, days: list[str]
) -> None:
    response = sqlite_client.get("/api/daily_papers", params={**params, "limit": 100})
    expected = {item["paper"]["id"] for day in days for item in recorded(day)}
    assert set(ids(response.json())) == expected
    assert response.headers["X-Total-Count"] == str(len(expected))
    assert response.headers["X-Period"] == period


def test_daily_papers_today_is_in_the_configured_time_zone(sqlite_url: str) -> None:
    # 03:00 UTC on the 21st is still the 20th in New York.
    deps = loaded_deps(sqlite_url, clock=lambda: datetime(2026, 8, 21, 3, 0, tzinfo=UTC))
    with client_for(deps) as client:
        response = client.get("/api/daily_papers")
    assert response.headers["X-Period"] == "2026-08-20"


def test_daily_papers_pages_cover_the_list_once(sqlite_client: TestClient) -> None:
    everything = ids(listed(sqlite_client, date=DAY))
    pages, p = [], 0
    while True:
        response = sqlite_client.get("/api/daily_papers", params={"date": DAY, "limit": 5, "p": p})
        assert response.headers["X-Total-Count"] == str(len(everything))
        pages += ids(response.json())
        if 'rel="next"' not in response.headers.get("Link", ""):
            break
        p += 1
    assert pages == everything
    assert p == (len(everything) - 1) // 5


def test_daily_papers_link_header_points_at_neighbour_pages(sqlite_client: TestClient) -> None:
    response = sqlite_client.get("/api/daily_papers", params={"date": DAY, "limit": 5, "p": 1})
    links = dict(
        (rel, url) for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', response.headers["Link"])
    )
    assert set(links) == {"next", "prev"}
    assert sqlite_client.get(links["next"]).json() == listed(sqlite_client, date=DAY, limit=5, p=2)
    assert sqlite_client.get(links["prev"]).json() == listed(sqlite_client, date=DAY, limit=5, p=0)


def test_daily_papers_limit_caps_the_page(sqlite_client: TestClient) -> None:
    assert len(listed(sqlite_client, date=DAY, limit=3)) == 3
    assert listed(sqlite_client, date=DAY, p=5) == []


@pytest.mark.parametrize(
    ("sort", "key"),
    [
        ("upvotes", lambda item: item["paper"]["upvotes"]),
        ("newest", lambda item: item["paper"]["submittedOnDailyAt"]),
    ],
)
def test_daily_papers_sorts(sqlite_client: TestClient, sort: str, key: Any) -> None:
    items = listed(sqlite_client, week="2026-W34", sort=sort, limit=100)
    values = [key(item) for item in items]
    assert values == sorted(values, reverse=True)


def test_daily_papers_default_sort_is_upvotes(sqlite_client: TestClient) -> None:
    assert listed(sqlite_client, date=DAY) == listed(sqlite_client, date=DAY, sort="upvotes")


def test_daily_papers_filters_by_submitter(sqlite_client: TestClient) -> None:
    expected = {o["paper"]["id"] for o in recorded(DAY) if o["submittedBy"]["name"] == "taesiri"}
    response = sqlite_client.get("/api/daily_papers", params={"date": DAY, "submitter": "taesiri"})
    assert set(ids(response.json())) == expected
    assert response.headers["X-Total-Count"] == str(len(expected))
    assert listed(sqlite_client, date=DAY, submitter="nobody-at-all") == []


def test_daily_papers_empty_day_is_an_empty_list(sqlite_client: TestClient) -> None:
    response = sqlite_client.get("/api/daily_papers", params={"date": "2020-01-01"})
    assert (response.status_code, response.json(), response.headers["X-Total-Count"]) == (
        200,
        [],
        "0",
    )


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({"date": "2026-13-01"}, "date"),
        ({"date": "2026-02-30"}, "date"),
        ({"date": "yesterday"}, "date"),
        ({"week": "2026-W54"}, "week"),
        ({"week": "2026-34"}, "week"),
        ({"month": "2026-00"}, "month"),
        ({"date": DAY, "week": "2026-W34"}, "date, week"),
        ({"week": "2026-W34", "month": "2026-08"}, "week, month"),
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"p": -1}, "p"),
        ({"sort": "bogus"}, "sort"),
        ({"sort": "hottest"}, "sort"),
        ({"submitter": ""}, "submitter"),
    ],
)
def test_daily_papers_rejects_invalid_parameters(
    sqlite_client: TestClient, params: dict[str, Any], names: str
) -> None:
    response = sqlite_client.get("/api/daily_papers", params=params)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_parameter"
    assert error["message"].startswith(f"{names}: ")


def test_daily_papers_sort_error_names_the_allowed_values(sqlite_client: TestClient) -> None:
    message = sqlite_client.get("/api/daily_papers?sort=hottest").json()["error"]["message"]
    assert "upvotes" in message and "newest" in message


@pytest.mark.parametrize(
    "form",
    ["2608.19880", "2608.19880v2", "arXiv:2608.19880", "https://arxiv.org/abs/2608.19880"],
)
def test_paper_found_by_any_id_form(client: TestClient, form: str) -> None:
    response = client.get(f"/api/papers/{form}")
    assert response.status_code == 200
    assert response.json()["id"] == "2608.19880"


def test_paper_has_the_reference_fields_and_our_extras(sqlite_client: TestClient) -> None:
    original = next(o for o in recorded(DAY) if o["paper"]["id"] == "2608.19880")
    paper = sqlite_client.get("/api/papers/2608.19880").json()
    for key in ("title", "upvotes", "githubRepo", "githubStars", "projectPage", "ai_keywords"):
        assert paper[key] == original["paper"][key], key
    assert paper["submittedOnDailyBy"]["user"] == "taesiri"
    assert paper["links"] == {
        "abs": "https://arxiv.org/abs/2608.19880",
        "pdf": "https://arxiv.org/pdf/2608.19880",
        "code": original["paper"]["githubRepo"],
        "project": original["paper"]["projectPage"],
    }
    assert paper["dailyLists"] == [
        {"date": DAY, "upvotes": 163, "numComments": 1, "submitter": "taesiri"}
    ]
    for extra in ("categories", "primaryCategory", "comments", "doi", "journalRef", "license"):
        assert extra in paper
    assert (paper["versions"], paper["withdrawn"], paper["updatedAt"]) == ([], False, None)


def test_paper_unknown_is_a_404_json_error(client: TestClient) -> None:
    response = client.get("/api/papers/2001.00001")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert "2001.00001" in response.json()["error"]["message"]


@pytest.mark.parametrize("text", ["not-an-id", "2608", "12345.6789x"])
def test_paper_malformed_id_is_a_422_naming_it(sqlite_client: TestClient, text: str) -> None:
    response = sqlite_client.get(f"/api/papers/{text}")
    assert response.status_code == 422
    assert response.json()["error"]["message"].startswith("arxiv_id: ")


def test_openapi_documents_every_parameter(sqlite_client: TestClient) -> None:
    spec = sqlite_client.get("/openapi.json").json()
    operations = {
        "/api/daily_papers": {"date", "week", "month", "p", "limit", "sort", "submitter"},
        "/api/papers/{arxiv_id}": {"arxiv_id"},
        "/feeds/date/{day}.rss": {"day"},
    }
    for path, names in operations.items():
        parameters = spec["paths"][path]["get"]["parameters"]
        assert {p["name"] for p in parameters} == names
        for parameter in parameters:
            assert parameter.get("description"), parameter["name"]
            assert parameter.get("examples") or parameter["schema"].get("examples"), parameter[
                "name"
            ]
    for path in ("/feeds/daily.rss", "/feeds/daily.atom", "/feeds/date/{day}.atom"):
        assert path in spec["paths"]
    assert sqlite_client.get("/docs").status_code == 200
