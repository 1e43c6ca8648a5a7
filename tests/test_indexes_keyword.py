"""The tantivy keyword index alone: ranking, phrases, exclusions, typos, filters, sorts, junk."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from paperboy.app import SAMPLE_PATH
from paperboy.domain.indexing import IndexDocument, SyncPosition, SyncState
from paperboy.domain.models import EntryRecord
from paperboy.domain.search import (
    MAX_QUERY_CHARS,
    QueryTooLong,
    SearchFilters,
    SearchSort,
    parse_query,
)
from paperboy.indexes.keyword import (
    STATE_FILE,
    IndexBusy,
    IndexSchemaChanged,
    TantivyKeywordIndex,
)
from paperboy.sources.daily_papers import DailyPapersBundle

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def doc(arxiv_id: str, title: str, abstract: str, **fields: object) -> IndexDocument:
    values: dict[str, object] = {
        "paper_id": int(arxiv_id.replace(".", "")) % 100_000,
        "authors": ("Ada Lovelace",),
        "categories": ("cs.LG",),
        "published_at": datetime(2024, 1, 1, tzinfo=UTC),
        "modified_at": NOW,
        "has_code": False,
        "on_daily_list": False,
        "upvote_count": 0,
    }
    values.update(fields)
    return IndexDocument(arxiv_id=arxiv_id, title=title, abstract=abstract, **values)  # type: ignore[arg-type]


CORPUS = [
    doc(
        "2401.00001",
        "Attention is all you need for sequence transduction",
        "We propose the Transformer, a network based solely on attention mechanisms.",
        authors=("Ashish Vaswani", "Noam Shazeer"),
        categories=("cs.CL", "cs.LG"),
        published_at=datetime(2017, 6, 12, tzinfo=UTC),
        has_code=True,
        on_daily_list=True,
        upvote_count=40,
    ),
    doc(
        "2401.00002",
        "Spiking neural networks trained with surrogate gradients",
        "Surrogate gradient learning lets spiking networks be trained end to end.",
        authors=("Friedemann Zenke",),
        categories=("q-bio.NC",),
        published_at=datetime(2021, 3, 1, tzinfo=UTC),
        upvote_count=3,
    ),
    doc(
        "2401.00003",
        "Graph neural networks for molecules",
        "Message passing networks predict properties of molecules; neural graph models.",
        authors=("Justin Gilmer",),
        categories=("cs.LG", "physics.chem-ph"),
        published_at=datetime(2023, 5, 1, tzinfo=UTC),
        on_daily_list=True,
        upvote_count=12,
    ),
    doc(
        "2401.00004",
        "Networks of neural oscillators",
        "Coupled oscillators form networks; graph structure shapes synchrony.",
        published_at=datetime(2025, 1, 1, tzinfo=UTC),
        has_code=True,
        upvote_count=1,
    ),
]


def build(path: Path, documents: list[IndexDocument]) -> TantivyKeywordIndex:
    index = TantivyKeywordIndex(path, reload_seconds=0)
    with index.writing() as writer:
        writer.replace(documents)
        writer.commit(SyncState(max(d.position for d in documents), NOW))
    return index


@pytest.fixture
def index(tmp_path: Path) -> TantivyKeywordIndex:
    return build(tmp_path / "keyword", CORPUS)


def ids(
    index: TantivyKeywordIndex,
    query: str,
    sort: SearchSort = SearchSort.RELEVANCE,
    **filters: object,
) -> list[str]:
    found = index.search(parse_query(query), SearchFilters(**filters), 10, sort)  # type: ignore[arg-type]
    return [hit.arxiv_id for hit in found]


def sample_documents() -> Iterator[IndexDocument]:
    for number, (item, _) in enumerate(DailyPapersBundle(SAMPLE_PATH).records(None)):
        if isinstance(item, EntryRecord):
            paper = item.paper
            yield doc(
                paper.arxiv_id, paper.title, paper.abstract, paper_id=number, authors=paper.authors
            )


@pytest.fixture(scope="module")
def sample_index(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[TantivyKeywordIndex, dict[str, str]]:
    documents = {d.arxiv_id: d for d in sample_documents()}
    index = build(tmp_path_factory.mktemp("sample") / "keyword", list(documents.values()))
    return index, {arxiv_id: d.title for arxiv_id, d in documents.items()}


def test_keyword_every_sample_title_finds_its_paper_first(
    sample_index: tuple[TantivyKeywordIndex, dict[str, str]],
) -> None:
    index, titles = sample_index
    assert len(titles) > 500
    missed = [a for a, title in titles.items() if ids(index, title[:MAX_QUERY_CHARS])[:1] != [a]]
    assert missed == []


def test_keyword_title_outweighs_abstract(index: TantivyKeywordIndex) -> None:
    assert ids(index, "graph networks")[0] == "2401.00003"


def test_keyword_free_words_match_any(index: TantivyKeywordIndex) -> None:
    assert set(ids(index, "molecules surrogate")) == {"2401.00002", "2401.00003"}


def test_keyword_phrase_must_match(index: TantivyKeywordIndex) -> None:
    assert set(ids(index, '"neural networks"')) == {"2401.00002", "2401.00003"}
    assert ids(index, 'graph "surrogate gradients"') == ["2401.00002"]


def test_keyword_words_beside_a_phrase_only_rank(index: TantivyKeywordIndex) -> None:
    assert ids(index, 'graph "neural networks"') == ["2401.00003", "2401.00002"]


def test_keyword_minus_word_excludes(index: TantivyKeywordIndex) -> None:
    assert "2401.00003" in ids(index, "networks")
    assert "2401.00003" not in ids(index, "networks -molecules")
    assert "2401.00004" not in ids(index, 'networks -"neural oscillators"')


@pytest.mark.parametrize("typo", ["transfromer", "surogate", "moleculs"])
def test_keyword_typo_still_finds_the_word(index: TantivyKeywordIndex, typo: str) -> None:
    assert ids(index, typo) != []


def test_keyword_short_typo_is_not_fuzzed(index: TantivyKeywordIndex) -> None:
    assert ids(index, "grah") == []


def test_keyword_stems_plurals(index: TantivyKeywordIndex) -> None:
    assert ids(index, "transformers") == ["2401.00001"]


def test_keyword_finds_authors(index: TantivyKeywordIndex) -> None:
    assert ids(index, "zenke") == ["2401.00002"]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"published_from": date(2022, 1, 1)}, {"2401.00003", "2401.00004"}),
        ({"published_to": date(2021, 3, 1)}, {"2401.00001", "2401.00002"}),
        (
            {"published_from": date(2021, 3, 1), "published_to": date(2023, 5, 1)},
            {"2401.00002", "2401.00003"},
        ),
        ({"category": "cs.LG"}, {"2401.00001", "2401.00003", "2401.00004"}),
        ({"category": "physics"}, {"2401.00003"}),
        ({"category": "q-bio.nc"}, {"2401.00002"}),
        ({"author": "Gilmer"}, {"2401.00003"}),
        ({"author": "n shaz"}, {"2401.00001"}),
        ({"has_code": True}, {"2401.00001", "2401.00004"}),
        ({"has_code": False}, {"2401.00002", "2401.00003"}),
        ({"on_daily_list": True}, {"2401.00001", "2401.00003"}),
        ({"on_daily_list": False, "has_code": True}, {"2401.00004"}),
    ],
)
def test_keyword_filters(
    index: TantivyKeywordIndex, filters: dict[str, object], expected: set[str]
) -> None:
    assert set(ids(index, "networks attention", **filters)) == expected  # type: ignore[arg-type]


def test_keyword_empty_query_lists_filter_matches_newest_first(index: TantivyKeywordIndex) -> None:
    assert ids(index, "", category="cs.LG") == ["2401.00004", "2401.00003", "2401.00001"]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        (SearchSort.NEWEST, ["2401.00004", "2401.00003", "2401.00002"]),
        (SearchSort.UPVOTES, ["2401.00003", "2401.00002", "2401.00004"]),
    ],
)
def test_keyword_sorts_matches_of_every_word(
    index: TantivyKeywordIndex, sort: SearchSort, expected: list[str]
) -> None:
    assert ids(index, "neural networks", sort) == expected


NASTY = [
    "",
    "   ",
    "!!! ??? ...",
    '"',
    '"unclosed phrase',
    "(",
    "((a OR b) AND NOT c)",
    "NEAR(a b, 3)",
    "a NEAR b",
    "*",
    "neur*",
    ":",
    "title:attention",
    "'; DROP TABLE papers;--",
    "1 OR 1=1",
    "😀 🚀 transformers",
    "$\\alpha$-stable $\\mathbb{R}^n$ \\frac{1}{2}",
    "-",
    "--",
    '- -""',
    "^~!@#$%&{}[]|\\/<>",
    "x" * MAX_QUERY_CHARS,
    "word " * (MAX_QUERY_CHARS // 5),
]


@pytest.mark.parametrize("raw", NASTY)
def test_keyword_nasty_input_returns_without_error(index: TantivyKeywordIndex, raw: str) -> None:
    for sort in SearchSort:
        found = index.search(parse_query(raw), SearchFilters(author=raw or None), 10, sort)
        assert isinstance(found, list)


def test_keyword_ten_thousand_characters_are_refused_before_the_index() -> None:
    with pytest.raises(QueryTooLong):
        parse_query("a" * 10_000)


def test_keyword_replace_keeps_one_copy_per_arxiv_id(index: TantivyKeywordIndex) -> None:
    changed = replace(CORPUS[1], abstract="Entirely rewritten about photosynthesis.")
    with index.writing() as writer:
        writer.replace([changed, changed])
        writer.commit(SyncState(None, NOW))
    assert index.document_count() == len(CORPUS)
    assert ids(index, "photosynthesis") == ["2401.00002"]
    assert ids(index, "end to end") == []


def test_keyword_uncommitted_changes_are_dropped_on_error(index: TantivyKeywordIndex) -> None:
    with pytest.raises(RuntimeError), index.writing() as writer:
        writer.replace([doc("2401.00009", "Lost paper", "Never committed.")])
        raise RuntimeError("crash")
    assert ids(index, "lost") == []
    assert index.document_count() == len(CORPUS)


def test_keyword_reader_sees_another_writers_commit(index: TantivyKeywordIndex) -> None:
    assert ids(index, "photosynthesis") == []
    other = TantivyKeywordIndex(index.path)
    with other.writing() as writer:
        writer.replace([doc("2401.00010", "Photosynthesis", "Leaves.")])
        writer.commit(SyncState(None, NOW))
    assert ids(index, "photosynthesis") == ["2401.00010"]


def test_keyword_missing_index_answers_nothing(tmp_path: Path) -> None:
    assert TantivyKeywordIndex(tmp_path / "none").search(parse_query("a"), SearchFilters(), 5) == []


def test_keyword_state_round_trips(index: TantivyKeywordIndex) -> None:
    position = SyncPosition(NOW, 42)
    with index.writing() as writer:
        writer.commit(SyncState(position, NOW))
    with index.writing() as writer:
        assert writer.state() == SyncState(position, NOW)


def test_keyword_other_schema_needs_a_fresh_build(index: TantivyKeywordIndex) -> None:
    (index.path / STATE_FILE).write_text(json.dumps({"schema": 0}))
    with pytest.raises(IndexSchemaChanged), index.writing():
        pass
    with index.writing(fresh=True) as writer:
        writer.replace(CORPUS[:1])
        writer.commit(SyncState(None, NOW))
    assert index.document_count() == 1


def test_keyword_stop_words_only_rank_when_alone(index: TantivyKeywordIndex) -> None:
    assert ids(index, "networks of the") == ids(index, "networks")
    assert set(ids(index, "for")) == {"2401.00001", "2401.00003"}


def test_keyword_one_writer_at_a_time(index: TantivyKeywordIndex) -> None:
    with index.writing(), pytest.raises(IndexBusy), TantivyKeywordIndex(index.path).writing():
        pass
    with index.writing() as writer:  # the lock went with the first session
        writer.commit(SyncState(None, NOW))
