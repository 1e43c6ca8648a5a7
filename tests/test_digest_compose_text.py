"""Paper text for digests: math as readable text, one-line titles, excerpts, safe links, frames."""

from __future__ import annotations

import pytest

from paperboy.domain.digest_choice import digest_window, interleaved, pick
from paperboy.domain.digest_text import (
    Frame,
    author_line,
    excerpt,
    math_to_text,
    one_line,
    readable,
    slot,
)
from paperboy.domain.digests import Frequency
from paperboy.domain.models import Paper
from paperboy.domain.urls import web_url


@pytest.mark.parametrize(
    ("tex", "text"),
    [
        ("$\\alpha \\leq \\mathcal{O}(n^2)$", "α ≤ 𝒪(n²)"),
        ("$\\frac{1}{\\sqrt{d}}$", "1/√d"),
        ("$\\frac{a+b}{2}$", "(a+b)/2"),
        ("$x \\in \\mathbb{R}^{n}$", "x ∈ ℝⁿ"),
        ("$\\text{softmax}(QK^\\top)$", "softmax(QKᵀ)"),
        ("$x_{i,j}$ and $10^{-3}$", "x_(i,j) and 10⁻³"),
        ("\\(\\sim 3\\times\\) faster", "∼ 3× faster"),
        ("$$\\sum_{i=1}^{n} x_i$$", "Σᵢ₌₁ⁿ xᵢ"),
        ("50\\% and \\emph{really} \\& more", "50% and really & more"),
        ("no math, a $5 price", "no math, a $5 price"),
    ],
)
def test_math_becomes_readable_text(tex: str, text: str) -> None:
    assert math_to_text(tex) == text


def test_one_line_removes_every_line_break_and_control() -> None:
    assert one_line("A\r\nBcc: x@y\u2028C\x00D\te") == "A Bcc: x@y C D e"
    assert readable("Title with\n  $\\beta$\r\n") == "Title with β"


def test_excerpt_cuts_at_a_word_with_an_ellipsis() -> None:
    text = excerpt("word " * 100, 50)
    assert len(text) <= 50 and text.endswith("word…")
    assert excerpt("short $\\alpha$", 50) == "short α"


def test_author_line() -> None:
    assert author_line(("A",)) == "A"
    assert author_line(("A", "B", "C")) == "A, B and C"
    assert author_line(tuple("ABCDEF")) == "A, B, C, D et al."


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("https://github.com/a/b", True),
        ("javascript:alert(1)", False),
        ("JAVASCRIPT:alert(1)", False),
        ("https://x.org/a\r\nb", False),
        ("data:text/html,x", False),
        ("//evil.example", False),
        ("HTTPS://GitHub.com/a/b", True),
        ('https://x.org/"onmouseover="alert(1)', False),
        ("https://x.org/<script>", False),
        ("https://x.org/a b", False),
        ("https://", False),
        ("", False),
        (None, False),
    ],
)
def test_web_url_keeps_only_http_links(url: str | None, kept: bool) -> None:
    assert web_url(url) == (url if kept else None)


def test_frame_fills_holes_and_never_reads_markers_in_values() -> None:
    frame = Frame.of(f"<p>{slot('a')} and {slot('b')}</p>")
    assert frame.fill({"a": slot("b"), "b": "B"}) == "<p>@@slot:b@@ and B</p>"
    with pytest.raises(KeyError):
        frame.fill({"a": "x"})


def test_windows() -> None:
    monday = digest_window(Frequency.DAILY, "2026-08-24")
    assert (monday.first.isoformat(), monday.last.isoformat()) == ("2026-08-21", "2026-08-24")
    thursday = digest_window(Frequency.DAILY, "2026-08-27")
    assert thursday.first.isoformat() == "2026-08-26"
    week = digest_window(Frequency.WEEKLY, "2026-08-27")
    assert week.first.isoformat() == "2026-08-20"


def paper(arxiv_id: str) -> Paper:
    return Paper(
        arxiv_id=arxiv_id,
        version=1,
        title=arxiv_id,
        abstract="",
        authors=(),
        categories=(),
        primary_category=None,
        comments=None,
        doi=None,
        journal_ref=None,
        license=None,
        published_at=None,
        updated_at=None,
        code_url=None,
        code_stars=None,
        project_url=None,
        ai_summary=None,
        ai_keywords=(),
        withdrawn=False,
    )


def test_interleave_and_pick() -> None:
    a, b, c, d = (paper(i) for i in "abcd")
    assert interleaved([[a, b, c], [d, a]]) == [a, d, b, c]
    assert pick([a, b, c, d], frozenset({"b"}), 2) == [a, c]
