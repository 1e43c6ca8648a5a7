"""arXiv identifiers: parse every common form (bare, versioned, abs/pdf URL, old-style)."""

from __future__ import annotations

import re
from dataclasses import dataclass

_NEW = r"\d{2}(?:0[1-9]|1[0-2])\.\d{4,5}"
_OLD = r"[a-z][a-z\-]*(?:\.[A-Za-z\-]{2})?/\d{2}(?:0[1-9]|1[0-2])\d{3}"
_ID = re.compile(rf"^(?P<id>{_NEW}|{_OLD})(?:v(?P<version>\d+))?$")
_URL_PREFIX = re.compile(
    r"^(?:https?://)?(?:www\.|export\.)?(?:arxiv\.org/(?:abs|pdf|html)|"
    r"(?:huggingface\.co|hf\.co)/papers|alphaxiv\.org/(?:abs|overview))/",
    re.IGNORECASE,
)


class InvalidArxivId(ValueError):
    """The text is not an arXiv identifier in any form we know."""


@dataclass(frozen=True, slots=True)
class ArxivRef:
    """A bare arXiv id and, when the text named one, a version."""

    arxiv_id: str
    version: int | None = None

    def __str__(self) -> str:
        return self.arxiv_id if self.version is None else f"{self.arxiv_id}v{self.version}"


def parse_arxiv_id(text: str) -> ArxivRef:
    """The arXiv id in `text`: `2401.01234v2`, `arXiv:…`, abs/pdf URLs, `hep-th/9901001`."""
    cleaned = text.strip()
    cleaned = _URL_PREFIX.sub("", cleaned)
    cleaned = re.sub(r"^arxiv:", "", cleaned, flags=re.IGNORECASE)
    cleaned = re.sub(r"^oai:arXiv\.org:", "", cleaned, flags=re.IGNORECASE)
    cleaned = cleaned.split("?")[0].split("#")[0].rstrip("/")
    cleaned = re.sub(r"\.pdf$", "", cleaned)
    match = _ID.match(cleaned)
    if match is None:
        raise InvalidArxivId(f"not an arXiv id: {text[:80]!r}")
    version = match.group("version")
    return ArxivRef(match.group("id"), int(version) if version else None)


def is_arxiv_id(text: str) -> bool:
    """True when `text` parses as an arXiv id in any accepted form."""
    try:
        parse_arxiv_id(text)
    except InvalidArxivId:
        return False
    return True
