"""The app in a real server and a real browser: uvicorn in a subprocess, Debian's Chromium.

Shared by the browser tests: the `browser` fixture (import `chromium_browser` into a test module),
`served_app` (the app as `paperboy serve` runs it, `create_app_from_env`, on a free port) and
`open_page` (a fresh browser context that records console errors and failed loads).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from tests.conftest import need

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ROOT = Path(__file__).parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until_serving(server: subprocess.Popen[bytes], url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with status {server.returncode}")
        try:
            httpx.get(url, timeout=1.0).raise_for_status()
            return
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def server_environment(**settings: str) -> dict[str, str]:
    """This process's environment without any PAPERBOY_* variable, plus `settings` as them."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERBOY_")}
    env.update({f"PAPERBOY_{name.upper()}": value for name, value in settings.items()})
    return env


@contextmanager
def served_app(env: Mapping[str, str], port: int | None = None) -> Iterator[str]:
    """The base URL of the app served by uvicorn in a subprocess with `env` until the block ends."""
    port = port or free_port()
    command = [sys.executable, "-m", "uvicorn", "--factory", "paperboy.web.app:create_app_from_env"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    server = subprocess.Popen(command, env=dict(env), cwd=ROOT)
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(server, f"{base_url}/static/style.css")
        yield base_url
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(scope="module", name="browser")
def chromium_browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, driven by Playwright (which cannot download its own here)."""
    need(CHROMIUM.exists(), f"Debian's Chromium is not installed at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        need(False, "the playwright package is not installed")
        raise
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@contextmanager
def open_page(browser: Browser, base_url: str, errors: list[str], **options: Any) -> Iterator[Page]:
    """A page in a fresh browser context that records console errors into `errors`."""
    context = browser.new_context(base_url=base_url, **options)
    page = context.new_page()
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    try:
        yield page
    finally:
        context.close()
