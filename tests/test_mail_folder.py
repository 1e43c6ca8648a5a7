"""Folder delivery: one whole .eml file per message, named by time and Message-ID."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime
from pathlib import Path

from paperboy.app import build_deps
from paperboy.config import Settings
from paperboy.domain.mail import OutgoingMail
from paperboy.mail import FolderMailer
from paperboy.mail.mime import Composer
from tests.conftest import make_settings

NOW = datetime(2026, 11, 27, 9, 30, 5, 123456, tzinfo=UTC)
COMPOSER = Composer.from_settings(
    "paperboy <paperboy@localhost>", "http://127.0.0.1:8000", lambda: NOW
)


def test_folder_writes_one_eml_file_per_message(tmp_path: Path) -> None:
    mailer = FolderMailer(tmp_path / "mail", COMPOSER)
    message_id = mailer.send(
        OutgoingMail(to="ada@example.org", subject="Ünï", text="∑", html="<b>∑</b>")
    )
    (path,) = mailer.messages()
    assert path.name == f"20261127T093005123456Z-{message_id.strip('<>')}.eml"
    parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert (parsed["To"], parsed["Subject"], parsed["Message-ID"]) == (
        "ada@example.org",
        "Ünï",
        message_id,
    )


def test_folder_leaves_no_partial_files(tmp_path: Path) -> None:
    mailer = FolderMailer(tmp_path, COMPOSER)
    for n in range(5):
        mailer.send(OutgoingMail(to=f"r{n}@example.org", subject="s", text="t"))
    assert len(mailer.messages()) == 5
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".eml"] * 5


def test_folder_file_name_is_safe_for_any_message_id(tmp_path: Path) -> None:
    mailer = FolderMailer(tmp_path, COMPOSER)
    mailer.send(OutgoingMail(to="a@b.org", subject="s", text="t", message_id="<../../x/y@z>"))
    (path,) = mailer.messages()
    assert path.parent == tmp_path
    assert "/" not in path.name.removesuffix(".eml")


def test_folder_is_the_default_beside_the_database(settings: Settings) -> None:
    deps = build_deps(settings)
    deps.mailer.send(OutgoingMail(to="ada@example.org", subject="s", text="t"))
    folder = settings.mail_path()
    assert folder.name.endswith(".sqlite3.mail")
    assert len(list(folder.glob("*.eml"))) == 1


def test_folder_path_from_mail_dir(tmp_path: Path) -> None:
    settings = make_settings("postgresql+psycopg://x/y", mail_dir=str(tmp_path / "out"))
    assert settings.mail_path() == tmp_path / "out"
    assert make_settings("postgresql+psycopg://x/y").mail_path() == Path("paperboy-mail")
