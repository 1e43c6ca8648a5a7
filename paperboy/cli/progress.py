"""A progress bar on stderr: count, total, rate and time left; one line a few seconds when piped."""

from __future__ import annotations

import sys
import time
from typing import TextIO

_REDRAW_SECONDS = 0.2
_PIPED_SECONDS = 5.0


class TerminalProgress:
    """`Progress` for the CLI. Redraws in place on a terminal, prints periodic lines otherwise."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.label = ""
        self.total: int | None = None
        self.done = 0
        self._started = 0.0
        self._drawn = 0.0
        self._tty = self.stream.isatty()

    def start(self, total: int | None, label: str) -> None:
        self.total, self.label, self.done = total, label, 0
        self._started = self._drawn = time.monotonic()

    def advance(self, count: int) -> None:
        self.done += count
        now = time.monotonic()
        if now - self._drawn >= (_REDRAW_SECONDS if self._tty else _PIPED_SECONDS):
            self._drawn = now
            self._draw(now, final=False)

    def finish(self) -> None:
        self._draw(time.monotonic(), final=True)

    def _draw(self, now: float, *, final: bool) -> None:
        line = describe(self.done, self.total, now - self._started, self.label)
        if self._tty:
            self.stream.write("\r\x1b[2K" + line + ("\n" if final else ""))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


def describe(done: int, total: int | None, elapsed: float, label: str) -> str:
    """`label  12,000/74,728  16%  5,210/s  left 0:10` (total and time left when known)."""
    rate = done / elapsed if elapsed > 0 else 0.0
    parts = [_short(label), f"{done:,}" + (f"/{total:,}" if total else "")]
    if total:
        parts.append(f"{min(100, 100 * done // max(total, 1))}%")
    parts.append(f"{rate:,.0f}/s")
    if total and rate > 0 and done < total:
        parts.append(f"left {_clock((total - done) / rate)}")
    parts.append(f"elapsed {_clock(elapsed)}")
    return "  ".join(parts)


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _short(label: str, width: int = 40) -> str:
    return label if len(label) <= width else "…" + label[-(width - 1) :]
