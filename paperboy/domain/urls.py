"""Links that come from outside (a paper's code, project or licence URL) made safe to show."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# whitespace, controls, and the characters that could end an attribute or a tag
_UNSAFE = re.compile(r"[\s\x00-\x1f\x7f-\x9f<>\"'`\\]")


def web_url(url: str | None) -> str | None:
    """`url` when it is an absolute http(s) link with a host and nothing unsafe in it, else None.

    Such links reach an `href` on pages, in feeds and in emails: `javascript:`, `data:`, a
    scheme-relative `//host` or a value that could break out of the attribute never does.
    """
    if not url:
        return None
    text = url.strip()
    if _UNSAFE.search(text):
        return None
    parts = urlsplit(text)
    return text if parts.scheme.lower() in {"http", "https"} and parts.netloc else None
