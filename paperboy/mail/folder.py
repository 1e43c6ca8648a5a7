"""Delivery into a folder of `.eml` files: the offline demo's mailer, and a readable outbox."""

from __future__ import annotations

import os
import re
import tempfile
from datetime import UTC
from pathlib import Path

from paperboy.domain.mail import OutgoingMail
from paperboy.mail.mime import Composer

_UNSAFE_IN_NAME = re.compile(r"[^A-Za-z0-9._@-]+")


class FolderMailer:
    """A `Mailer` that writes each message as `<UTC timestamp>-<message id>.eml` into `folder`.

    Each file appears whole or not at all (written beside, then renamed), so a reader polling
    the folder never sees half a message. Open one in any mail client.
    """

    def __init__(self, folder: Path, composer: Composer) -> None:
        self.folder = folder
        self._composer = composer

    def send(self, message: OutgoingMail) -> str:
        """Write `message` to its file; its Message-ID."""
        _, message_id, data = self._composer.raw(message)  # the bytes SMTP would send
        stamp = self._composer.clock().astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        name = f"{stamp}-{_UNSAFE_IN_NAME.sub('_', message_id.strip('<>'))[:120]}.eml"
        self._write(self.folder / name, data)
        return message_id

    def messages(self) -> list[Path]:
        """The files written so far, oldest first."""
        return sorted(self.folder.glob("*.eml")) if self.folder.exists() else []

    def _write(self, path: Path, data: bytes) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=".", suffix=".part")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
