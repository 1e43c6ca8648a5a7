"""Signed-in visitors' list pages, rendered once and personalised per request.

A list page differs between members only in a few places: their username in the header, their
CSRF token in every form, and which vote buttons are pressed. So the page is rendered once per
(request, role, content revision, today) for a stand-in member whose username and token are
markers and whose vote buttons are undecided slots (see `pick`), and each request fills those
in with `str.replace` and one regex pass, after one query for the member's votes on the page.
Rendering the 50-card page costs ~20 ms of CPU; filling it in costs well under one.

Markers carry a random per-process nonce, so text in a paper (which is escaped, and never
holds the nonce) cannot pose as one.
"""

from __future__ import annotations

import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Collection, Hashable
from dataclasses import dataclass, replace

from markupsafe import Markup, escape

from paperboy.domain.accounts import User

_NONCE = secrets.token_hex(8)
USERNAME = f"pb{_NONCE}user"
"""Stands in for the member's username (letters and digits: the same escaped or not)."""
CSRF = f"pb{_NONCE}csrf"
_SLOT = re.compile(rf"\u27e6{_NONCE}:([^\u27e7]*)\u27e7(.*?)\u27e6\|\u27e7(.*?)\u27e6/\u27e7", re.S)
_VOTE_ACTION = re.compile(r'action="/papers/([^"/]+)/upvote"')


def pick(pressed: bool | None, arxiv_id: str, if_pressed: str, if_not: str) -> Markup:
    """`if_pressed` or `if_not` for a vote button; undecided (None) leaves a slot for later.

    Templates call it for each pressed-dependent value, so the one macro renders both the
    decided button and the slot; both alternatives are escaped here.
    """
    if pressed is None:
        start = f"\u27e6{_NONCE}:{escape(arxiv_id)}\u27e7"
        return Markup(f"{start}{escape(if_pressed)}\u27e6|\u27e7{escape(if_not)}\u27e6/\u27e7")
    return escape(if_pressed if pressed else if_not)


def stand_in(user: User) -> User:
    """The member a shared page is rendered for: `user`'s role, marker name, no votes."""
    return replace(user, id=0, username=USERNAME, email="", display_name=USERNAME)


@dataclass(frozen=True, slots=True)
class SharedPage:
    """A page rendered for a stand-in member, and the papers whose buttons are slots."""

    html: str
    arxiv_ids: tuple[str, ...]

    def personalised(self, user: User, csrf_token: str, voted: Collection[str]) -> str:
        """The page as `user` sees it: their name, their token, their pressed buttons."""
        html = self.html.replace(USERNAME, str(escape(user.username)))
        html = html.replace(CSRF, str(escape(csrf_token)))
        return _SLOT.sub(lambda m: m[2] if m[1] in voted else m[3], html)


def shared_page(html: str) -> SharedPage:
    """`html` rendered for the stand-in, with the ids of the papers it has vote buttons for."""
    return SharedPage(html, tuple(dict.fromkeys(_VOTE_ACTION.findall(html))))


class MemberPages:
    """A small LRU of shared pages; keys must say everything a page depends on."""

    def __init__(self, max_entries: int = 256) -> None:
        self.max_entries = max_entries
        self._pages: OrderedDict[Hashable, SharedPage] = OrderedDict()
        self._lock = threading.Lock()

    def page(self, key: Hashable, render: Callable[[], str]) -> SharedPage:
        """The shared page for `key`, rendered by `render` when not cached."""
        with self._lock:
            cached = self._pages.get(key)
            if cached is not None:
                self._pages.move_to_end(key)
                return cached
        page = shared_page(render())
        with self._lock:
            self._pages[key] = page
            while len(self._pages) > self.max_entries:
                self._pages.popitem(last=False)
        return page
