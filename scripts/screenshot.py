"""Take a screenshot of a page of the site, as a reader's browser shows it.

Serves the bundled sample of real papers from a temporary SQLite file with uvicorn on a free
local port, and photographs it with Debian's Chromium through Playwright. No network.

    .venv/bin/python scripts/screenshot.py    # docs/screenshot.png: the latest day, 1280 px
    .venv/bin/python scripts/screenshot.py --width 390 --dark --out /tmp/phone-dark.png
    .venv/bin/python scripts/screenshot.py --path /papers/2608.19880 --out /tmp/paper.png
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

from paperboy.app import build_deps, upgrade_database
from paperboy.config import load_settings
from paperboy.services.ingest import ingest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def main() -> None:
    args = parse_args()
    with tempfile.TemporaryDirectory() as folder:
        database_url = f"sqlite:///{Path(folder) / 'sample.sqlite3'}"
        latest = load_sample(database_url)
        path = args.path or f"/date/{latest.isoformat()}"
        port = free_port()
        server = serve(database_url, port)
        try:
            wait_until_up(f"http://127.0.0.1:{port}/static/style.css")
            shoot(f"http://127.0.0.1:{port}{path}", args)
        finally:
            server.terminate()
            server.wait(timeout=10)
    print(f"wrote {args.out}")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", help="page to photograph (default: the latest day's list)")
    parser.add_argument("--width", type=int, default=1280, help="viewport width in CSS pixels")
    parser.add_argument("--height", type=int, default=900, help="viewport height in CSS pixels")
    parser.add_argument("--dark", action="store_true", help="prefer the dark colour scheme")
    parser.add_argument("--full-page", action="store_true", help="the whole page, not one screen")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshot.png")
    return parser.parse_args()


def load_sample(database_url: str) -> date:
    """Import the bundled sample; the latest day it has a list for."""
    settings = load_settings(environ={}, database_url=database_url)
    upgrade_database(settings)
    deps = build_deps(settings)
    ingest(deps.store, deps.sources.bundled_sample())
    latest = deps.store.latest_list_day()
    assert latest is not None, "the bundled sample is empty"
    return latest


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def serve(database_url: str, port: int) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "paperboy.web.app:create_app_from_env",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    env = {**os.environ, "PAPERBOY_DATABASE_URL": database_url}
    return subprocess.Popen(command, env=env, cwd=ROOT)


def wait_until_up(url: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            httpx.get(url, timeout=1.0).raise_for_status()
            return
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def shoot(url: str, args: argparse.Namespace) -> None:
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(
            viewport={"width": args.width, "height": args.height},
            color_scheme="dark" if args.dark else "light",
            device_scale_factor=1,
        )
        page.goto(url)
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(args.out), full_page=args.full_page)
        browser.close()


if __name__ == "__main__":
    main()
