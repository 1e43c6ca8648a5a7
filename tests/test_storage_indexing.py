"""What the store gives search indexes: papers in change order with list facts, and titles like."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from paperboy.domain.models import EntryRecord, PaperRecord
from paperboy.services.ports import PaperStore

PUBLISHED = datetime(2026, 1, 5, tzinfo=UTC)


def paper(arxiv_id: str, title: str = "A title", **fields: object) -> PaperRecord:
    values: dict[str, object] = {
        "abstract": "An abstract.",
        "version": 1,
        "published_at": PUBLISHED,
    }
    values.update(fields)
    return PaperRecord(arxiv_id, title, **values)  # type: ignore[arg-type]


def entry(record: PaperRecord, upvotes: int, day: date = date(2026, 1, 6)) -> EntryRecord:
    return EntryRecord(record, listed_on=day, upvote_count=upvotes)


def test_papers_for_index_pages_in_change_order(store: PaperStore) -> None:
    store.upsert_papers([paper(f"2601.0000{n}") for n in range(1, 6)])
    first = store.papers_for_index(None, 2)
    rest = store.papers_for_index(first[-1].position, 10)
    assert [d.arxiv_id for d in first + rest] == [f"2601.0000{n}" for n in range(1, 6)]
    assert store.count_papers_for_index(first[-1].position) == 3
    assert store.papers_for_index(rest[-1].position, 10) == []


def test_papers_for_index_carries_list_facts(store: PaperStore) -> None:
    coded = paper(
        "2601.00001", authors=("Ada Lovelace",), categories=("cs.LG",), code_url="https://g.co/x"
    )
    store.upsert_entries([entry(coded, 3), entry(coded, 9, date(2026, 1, 7))])
    store.upsert_papers([paper("2601.00002")])
    listed, unlisted = store.papers_for_index(None, 10)
    assert (listed.has_code, listed.on_daily_list, listed.upvote_count) == (True, True, 9)
    assert (listed.authors, listed.categories) == (("Ada Lovelace",), ("cs.LG",))
    assert listed.published_at == PUBLISHED
    assert (unlisted.has_code, unlisted.on_daily_list, unlisted.upvote_count) == (False, False, 0)


def test_entry_change_moves_its_paper_on_in_change_order(store: PaperStore) -> None:
    first, second = paper("2601.00001"), paper("2601.00002")
    store.upsert_entries([entry(first, 1), entry(second, 1)])
    position = store.papers_for_index(None, 10)[-1].position
    store.upsert_entries([entry(first, 50)])
    changed = store.papers_for_index(position, 10)
    assert [(d.arxiv_id, d.upvote_count) for d in changed] == [("2601.00001", 50)]


def test_unchanged_entry_does_not_move_its_paper(store: PaperStore) -> None:
    record = paper("2601.00001")
    store.upsert_entries([entry(record, 1)])
    position = store.papers_for_index(None, 10)[-1].position
    store.upsert_entries([entry(record, 1)])
    assert store.papers_for_index(position, 10) == []


def test_titles_like_finds_the_exact_title_ignoring_case(store: PaperStore) -> None:
    store.upsert_papers([paper("2601.00001", "Attention Is All You Need"), paper("2601.00002")])
    assert store.titles_like("attention is all you need") == [("2601.00001", 1.0)]


@pytest.mark.parametrize("title", ["", "   ", "'; DROP TABLE papers;--", "%", "_", "😀"])
def test_titles_like_takes_any_text(store: PaperStore, title: str) -> None:
    store.upsert_papers([paper("2601.00001", "Attention Is All You Need")])
    assert store.titles_like(title) == []


def test_titles_like_forgives_typos_on_postgresql(postgres_url: str) -> None:
    from paperboy.storage.engine import make_engine
    from paperboy.storage.papers import SqlPaperStore

    store = SqlPaperStore(make_engine(postgres_url))
    store.upsert_papers(
        [
            paper("2601.00001", "Spiking Neural Networks Trained with Surrogate Gradients"),
            paper("2601.00002", "Graph Neural Networks for Molecules"),
        ]
    )
    found = store.titles_like("spiking nueral netwroks trained with surogate gradients")
    assert found[0][0] == "2601.00001"
    assert 0.5 < found[0][1] < 1.0
    store.engine.dispose()
