"""Signed-in visitors' list pages, rendered once and personalised per request.

A list page differs between members only in a few places: their username in the header, their
CSRF token in every form, and which vote buttons are pressed. So the page is rendered once per
(request, role, content revision, today) for a stand-in member whose username and token are
markers and whose vote buttons are undecided slots (see `pick`). The render is cut once at
those markers into UTF-8 pieces, and each request fills the holes in and joins the pieces,
after one query for the member's votes on the page. Rendering the 50-card page costs ~20 ms
of CPU; filling it in ~0.05 ms (replacing markers in the 100 kB text took ~1 ms).

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
from typing import Any, TypeVar, cast

from markupsafe import Markup, escape

from paperboy.domain.accounts import User

_NONCE = secrets.token_hex(8)
USERNAME = f"pb{_NONCE}user"
"""Stands in for the member's username (letters and digits: the same escaped or not)."""
CSRF = f"pb{_NONCE}csrf"
_SLOT = rf"\u27e6{_NONCE}:([^\u27e7]*)\u27e7(.*?)\u27e6\|\u27e7(.*?)\u27e6/\u27e7"
_MARKER = re.compile(rf"{USERNAME}|{CSRF}|{_SLOT}", re.S)
_VOTE_ACTION = re.compile(r'action="/papers/([^"/]+)/upvote"')
T = TypeVar("T")


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
class _Slot:
    """A vote button's undecided value: `pressed` if the member upvoted `arxiv_id`, else `not_`."""

    index: int
    arxiv_id: str
    pressed: bytes
    not_: bytes


@dataclass(frozen=True, slots=True)
class SharedPage:
    """A page rendered for a stand-in member, cut once at its markers into UTF-8 pieces.

    `pieces` is the page with a placeholder piece wherever the username, the CSRF token or a
    vote slot goes; filling it in is a list copy, a few assignments and one `bytes.join`.
    """

    pieces: tuple[bytes, ...]
    usernames: tuple[int, ...]
    csrf_tokens: tuple[int, ...]
    slots: tuple[_Slot, ...]
    arxiv_ids: tuple[str, ...]

    def personalised(self, user: User, csrf_token: str, voted: Collection[str]) -> bytes:
        """The page (UTF-8) as `user` sees it: their name, their token, their pressed buttons."""
        pieces = list(self.pieces)
        name = str(escape(user.username)).encode()
        for index in self.usernames:
            pieces[index] = name
        token = str(escape(csrf_token)).encode()
        for index in self.csrf_tokens:
            pieces[index] = token
        for slot in self.slots:
            pieces[slot.index] = slot.pressed if slot.arxiv_id in voted else slot.not_
        return b"".join(pieces)


def shared_page(html: str) -> SharedPage:
    """`html` rendered for the stand-in, cut at its markers (see `SharedPage`)."""
    pieces: list[bytes] = []
    usernames: list[int] = []
    csrf_tokens: list[int] = []
    slots: list[_Slot] = []
    end = 0
    for match in _MARKER.finditer(html):
        pieces.append(html[end : match.start()].encode())
        end = match.end()
        index = len(pieces)
        pieces.append(b"")
        if match[0] == USERNAME:
            usernames.append(index)
        elif match[0] == CSRF:
            csrf_tokens.append(index)
        else:
            if _NONCE in match[2] or _NONCE in match[3]:
                raise ValueError("a vote slot's alternatives may not hold a marker")
            slots.append(_Slot(index, match[1], match[2].encode(), match[3].encode()))
    pieces.append(html[end:].encode())
    arxiv_ids = tuple(dict.fromkeys(_VOTE_ACTION.findall(html)))
    return SharedPage(tuple(pieces), tuple(usernames), tuple(csrf_tokens), tuple(slots), arxiv_ids)


class MemberPages:
    """Small LRUs of shared pages and of facts they need; keys must say all a value depends on."""

    def __init__(self, max_entries: int = 256) -> None:
        self.max_entries = max_entries
        self._pages: OrderedDict[Hashable, SharedPage] = OrderedDict()
        self._facts: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()

    def page(self, key: Hashable, render: Callable[[], str]) -> SharedPage:
        """The shared page for `key`, rendered by `render` when not cached."""
        return cast(SharedPage, self._cached(self._pages, key, lambda: shared_page(render())))

    def fact(self, key: Hashable, compute: Callable[[], T]) -> T:
        """`compute()`, remembered under `key` (e.g. which day "today" shows, per revision)."""
        return cast(T, self._cached(self._facts, key, compute))

    def _cached(
        self, lru: OrderedDict[Hashable, Any], key: Hashable, make: Callable[[], Any]
    ) -> Any:
        with self._lock:
            if key in lru:
                lru.move_to_end(key)
                return lru[key]
        value = make()  # outside the lock: a render takes milliseconds
        with self._lock:
            lru[key] = value
            while len(lru) > self.max_entries:
                lru.popitem(last=False)
        return value
