"""Recorded arXiv responses from tests/data, as replies for the local HTTP server."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from tests.support.http_server import Reply

DATA = Path(__file__).parent.parent / "data"
ATOM = {"Content-Type": "application/atom+xml; charset=utf-8"}
XML = {"Content-Type": "text/xml; charset=utf-8"}


def recorded_exchange(name: str) -> tuple[dict[str, str], Reply]:
    """The query and the reply of a recorded `{url, status_code, body}` export-API exchange.

    The recorder stored the body decoded as Latin-1 (`Wübben` reads `WÃ¼bben`), so encoding it
    back to Latin-1 gives the very bytes arXiv sent, which are UTF-8.
    """
    raw = json.loads((DATA / "arxiv-api" / name).read_text(encoding="utf-8"))
    query = dict(parse_qsl(urlsplit(raw["url"]).query, keep_blank_values=True))
    return query, Reply(raw["status_code"], raw["body"].encode("latin-1"), dict(ATOM))


def recorded_reply(name: str) -> Reply:
    """The reply of one recorded export-API exchange."""
    return recorded_exchange(name)[1]


def xml_reply(folder: str, name: str, status: int = 200) -> Reply:
    """A recorded XML body served as it was saved."""
    headers = ATOM if folder == "arxiv-api" else XML
    return Reply(status, (DATA / folder / name).read_bytes(), dict(headers))
