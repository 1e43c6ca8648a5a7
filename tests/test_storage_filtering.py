"""`matching_ids`: search filters in SQL agree with `SearchFilters.admits`, on both engines."""

from __future__ import annotations

from datetime import date

import pytest

from paperboy.domain.search import SearchFilters
from paperboy.storage.papers import SqlPaperStore
from tests.support.search_corpus import load_recorded_papers, recorded_ids

FILTERS = [
    SearchFilters(category="cs.CL"),
    SearchFilters(category="CS.cv"),
    SearchFilters(category="cs"),
    SearchFilters(author="zhang"),
    SearchFilters(author="Wang, Y"),
    SearchFilters(author="50%_\\"),
    SearchFilters(has_code=True),
    SearchFilters(has_code=False, on_daily_list=True),
    SearchFilters(on_daily_list=False),
    SearchFilters(published_from=date(2025, 9, 1), published_to=date(2025, 9, 4)),
    SearchFilters(published_to=date(2024, 12, 31)),
]


@pytest.fixture
def loaded(store: SqlPaperStore) -> SqlPaperStore:
    load_recorded_papers(store)
    return store


@pytest.mark.parametrize("filters", FILTERS, ids=str)
def test_matching_ids_agrees_with_admits(loaded: SqlPaperStore, filters: SearchFilters) -> None:
    papers = loaded.papers_by_ids(recorded_ids())
    expected = {i for i, (paper, _, day) in papers.items() if filters.admits(paper, day)}
    assert loaded.matching_ids(None, filters) == expected
    some = recorded_ids()[::3]
    assert loaded.matching_ids(some, filters) == expected & set(some)


def test_matching_ids_of_no_candidates_is_empty(loaded: SqlPaperStore) -> None:
    assert loaded.matching_ids([], SearchFilters(has_code=True)) == set()
