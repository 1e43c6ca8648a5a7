"""Choosing a digest's papers over real recorded lists, the real search, and composing the mail."""

from __future__ import annotations

import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from paperboy.app import Deps, build_deps
from paperboy.domain.digest_schedule import Slot
from paperboy.domain.digests import DigestContent, Frequency, Preferences, Subscription
from paperboy.domain.models import EntryRecord, Paper, PaperRecord
from paperboy.domain.search import SearchFilters, SearchRequest, parse_query
from paperboy.embeddings.hashing import HashingEmbedder
from paperboy.services.digest_compose import DigestComposer
from paperboy.services.embedding import embed_new_papers
from paperboy.services.indexing import sync_keyword_index
from paperboy.services.search import search
from paperboy.services.trending import trending
from tests.conftest import make_settings
from tests.support.search_corpus import load_recorded_papers
from tests.support.subscribers import add_subscriber

FRIDAY = "2026-08-21"  # recorded lists: Thu 2026-08-20 and Fri 2026-08-21 (and 2026-07-30)
DUE = datetime(2026, 8, 21, 12, 0, tzinfo=UTC)
THURSDAY_TOP = ["2608.16590", "2608.17253", "2608.18565"]  # the 20th's list by upvotes
FRIDAY_TOP = ["2608.19880", "2608.18580", "2608.20335"]


def entry(arxiv_id: str, day: date, upvotes: int, categories: tuple[str, ...]) -> EntryRecord:
    published = datetime.combine(day, datetime.min.time(), UTC) - timedelta(days=1)
    record = PaperRecord(
        arxiv_id=arxiv_id,
        title=f"Sparse routing study {arxiv_id}",
        abstract="We study sparse routing for mixture of experts.",
        categories=categories,
        published_at=published,
    )
    return EntryRecord(paper=record, listed_on=day, upvote_count=upvotes)


@pytest.fixture
def deps(sqlite_url: str, tmp_path: Path) -> Deps:
    settings = make_settings(sqlite_url, embedder="hashing", index_dir=str(tmp_path / "indexes"))
    built = build_deps(settings, embedder=HashingEmbedder(), clock=lambda: DUE)
    load_recorded_papers(built.store)
    friday = date.fromisoformat(FRIDAY)
    built.store.upsert_entries(
        [
            entry("2608.90001", friday, 1, ("math.OC",)),
            entry("2608.90002", friday, 2, ("MATH.OC", "cs.LG")),
            entry("2608.90003", friday - timedelta(days=3), 500, ("math.OC",)),  # Tuesday
        ]
    )
    sync_keyword_index(built.store, built.keywords)  # type: ignore[arg-type]
    embed_new_papers(built.embeddings, HashingEmbedder())
    built.vectors.sync()
    return built


def subscriber(deps: Deps, **preferences: object) -> Subscription:
    return add_subscriber(deps, "reader@example.org", Preferences(**preferences), now=DUE)  # type: ignore[arg-type]


def ids(papers: Sequence[Paper]) -> list[str]:
    return [paper.arxiv_id for paper in papers]


def test_daily_top_covers_the_previous_weekday_and_its_own_day_by_upvotes(deps: Deps) -> None:
    composer = DigestComposer.from_deps(deps)
    chosen = composer.choose(subscriber(deps, max_papers=50), Slot(FRIDAY, DUE), frozenset())
    assert ids(chosen)[:3] == ["2608.19880", "2608.16590", "2608.17253"]
    assert len(chosen) == len(set(ids(chosen))) == 15 + 17 + 2
    assert "2608.90003" not in ids(chosen)  # listed on Tuesday: the previous digest's


def test_never_a_paper_already_sent_and_at_most_max_papers(deps: Deps) -> None:
    composer = DigestComposer.from_deps(deps)
    sub = subscriber(deps, max_papers=3)
    first = composer.choose(sub, Slot(FRIDAY, DUE), frozenset())
    assert len(first) == 3
    second = composer.choose(sub, Slot(FRIDAY, DUE), frozenset(ids(first)))
    assert len(second) == 3 and not set(ids(first)) & set(ids(second))
    assert ids(second)[0] in {"2608.18565", "2608.17426"}  # 59 upvotes each


def test_monday_covers_friday_and_the_weekend_and_nothing_new_is_empty(deps: Deps) -> None:
    composer = DigestComposer.from_deps(deps)
    sub = subscriber(deps, max_papers=50)
    monday = composer.choose(sub, Slot("2026-08-24", DUE + timedelta(days=3)), frozenset())
    assert ids(monday)[0] == FRIDAY_TOP[0] and not set(THURSDAY_TOP) & set(ids(monday))
    sent = frozenset(ids(monday))
    assert composer.choose(sub, Slot("2026-08-24", DUE + timedelta(days=3)), sent) == []
    assert composer.choose(sub, Slot("2026-08-26", DUE + timedelta(days=5)), frozenset()) == []


def test_weekly_covers_the_past_seven_days(deps: Deps) -> None:
    composer = DigestComposer.from_deps(deps)
    sub = subscriber(deps, frequency=Frequency.WEEKLY, weekday=4, max_papers=5)
    assert ids(composer.choose(sub, Slot(FRIDAY, DUE), frozenset()))[0] == "2608.90003"


def test_categories_filter_any_case(deps: Deps) -> None:
    composer = DigestComposer.from_deps(deps)
    sub = subscriber(deps, categories=("math.OC",), max_papers=10)
    assert ids(composer.choose(sub, Slot(FRIDAY, DUE), frozenset())) == [
        "2608.90002",
        "2608.90001",
    ]
    other = subscriber_with(sub, categories=("cs.LG",))
    assert ids(composer.choose(other, Slot(FRIDAY, DUE), frozenset())) == ["2608.90002"]


def subscriber_with(sub: Subscription, **preferences: object) -> Subscription:
    return replace(sub, preferences=replace(sub.preferences, **preferences))  # type: ignore[arg-type]


def test_trending_is_the_site_ranking_at_the_slot(deps: Deps) -> None:
    composer = DigestComposer.from_deps(deps)
    sub = subscriber(deps, content=DigestContent.TRENDING, max_papers=5)
    expected = trending(
        deps.store,
        deps.votes,
        DUE,
        timezone=deps.settings.timezone,
        window_days=deps.settings.trending_window_days,
        limit=5,
    )
    chosen = composer.choose(sub, Slot(FRIDAY, DUE), frozenset())
    assert ids(chosen) == [t.entry.paper.arxiv_id for t in expected]
    assert len(chosen) == 5


def test_searches_union_of_saved_searches_published_in_the_window(deps: Deps) -> None:
    composer = DigestComposer.from_deps(deps)
    queries = ("sparse routing experts", "agent environments")
    sub = subscriber(deps, content=DigestContent.SEARCHES, searches=queries, max_papers=50)
    chosen = composer.choose(sub, Slot(FRIDAY, DUE), frozenset())
    window = SearchFilters(published_from=date(2026, 8, 17), published_to=date(2026, 8, 21))
    per_query = [[h.paper.arxiv_id for h in search_hits(deps, q, window)] for q in queries]
    assert per_query[0] and per_query[1]
    assert set(ids(chosen)) == set(per_query[0]) | set(per_query[1])
    assert set(ids(chosen)[:2]) == {per_query[0][0], per_query[1][0]}  # best of each first
    for paper in chosen:
        assert paper.published_at is not None
        assert date(2026, 8, 17) <= paper.published_at.date() <= date(2026, 8, 21)


def test_a_saved_search_without_words_matches_nothing(deps: Deps) -> None:
    composer = DigestComposer.from_deps(deps)
    sub = subscriber(deps, content=DigestContent.SEARCHES, searches=("?!", "-sparse"))
    assert composer.choose(sub, Slot(FRIDAY, DUE), frozenset()) == []


def search_hits(deps: Deps, query: str, filters: SearchFilters) -> list:  # type: ignore[type-arg]
    request = SearchRequest(parse_query(query), filters, limit=50)
    return search(deps.store, deps.keywords, deps.vectors, deps.embedder, request).hits


def test_load_papers_keeps_the_fixed_order_and_skips_gone_ones(deps: Deps) -> None:
    composer = DigestComposer.from_deps(deps)
    wanted = ["2608.18580", "9999.99999", "2608.19880"]
    assert ids(composer.load_papers(wanted)) == ["2608.18580", "2608.19880"]


def test_compose_refuses_an_empty_digest(deps: Deps) -> None:
    composer = DigestComposer.from_deps(deps)
    with pytest.raises(ValueError, match="at least one paper"):
        composer.compose(subscriber(deps), [], message_id="<a@b>", period=FRIDAY)


def test_subject_says_what_is_inside(deps: Deps) -> None:
    composer = DigestComposer.from_deps(deps)
    sub = subscriber(deps, content=DigestContent.TRENDING, max_papers=5)
    papers = composer.choose(sub, Slot(FRIDAY, DUE), frozenset())
    mail = composer.compose(sub, papers, message_id="<d1@example.org>", period=FRIDAY)
    assert mail.subject.startswith("5 trending papers — Fri 21 Aug: ")
    assert papers[0].title[:30] in mail.subject
    one = composer.compose(sub, papers[:1], message_id="<d2@example.org>", period=FRIDAY)
    assert one.subject.startswith("1 trending paper — Fri 21 Aug: ")
    assert mail.message_id == "<d1@example.org>" and mail.to == "reader@example.org"


def test_cached_fragments_never_carry_one_reader_into_another_mail(deps: Deps) -> None:
    composer = DigestComposer.from_deps(deps)
    first = add_subscriber(deps, "ann@example.org", Preferences(max_papers=3), now=DUE)
    second = add_subscriber(deps, "bob@example.org", Preferences(max_papers=2), now=DUE)
    papers = composer.choose(first, Slot(FRIDAY, DUE), frozenset())
    to_ann = composer.compose(first, papers, message_id="<a@example.org>", period=FRIDAY)
    to_bob = composer.compose(second, papers[:2], message_id="<b@example.org>", period=FRIDAY)
    again = composer.compose(first, papers, message_id="<a@example.org>", period=FRIDAY)
    assert again == to_ann
    for mail, own, other in ((to_ann, first, second), (to_bob, second, first)):
        assert own.email in mail.text and other.email not in mail.text
        assert f"token={own.id}." in mail.text and f"token={other.id}." not in mail.text
        assert f"token={own.id}." in (mail.html or "")
    assert to_bob.subject.startswith("2 most upvoted papers")
    assert re.search(r"^ 2\. ", to_bob.text, re.M) and not re.search(r"^ 3\. ", to_bob.text, re.M)


def test_one_composer_shared_by_sending_threads_gives_each_the_same_mail(deps: Deps) -> None:
    shared = DigestComposer.from_deps(deps)
    subs = [
        add_subscriber(deps, f"r{n}@example.org", Preferences(max_papers=1 + n % 7), now=DUE)
        for n in range(40)
    ]

    def digest(composer: DigestComposer, sub: Subscription) -> object:
        papers = composer.choose(sub, Slot(FRIDAY, DUE), frozenset())
        return composer.compose(sub, papers, message_id=f"<{sub.id}@x.org>", period=FRIDAY)

    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(lambda sub: digest(shared, sub), subs * 3))
    alone = [digest(DigestComposer.from_deps(deps), sub) for sub in subs]
    assert together == alone * 3
