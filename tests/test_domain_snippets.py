"""Snippets, title matching and filter checks: the pure parts of search."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from paperboy.domain.models import Paper
from paperboy.domain.search import SearchFilters, is_same_title, normalized_title
from paperboy.domain.snippets import Segment, query_words, snippet

LONG = " ".join(f"word{n}" for n in range(200))


def marked(segments: list[Segment]) -> list[str]:
    return [s.text for s in segments if s.is_match]


def test_snippet_marks_whole_words_and_word_starts() -> None:
    segments = snippet("Networks of spiking neurons; a network.", ["network", "a"])
    assert marked(segments) == ["Networks", "a", "network"]
    assert "".join(s.text for s in segments) == "Networks of spiking neurons; a network."


def test_snippet_centres_on_the_matches_and_marks_cuts() -> None:
    segments = snippet(f"{LONG} surrogate gradients {LONG}", ["surrogate"], width=120)
    text = "".join(s.text for s in segments)
    assert text.startswith("…") and text.endswith("…") and len(text) < 200
    assert marked(segments) == ["surrogate"]


def test_snippet_never_cuts_or_marks_inside_math() -> None:
    abstract = f"{LONG[:260]} $\\alpha$-divergence with $x + alpha y$ terms {LONG}"
    segments = snippet(abstract, ["alpha"], width=60)
    text = "".join(s.text for s in segments)
    assert text.count("$") % 2 == 0
    assert all("$" not in s for s in marked(segments))


def test_snippet_without_words_is_the_start() -> None:
    segments = snippet(LONG, [], width=50)
    assert segments[0].text.startswith("word0") and segments[-1].text == "…"


def test_query_words_include_phrase_words_longest_first() -> None:
    assert query_words(["gan"], ["state space"]) == ["space", "state", "gan"]


@pytest.mark.parametrize(
    ("query", "title", "same"),
    [
        ("attention is all you need", "Attention Is All You Need", True),
        ("Attention is all you need!", "Attention Is All You Need", True),
        ("Video-Ma^2mba", "Video-Ma$^2$mba", True),
        ("attention", "Attention Is All You Need", False),
        (
            "a unified model for robot interaction",
            "A Unified Model for Robot Interaction, Reasoning",
            False,
        ),
        (
            "robix a unified modle for robot interaction",
            "Robix: A Unified Model for Robot Interaction",
            True,
        ),
        ("gans", "GAN", False),
    ],
)
def test_is_same_title(query: str, title: str, same: bool) -> None:
    assert is_same_title(query, title) is same


def test_normalized_title_drops_case_punctuation_and_spaces() -> None:
    assert normalized_title("  Free^2Guide:   Gradient-Free ") == "free 2guide gradient free"


def paper(**fields: object) -> Paper:
    values: dict[str, object] = dict(
        arxiv_id="2401.00001",
        version=1,
        title="t",
        abstract="a",
        authors=("Geoffrey Hinton",),
        categories=("cs.LG", "stat.ML"),
        primary_category="cs.LG",
        comments=None,
        doi=None,
        journal_ref=None,
        license=None,
        published_at=datetime(2024, 1, 5, tzinfo=UTC),
        updated_at=None,
        code_url=None,
        code_stars=None,
        project_url=None,
        ai_summary=None,
        ai_keywords=(),
        withdrawn=False,
    )
    values.update(fields)
    return Paper(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("filters", "admitted"),
    [
        (SearchFilters(), True),
        (SearchFilters(category="stat.ml"), True),
        (SearchFilters(category="cs"), False),
        (SearchFilters(author="g hinton"), True),
        (SearchFilters(author="Hinton"), True),
        (SearchFilters(author="Hintonx"), False),
        (SearchFilters(published_from=date(2024, 1, 5), published_to=date(2024, 1, 5)), True),
        (SearchFilters(published_from=date(2024, 1, 6)), False),
        (SearchFilters(has_code=True), False),
        (SearchFilters(on_daily_list=False), True),
    ],
)
def test_filters_admit(filters: SearchFilters, admitted: bool) -> None:
    assert filters.admits(paper(), None) is admitted
