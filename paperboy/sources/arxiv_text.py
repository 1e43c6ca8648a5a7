"""Text conventions shared by the arXiv formats: author lists, whitespace, withdrawals."""

from __future__ import annotations

import re

_AND = re.compile(r",?\s+and\s+|\s*,\s*|\s*;\s*")
_WITHDRAWN = re.compile(
    r"\b(this (paper|article|submission) (has been|is) withdrawn|withdrawn by)", re.I
)


def squash(text: str) -> str:
    """Whitespace folded to single spaces (titles wrap with newlines and indents in arXiv feeds)."""
    return " ".join(text.split())


def split_authors(text: str) -> list[str]:
    """Names from arXiv's author string: `A. One, B. Two, and C. Three` or with `and` only.

    Parenthesised affiliations (`A. One (MIT)`) are dropped; commas inside them do not split.
    """
    without_affiliations = _strip_parentheses(squash(text))
    return [name for name in (n.strip() for n in _AND.split(without_affiliations)) if name]


def is_withdrawn(comments: str | None, abstract: str = "") -> bool:
    """True when arXiv's comments or abstract say the paper was withdrawn."""
    return bool(_WITHDRAWN.search(comments or "") or _WITHDRAWN.search(abstract[:300]))


def _strip_parentheses(text: str) -> str:
    out: list[str] = []
    depth = 0
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")" and depth:
            depth -= 1
        elif depth == 0:
            out.append(char)
    return squash("".join(out))
