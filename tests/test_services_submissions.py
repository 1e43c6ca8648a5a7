"""Submitting, voting and curating through the services, with arXiv answered by recordings."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from paperboy.app import Deps, build_deps
from paperboy.domain.accounts import AccountStatus, Role, User
from paperboy.domain.community import (
    InvalidReference,
    LimitReached,
    NotAllowed,
    NotListed,
    RemovedByCurator,
    SourceUnavailable,
    TooOld,
    UnknownPaper,
)
from paperboy.services import curation, votes
from paperboy.services.submissions import (
    Submission,
    SubmissionRules,
    parse_reference,
    submit_paper,
)
from tests.conftest import make_settings
from tests.support.community import insert_member, listed, paper
from tests.support.recordings import recorded_exchange

# 2104.12255 was first published 2021-04-20; "now" is five days later, 21:00 in New York.
NOW = datetime(2021, 4, 26, 1, 0, tzinfo=UTC)
TODAY = date(2021, 4, 25)
RECORDINGS = {"2104.12255": "id_2104.12255v1_s0_m100_6ae69987ffe1.json"}
EMPTY = "id_0000.0000_s0_m100_8b51d9633a68.json"  # arXiv's real answer for an id it lacks


def arxiv_replies(request: httpx.Request) -> httpx.Response:
    """The recorded export-API answer for the requested id (any version); else the empty one."""
    id_list = parse_qs(urlsplit(str(request.url)).query).get("id_list", [""])[0]
    name = RECORDINGS.get(id_list.split("v")[0], EMPTY)
    _, reply = recorded_exchange(name)
    return httpx.Response(reply.status, content=reply.body, headers=reply.headers)


def failing(request: httpx.Request) -> httpx.Response:
    return httpx.Response(503, text="arXiv is down")


def make_deps(sqlite_url: str, replies: object = arxiv_replies, **settings: object) -> Deps:
    values = {"arxiv_request_interval": 0.0, "http_retries": 0, **settings}
    return build_deps(
        make_settings(sqlite_url, **values),
        clock=lambda: NOW,
        transport=httpx.MockTransport(replies),  # type: ignore[arg-type]
    )


@pytest.fixture
def deps(sqlite_url: str) -> Deps:
    return make_deps(sqlite_url)


@pytest.fixture
def alice(deps: Deps) -> User:
    return insert_member(deps.store.engine, "alice")  # type: ignore[attr-defined]


def submit(deps: Deps, user: User, text: str) -> Submission:
    settings = deps.settings
    rules = SubmissionRules(
        settings.timezone, settings.submission_window_days, settings.submission_daily_limit
    )
    return submit_paper(deps.store, deps.curation, deps.sources, rules, user, text, deps.clock())


@pytest.mark.parametrize(
    "text",
    [
        "2104.12255",
        "2104.12255v1",
        "arXiv:2104.12255",
        " https://arxiv.org/abs/2104.12255v1 ",
        "http://arxiv.org/pdf/2104.12255v1.pdf",
        "https://huggingface.co/papers/2104.12255",
        "https://arxiv.org/abs/2104.12255?context=cs",
    ],
)
def test_reference_forms_name_the_bare_id(text: str) -> None:
    assert parse_reference(text) == "2104.12255"


@pytest.mark.parametrize(
    "text",
    ["", "   ", "hello", "https://example.org/2104.12255", "2104.123", "x" * 600, "javascript:1"],
)
def test_malformed_reference_is_refused_naming_the_field(text: str) -> None:
    with pytest.raises(InvalidReference, match=r"^paper: "):
        parse_reference(text)


def test_stored_recent_paper_is_listed_today_by_its_member(deps: Deps, alice: User) -> None:
    deps.store.upsert_papers([paper("2104.11111", NOW - timedelta(days=3))])
    result = submit(deps, alice, "https://arxiv.org/abs/2104.11111")
    assert (result.listed_on, result.created) == (TODAY, True)
    (entry,) = deps.store.entries_between(TODAY, TODAY)
    assert entry.submitter is not None and entry.submitter.user_id == alice.id


def test_paper_not_stored_is_fetched_from_arxiv(deps: Deps, alice: User) -> None:
    result = submit(deps, alice, "2104.12255")
    assert result.created
    stored = deps.store.paper("2104.12255")
    assert stored is not None and stored.title == result.paper.title
    assert stored.published_at == datetime(2021, 4, 20, 16, 7, 14, tzinfo=UTC)


def test_paper_arxiv_does_not_know_is_unknown(deps: Deps, alice: User) -> None:
    with pytest.raises(UnknownPaper, match=r"arXiv has no paper 2104\.99999"):
        submit(deps, alice, "2104.99999")
    assert deps.store.count_entries_between(TODAY, TODAY) == 0


def test_arxiv_down_is_reported_not_crashed(sqlite_url: str) -> None:
    deps = make_deps(sqlite_url, failing)
    alice = insert_member(deps.store.engine, "alice")  # type: ignore[attr-defined]
    with pytest.raises(SourceUnavailable, match=r"2104\.12255"):
        submit(deps, alice, "2104.12255")


def test_paper_older_than_the_window_is_refused(deps: Deps, alice: User) -> None:
    deps.store.upsert_papers([paper("2103.00001", NOW - timedelta(days=15))])
    with pytest.raises(TooOld, match="only papers from the last 14 days"):
        submit(deps, alice, "2103.00001")
    assert deps.store.count_entries_between(TODAY, TODAY) == 0


def test_old_paper_fetched_from_arxiv_is_refused(sqlite_url: str) -> None:
    deps = make_deps(sqlite_url, submission_window_days=3)
    alice = insert_member(deps.store.engine, "alice")  # type: ignore[attr-defined]
    with pytest.raises(TooOld, match="first published on 2021-04-20"):
        submit(deps, alice, "2104.12255")


def test_paper_with_unknown_date_is_refused(deps: Deps, alice: User) -> None:
    deps.store.upsert_papers([paper("2104.11111", None)])
    with pytest.raises(TooOld, match="publication date is unknown"):
        submit(deps, alice, "2104.11111")


def test_listed_paper_links_to_its_list_instead_of_a_duplicate(deps: Deps, alice: User) -> None:
    earlier = TODAY - timedelta(days=2)
    deps.store.upsert_entries([listed("2104.11111", earlier, 3)])
    result = submit(deps, alice, "2104.11111v2")
    assert (result.listed_on, result.created) == (earlier, False)
    assert deps.store.count_entries_between(TODAY, TODAY) == 0


def test_daily_limit_stops_a_member_but_not_a_curator(sqlite_url: str) -> None:
    deps = make_deps(sqlite_url, submission_daily_limit=2)
    engine = deps.store.engine  # type: ignore[attr-defined]
    alice = insert_member(engine, "alice")
    carol = insert_member(engine, "carol", role=Role.CURATOR)
    deps.store.upsert_papers([paper(f"2104.1111{i}", NOW - timedelta(days=1)) for i in range(6)])
    submit(deps, alice, "2104.11110")
    submit(deps, alice, "2104.11111")
    with pytest.raises(LimitReached, match="submitted 2 papers today"):
        submit(deps, alice, "2104.11112")
    for i in range(2, 6):
        assert submit(deps, carol, f"2104.1111{i}").created


@pytest.mark.parametrize("status", [AccountStatus.BANNED, AccountStatus.DELETED])
def test_inactive_member_cannot_submit_or_vote(deps: Deps, status: AccountStatus) -> None:
    mallory = insert_member(deps.store.engine, "mallory", status=status)  # type: ignore[attr-defined]
    deps.store.upsert_papers([paper("2104.11111", NOW)])
    with pytest.raises(NotAllowed):
        submit(deps, mallory, "2104.11111")
    with pytest.raises(NotAllowed):
        votes.set_upvote(deps.votes, mallory, "2104.11111", True, NOW)


def test_paper_a_curator_removed_today_cannot_be_resubmitted(deps: Deps, alice: User) -> None:
    deps.store.upsert_papers([paper("2104.11111", NOW)])
    submit(deps, alice, "2104.11111")
    curation.remove_from_list(deps.curation, None, "2104.11111", TODAY, NOW)
    with pytest.raises(RemovedByCurator):
        submit(deps, alice, "2104.11111")


def test_toggle_upvotes_then_takes_back(deps: Deps, alice: User) -> None:
    deps.store.upsert_entries([listed("2104.11111", TODAY, 2)])
    assert votes.toggle_upvote(deps.votes, alice, "2104.11111", NOW).upvote_count == 3
    state = votes.toggle_upvote(deps.votes, alice, "arXiv:2104.11111v1", NOW)
    assert (state.upvoted, state.upvote_count) == (False, 2)


def test_vote_names_what_is_wrong_with_the_paper(deps: Deps, alice: User) -> None:
    with pytest.raises(InvalidReference):
        votes.set_upvote(deps.votes, alice, "not-an-id", True, NOW)
    with pytest.raises(UnknownPaper):
        votes.set_upvote(deps.votes, alice, "2104.99999", True, NOW)


def test_member_cannot_curate(deps: Deps, alice: User) -> None:
    deps.store.upsert_entries([listed("2104.11111", TODAY)])
    with pytest.raises(NotAllowed):
        curation.pin_on_list(deps.curation, alice, "2104.11111", TODAY, NOW)


def test_curator_adds_any_paper_to_any_day(deps: Deps) -> None:
    carol = insert_member(deps.store.engine, "carol", role=Role.CURATOR)  # type: ignore[attr-defined]
    long_ago = date(2020, 1, 6)
    change = curation.add_to_list(
        deps.store, deps.curation, deps.sources, carol, "2104.12255", long_ago, NOW
    )
    assert (change.change, change.listed_on) == ("added", long_ago)
    assert [e.paper.arxiv_id for e in deps.store.entries_between(long_ago, long_ago)] == [
        "2104.12255"
    ]


def test_curator_change_to_a_paper_not_on_the_list_says_so(deps: Deps) -> None:
    deps.store.upsert_papers([paper("2104.11111", NOW)])
    with pytest.raises(NotListed, match="not on the list of 2021-04-25"):
        curation.remove_from_list(deps.curation, None, "2104.11111", TODAY, NOW)
