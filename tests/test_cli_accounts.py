"""`paperboy users`: the first admin, listing, roles and bans, on a real SQLite file."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from paperboy.app import build_deps
from paperboy.cli import cli
from paperboy.config import load_settings
from paperboy.domain.accounts import AccountStatus, Role

Run = Callable[..., Result]


@pytest.fixture
def url(tmp_path: Path) -> str:
    database = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    CliRunner().invoke(cli, ["--database-url", database, "db", "upgrade"], catch_exceptions=False)
    return database


@pytest.fixture
def run(url: str) -> Run:
    def invoke(*args: str, input: str | None = None) -> Result:
        return CliRunner().invoke(cli, ["--database-url", url, *args], input=input)

    return invoke


def test_users_add_first_admin_from_stdin(run: Run, url: str) -> None:
    result = run(
        "users",
        "add",
        "ada",
        "Ada@Example.org",
        "--admin",
        "--password-stdin",
        input="a long admin password\n",
    )
    assert result.exit_code == 0, result.output
    assert "added ada (admin)" in result.output
    deps = build_deps(load_settings(environ={}, database_url=url))
    user = deps.accounts.authenticate("ada", "a long admin password")
    assert user.role is Role.ADMIN and user.email == "ada@example.org"
    assert user.email_verified_at is not None


def test_users_add_prompts_twice(run: Run) -> None:
    result = run(
        "users", "add", "bob", "bob@example.org", input="long password 1\nlong password 1\n"
    )
    assert result.exit_code == 0, result.output
    assert "added bob (member)" in result.output


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (("admin", "a@example.org"), "username: The username 'admin' is reserved."),
        (("ada", "not-an-address"), "email:"),
    ],
)
def test_users_add_names_the_bad_value(run: Run, args: tuple[str, str], problem: str) -> None:
    result = run("users", "add", *args, "--password-stdin", input="a long enough password")
    assert result.exit_code == 1
    assert problem in result.output


def test_users_add_short_password_refused(run: Run) -> None:
    result = run("users", "add", "ada", "ada@example.org", "--password-stdin", input="short")
    assert result.exit_code == 1 and "password: A password has at least 10" in result.output


def test_users_list_set_role_ban(run: Run, url: str) -> None:
    for name in ("ada", "bob"):
        run("users", "add", name, f"{name}@example.org", "--password-stdin", input="long password!")
    assert "bob is now curator" in run("users", "set-role", "bob", "curator").output
    assert "ada is now banned" in run("users", "ban", "ada").output
    listed = json.loads(run("users", "list", "--json").output)
    assert [(u["username"], u["role"], u["status"]) for u in listed] == [
        ("ada", "member", "banned"),
        ("bob", "curator", "active"),
    ]
    assert "ada is now active" in run("users", "unban", "ada").output
    text = run("users", "list").output
    assert "ada" in text and "curator" in text
    deps = build_deps(load_settings(environ={}, database_url=url))
    ada = deps.accounts.find("ada")
    assert ada is not None and ada.status is AccountStatus.ACTIVE


def test_users_unknown_member(run: Run) -> None:
    result = run("users", "ban", "nobody")
    assert result.exit_code == 1 and "no member named 'nobody'" in result.output
