"""The mail edge: render messages from templates, deliver them over SMTP or into a folder.

Templates live in `paperboy/mail/templates/`, three files per message, named for what it is:

- `<name>.subject` — one line (whitespace is folded, so values can never break the header);
- `<name>.txt` — the plain-text body, not escaped; `{% extends "_layout.txt" %}` and fill
  `{% block content %}` (the layout adds a signature with the site name and URL);
- `<name>.html` — the HTML body, autoescaped; `{% extends "_layout.html" %}`, fill
  `{% block content %}` (and `preheader`, the inbox preview line; `footer` for unsubscribe
  links), style with inline `style=` attributes only (mail clients drop `<style>`), and use
  `{% import "_macros.html" as mail %}` … `{{ mail.button(url, "Label") }}` for a call to action.

Every template gets `site_name`, `base_url` and `absolute_url(path)`; any other name must be in
the context (undefined names are errors). See `test_message.*` for a small example.
`mailer_for(settings)` picks the delivery, `mail_templates_for(settings)` the renderer.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import cast

from paperboy.config import Settings
from paperboy.domain.mail import (
    InvalidAddress,
    MailError,
    PermanentMailError,
    TemporaryMailError,
    UnsafeHeader,
)
from paperboy.mail.folder import FolderMailer
from paperboy.mail.mime import Composer
from paperboy.mail.smtp import Security, SmtpConfig, SmtpMailer
from paperboy.mail.templates import JinjaMailTemplates

__all__ = [
    "Composer",
    "FolderMailer",
    "InvalidAddress",
    "JinjaMailTemplates",
    "MailError",
    "PermanentMailError",
    "SmtpConfig",
    "SmtpMailer",
    "TemporaryMailError",
    "UnsafeHeader",
    "mail_templates_for",
    "mailer_for",
    "smtp_config",
]


def _utc_now() -> datetime:
    return datetime.now(UTC)


def mailer_for(
    settings: Settings, clock: Callable[[], datetime] = _utc_now
) -> FolderMailer | SmtpMailer:
    """The configured delivery: an SMTP client, or a folder of .eml files (the default)."""
    composer = Composer.from_settings(settings.mail_from, settings.base_url, clock)
    if settings.mail_backend == "smtp":
        return SmtpMailer(smtp_config(settings), composer)
    return FolderMailer(settings.mail_path(), composer)


def smtp_config(settings: Settings) -> SmtpConfig:
    """The `smtp_*` settings as the SMTP client's configuration."""
    return SmtpConfig(
        host=settings.smtp_host,
        port=settings.smtp_port,
        security=cast(Security, settings.smtp_security),
        username=settings.smtp_username,
        password=settings.smtp_password,
        timeout=settings.smtp_timeout,
    )


def mail_templates_for(settings: Settings) -> JinjaMailTemplates:
    """The bundled mail templates, speaking for `site_name` at `base_url`."""
    return JinjaMailTemplates(settings.site_name, settings.base_url)
