"""`paperboy serve` hands its own settings (TOML file, --database-url) to the served app."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import httpx

from tests.support.live_server import ROOT, free_port, server_environment, wait_until_serving

PAPERBOY = Path(sys.executable).parent / "paperboy"


def test_serve_applies_the_config_file_given_on_the_command_line(
    sqlite_template: Path, tmp_path: Path
) -> None:
    database = tmp_path / "db.sqlite3"
    shutil.copy(sqlite_template, database)
    config = tmp_path / "paperboy.toml"
    config.write_text('[paperboy]\nsite_name = "Papers from TOML"\nrun_jobs = false\n')
    port = free_port()
    command = [str(PAPERBOY), "--config", str(config), "--database-url", f"sqlite:///{database}"]
    command += ["serve", "--port", str(port)]
    server = subprocess.Popen(command, env=server_environment(), cwd=ROOT)
    try:
        wait_until_serving(server, f"http://127.0.0.1:{port}/static/style.css")
        page = httpx.get(f"http://127.0.0.1:{port}/", timeout=10, follow_redirects=True)
        assert "Papers from TOML" in page.text
    finally:
        server.terminate()
        server.wait(timeout=10)
