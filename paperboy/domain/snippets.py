"""Snippets: the part of an abstract that best shows why a paper matched, with the words marked.

A snippet is a list of `Segment`s, plain text each, flagged when it is a query word. Faces mark
the flagged ones (`<mark>` in a template that escapes every segment), so no HTML is ever built
from an abstract by pasting strings. Math spans (`$...$`, `\\(...\\)`) are never cut in half and
never marked inside: KaTeX renders them whole in the browser.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

_MATH = re.compile(r"\$\$.+?\$\$|\$[^$]+\$|\\\(.+?\\\)|\\\[.+?\\\]", re.DOTALL)
_MIN_PREFIX = 3  # shorter words are marked only when whole: "a" must not light up "attention"


@dataclass(frozen=True, slots=True)
class Segment:
    """A piece of a snippet; `is_match` when it is one of the query's words."""

    text: str
    is_match: bool = False


def query_words(terms: Iterable[str], phrases: Iterable[str] = ()) -> list[str]:
    """The distinct words to mark: free terms and the words of phrases, longest first."""
    words = {w.lower() for w in terms if w}
    words.update(w.lower() for phrase in phrases for w in phrase.split() if w)
    return sorted(words, key=lambda w: (-len(w), w))


def snippet(text: str, words: Sequence[str], *, width: int = 280) -> list[Segment]:
    """About `width` characters of `text` around its densest run of `words`, the words marked.

    Text is flattened first (abstracts wrap at 80 columns). A cut end gets an ellipsis; with no
    match at all the snippet is the start of the text.
    """
    flat = " ".join(text.split())
    maths = [m.span() for m in _MATH.finditer(flat)]
    matches = [span for span in _matches(flat, words) if not _inside(span, maths)]
    start, end = _window(flat, matches, width)
    start, end = _word_bounds(flat, start, end)
    start, end = _outside_math(start, end, maths)
    segments: list[Segment] = [Segment("…")] if start > 0 else []
    cursor = start
    for left, right in matches:
        if left < start or right > end:
            continue
        if left > cursor:
            segments.append(Segment(flat[cursor:left]))
        segments.append(Segment(flat[left:right], True))
        cursor = right
    if end > cursor:
        segments.append(Segment(flat[cursor:end]))
    if end < len(flat):
        segments.append(Segment("…"))
    return segments


def _matches(text: str, words: Sequence[str]) -> list[tuple[int, int]]:
    """Spans of `words` in `text`: whole words, or word starts for words of 3+ letters."""
    if not words:
        return []
    alternatives = [
        re.escape(w) + (r"\w*" if len(w) >= _MIN_PREFIX else r"\b") for w in words if w.strip()
    ]
    if not alternatives:
        return []
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + ")", re.IGNORECASE)
    return [m.span() for m in pattern.finditer(text) if m.end() > m.start()]


def _inside(span: tuple[int, int], maths: Sequence[tuple[int, int]]) -> bool:
    return any(left < span[1] and span[0] < right for left, right in maths)


def _window(text: str, matches: Sequence[tuple[int, int]], width: int) -> tuple[int, int]:
    """The `width`-long stretch holding the most matches, started a little before the first."""
    if len(text) <= width:
        return 0, len(text)
    if not matches:
        return 0, width
    best_start, best_count = matches[0][0], 0
    for index, (left, _) in enumerate(matches):
        count = sum(1 for other, _ in matches[index:] if other < left + width)
        if count > best_count:
            best_start, best_count = left, count
    start = max(0, best_start - width // 5)
    end = min(len(text), start + width)
    return max(0, end - width), end


def _outside_math(start: int, end: int, maths: Sequence[tuple[int, int]]) -> tuple[int, int]:
    """Widen the window so that no math span is cut."""
    for left, right in maths:
        if left < start < right:
            start = left
        if left < end < right:
            end = right
    return start, end


def _word_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """Move the ends outwards-then-inwards to whitespace so no word is cut in half."""
    if start > 0 and not text[start - 1].isspace():
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < end else start
    if end < len(text) and not text[end].isspace():
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    return start, end
