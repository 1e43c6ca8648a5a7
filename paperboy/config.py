"""Settings: one frozen value, read once at an entry point from `PAPERBOY_*` and a TOML file.

Precedence, lowest first: the defaults below, the TOML file (`PAPERBOY_CONFIG` or `--config`),
then `PAPERBOY_<FIELD>` environment variables. Every value is checked at start-up and a bad
one raises `SettingsError` naming the setting.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from email.utils import parseaddr
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

ENV_PREFIX = "PAPERBOY_"
SECRET_FIELDS = frozenset({"secret_key", "smtp_password"})


class SettingsError(ValueError):
    """A setting has a value paperboy cannot use; the message names it."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything an operator can configure. Each field maps to `PAPERBOY_<FIELD>`."""

    database_url: str = field(
        default="sqlite:///paperboy.sqlite3",
        metadata={"doc": "SQLAlchemy URL: sqlite:///path or postgresql+psycopg://user@host/db"},
    )
    timezone: str = field(
        default="America/New_York", metadata={"doc": "time zone that decides what 'today' is"}
    )
    host: str = field(default="127.0.0.1", metadata={"doc": "address `paperboy serve` binds"})
    port: int = field(default=8000, metadata={"doc": "port `paperboy serve` binds"})
    workers: int = field(default=1, metadata={"doc": "web server processes for `paperboy serve`"})
    base_url: str = field(
        default="http://127.0.0.1:8000", metadata={"doc": "public URL, used in feeds and emails"}
    )
    site_name: str = field(default="paperboy", metadata={"doc": "name shown in pages and feeds"})
    secret_key: str = field(
        default="change-me",
        repr=False,  # never in logs or tracebacks; `masked()` is the printable form
        metadata={"doc": "signs tokens; must be set in production"},
    )
    production: bool = field(
        default=False, metadata={"doc": "refuse unsafe defaults (placeholder secret_key)"}
    )
    page_size: int = field(default=50, metadata={"doc": "papers per page on lists and in the API"})
    arxiv_api_url: str = field(
        default="https://export.arxiv.org/api/query", metadata={"doc": "arXiv export API (Atom)"}
    )
    arxiv_oai_url: str = field(
        default="https://oaipmh.arxiv.org/oai", metadata={"doc": "arXiv OAI-PMH endpoint"}
    )
    daily_papers_url: str = field(
        default="https://huggingface.co/api/daily_papers",
        metadata={"doc": "a /api/daily_papers endpoint to import lists from"},
    )
    arxiv_request_interval: float = field(
        default=3.0, metadata={"doc": "seconds between requests to arXiv (their terms ask 3)"}
    )
    http_timeout: float = field(
        default=30.0, metadata={"doc": "seconds before a request times out"}
    )
    http_retries: int = field(default=4, metadata={"doc": "retries on 5xx and timeouts"})
    index_dir: str = field(
        default="",
        metadata={
            "doc": "folder for the search indexes (default: beside the SQLite file, "
            "or ./paperboy-indexes with PostgreSQL)"
        },
    )
    embedder: str = field(
        default="minilm",
        metadata={"doc": "sentence embedder: minilm (bundled, offline) or hashing (tests, demos)"},
    )
    search_embed_timeout: float = field(
        default=1.0,
        metadata={"doc": "seconds to wait for a query embedding before keyword-only results"},
    )
    rrf_k: float = field(
        default=10.0,
        metadata={
            "doc": "reciprocal rank fusion constant k (higher: flatter); 10 was best on "
            "SciFact train (bench/search_quality.py)"
        },
    )
    run_jobs: bool = field(
        default=True, metadata={"doc": "run the embedded job runner inside `paperboy serve`"}
    )
    mail_backend: str = field(
        default="folder",
        metadata={
            "doc": "how mail leaves: folder (.eml files in mail_dir, the offline demo) or smtp"
        },
    )
    mail_dir: str = field(
        default="",
        metadata={
            "doc": "folder the folder backend writes .eml files to (default: beside the SQLite "
            "file, or ./paperboy-mail with PostgreSQL)"
        },
    )
    mail_from: str = field(
        default="paperboy <paperboy@localhost>",
        metadata={"doc": "From header of every email: an address, optionally with a name"},
    )
    smtp_host: str = field(default="localhost", metadata={"doc": "SMTP server host name"})
    smtp_port: int = field(
        default=587, metadata={"doc": "SMTP server port (587 starttls, 465 tls, 25 none)"}
    )
    smtp_security: str = field(
        default="starttls",
        metadata={"doc": "none, starttls (upgrade a plain connection) or tls (TLS from the start)"},
    )
    smtp_username: str = field(default="", metadata={"doc": "SMTP login; empty: no login"})
    smtp_password: str = field(
        default="", repr=False, metadata={"doc": "SMTP password (masked in `paperboy config`)"}
    )
    smtp_timeout: float = field(
        default=30.0, metadata={"doc": "seconds before an SMTP connection or reply times out"}
    )
    digest_connections: int = field(
        default=4, metadata={"doc": "digest sending workers, each with its own SMTP connection"}
    )
    digest_rate_per_second: float = field(
        default=0.0,
        metadata={"doc": "most digests sent per second, all workers together; 0: no limit"},
    )
    digest_max_attempts: int = field(
        default=5,
        metadata={"doc": "tries of a digest after temporary failures (4xx, no connection)"},
    )
    digest_retry_seconds: float = field(
        default=60.0, metadata={"doc": "wait before the first retry of a digest; doubles each time"}
    )
    digest_max_bounces: int = field(
        default=3, metadata={"doc": "hard bounces (5xx) in a row that pause a subscription"}
    )
    digest_lease_seconds: float = field(
        default=600.0,
        metadata={
            "doc": "how long a worker holds a claimed digest; a crashed worker's are sent after it"
        },
    )
    digest_batch_size: int = field(
        default=10, metadata={"doc": "digests a worker claims at a time"}
    )
    digest_interval_minutes: int = field(
        default=5, metadata={"doc": "how often `paperboy serve` runs the digest job (0: never)"}
    )
    submission_window_days: int = field(
        default=14,
        metadata={"doc": "members may submit papers first published at most this many days ago"},
    )
    submission_daily_limit: int = field(
        default=5, metadata={"doc": "papers one member may submit to one day's list"}
    )
    trending_window_days: int = field(
        default=7, metadata={"doc": "trending ranks papers listed in the last this many days"}
    )
    comment_max_length: int = field(
        default=10_000, metadata={"doc": "longest comment body in characters (longer: 413)"}
    )
    comment_limit_per_hour: int = field(
        default=30, metadata={"doc": "comments and replies a member may post per hour (then 429)"}
    )

    session_days: int = field(
        default=30, metadata={"doc": "days a login lasts without a visit (each visit renews it)"}
    )
    login_limit_per_ip: int = field(
        default=30, metadata={"doc": "login attempts one IP address may make per login window"}
    )
    login_limit_per_account: int = field(
        default=10, metadata={"doc": "failed logins one account may have per login window"}
    )
    login_limit_window: int = field(
        default=900, metadata={"doc": "seconds of the login rate-limit window"}
    )
    signup_limit_per_ip: int = field(
        default=5, metadata={"doc": "sign-ups one IP address may make per sign-up window"}
    )
    signup_limit_window: int = field(
        default=3600, metadata={"doc": "seconds of the sign-up rate-limit window"}
    )
    account_mail_limit: int = field(
        default=5,
        metadata={"doc": "verification, reset and change-email messages per account per hour"},
    )
    max_body_bytes: int = field(
        default=1_048_576, metadata={"doc": "largest request body accepted (bigger: 413)"}
    )

    def __post_init__(self) -> None:
        _check(self)

    def index_path(self) -> Path:
        """Where the search indexes live: `index_dir`, or a folder derived from the database."""
        if self.index_dir:
            return Path(self.index_dir)
        if self.database_url.startswith("sqlite:///"):
            database = self.database_url.removeprefix("sqlite:///")
            if database and database != ":memory:":
                return Path(database + ".indexes")
        return Path("paperboy-indexes")

    def mail_path(self) -> Path:
        """Where the folder mail backend writes: `mail_dir`, or a folder beside the database."""
        if self.mail_dir:
            return Path(self.mail_dir)
        if self.database_url.startswith("sqlite:///"):
            database = self.database_url.removeprefix("sqlite:///")
            if database and database != ":memory:":
                return Path(database + ".mail")
        return Path("paperboy-mail")

    def masked(self) -> dict[str, object]:
        """The settings as a dict with secrets hidden, for logs and `paperboy config`."""
        values = dataclasses.asdict(self)
        return {k: ("***" if k in SECRET_FIELDS else v) for k, v in values.items()}


def settings_docs() -> dict[str, str]:
    """Each setting's one-line description, for the docs and `paperboy config --help`."""
    return {f.name: str(f.metadata.get("doc", "")) for f in fields(Settings)}


def load_settings(
    environ: Mapping[str, str] | None = None, config_file: Path | None = None, **overrides: Any
) -> Settings:
    """Settings from a TOML file, the environment and explicit overrides (in that order)."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    path = config_file or (
        Path(env[f"{ENV_PREFIX}CONFIG"]) if f"{ENV_PREFIX}CONFIG" in env else None
    )
    if path is not None:
        values.update(_read_toml(path))
    known = {f.name: f for f in fields(Settings)}
    for key, raw in env.items():
        if not key.startswith(ENV_PREFIX) or key == f"{ENV_PREFIX}CONFIG":
            continue
        name = key[len(ENV_PREFIX) :].lower()
        if name not in known:
            raise SettingsError(f"{key}: unknown setting (known: {', '.join(sorted(known))})")
        values[name] = _coerce(name, known[name].type, raw)
    values.update({k: v for k, v in overrides.items() if v is not None})
    for name, value in values.items():
        if name not in known:
            raise SettingsError(f"{name}: unknown setting")
        values[name] = _coerce(name, known[name].type, value)
    return Settings(**values)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise SettingsError(f"config file {path}: not found") from error
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(f"config file {path}: not valid TOML: {error}") from error
    section = data.get("paperboy", data)
    if not isinstance(section, dict):
        raise SettingsError(f"config file {path}: [paperboy] must be a table")
    return section


def _coerce(name: str, kind: object, value: Any) -> Any:
    label = f"{ENV_PREFIX}{name.upper()}"
    try:
        if kind in ("int", int):
            if isinstance(value, bool):
                raise ValueError
            return int(value)
        if kind in ("float", float):
            return float(value)
        if kind in ("bool", bool):
            return _boolean(value)
    except ValueError:
        raise SettingsError(f"{label}: expected a {kind} value, got {value!r}") from None
    if not isinstance(value, str):
        raise SettingsError(f"{label}: expected text, got {value!r}")
    return value


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off"}:
        return False
    raise ValueError(text)


def _check(settings: Settings) -> None:
    try:
        ZoneInfo(settings.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(f"PAPERBOY_TIMEZONE: unknown time zone {settings.timezone!r}") from None
    if not settings.database_url.startswith(("sqlite:", "postgresql")):
        raise SettingsError(
            "PAPERBOY_DATABASE_URL: must start with sqlite:/// or postgresql+psycopg://"
        )
    checks = [
        ("port", 0 < settings.port < 65536, "a port between 1 and 65535"),
        ("workers", 1 <= settings.workers <= 64, "between 1 and 64"),
        ("page_size", 1 <= settings.page_size <= 500, "between 1 and 500"),
        ("arxiv_request_interval", settings.arxiv_request_interval >= 0, "zero or more seconds"),
        ("http_timeout", settings.http_timeout > 0, "more than zero seconds"),
        ("http_retries", 0 <= settings.http_retries <= 20, "between 0 and 20"),
        ("embedder", settings.embedder in {"minilm", "hashing"}, "minilm or hashing"),
        ("search_embed_timeout", settings.search_embed_timeout > 0, "more than zero seconds"),
        ("rrf_k", settings.rrf_k > 0, "more than zero"),
        ("comment_max_length", 1 <= settings.comment_max_length <= 100_000, "1 to 100000"),
        ("comment_limit_per_hour", 1 <= settings.comment_limit_per_hour <= 10_000, "1 to 10000"),
        ("base_url", settings.base_url.startswith(("http://", "https://")), "an http(s) URL"),
        *_account_checks(settings),
        *_mail_checks(settings),
        *_digest_checks(settings),
        ("submission_window_days", 1 <= settings.submission_window_days <= 3650, "1 to 3650"),
        ("submission_daily_limit", 0 <= settings.submission_daily_limit <= 1000, "0 to 1000"),
        ("trending_window_days", 1 <= settings.trending_window_days <= 365, "1 to 365"),
    ]
    for name, ok, expected in checks:
        if not ok:
            value = getattr(settings, name)
            raise SettingsError(f"{ENV_PREFIX}{name.upper()}: must be {expected}, got {value!r}")
    if settings.production and settings.secret_key in {"", "change-me"}:
        raise SettingsError("PAPERBOY_SECRET_KEY: set a real secret when PAPERBOY_PRODUCTION is on")


def _mail_checks(settings: Settings) -> list[tuple[str, bool, str]]:
    _, address = parseaddr(settings.mail_from)
    printable = settings.mail_from.isprintable()
    smtp = settings.mail_backend == "smtp"
    return [
        ("mail_backend", settings.mail_backend in {"folder", "smtp"}, "folder or smtp"),
        ("mail_from", printable and "@" in address, "an address like paperboy <me@example.org>"),
        (
            "smtp_host",
            not smtp or bool(settings.smtp_host.strip()),
            "set when mail_backend is smtp",
        ),
        ("smtp_port", 0 < settings.smtp_port < 65536, "a port between 1 and 65535"),
        (
            "smtp_security",
            settings.smtp_security in {"none", "starttls", "tls"},
            "none, starttls or tls",
        ),
        ("smtp_timeout", settings.smtp_timeout > 0, "more than zero seconds"),
    ]


def _digest_checks(settings: Settings) -> list[tuple[str, bool, str]]:
    lease = settings.digest_lease_seconds
    return [
        ("digest_connections", 1 <= settings.digest_connections <= 64, "between 1 and 64"),
        ("digest_rate_per_second", settings.digest_rate_per_second >= 0, "zero (no limit) or more"),
        ("digest_max_attempts", 1 <= settings.digest_max_attempts <= 100, "between 1 and 100"),
        ("digest_retry_seconds", settings.digest_retry_seconds > 0, "more than zero seconds"),
        ("digest_max_bounces", 1 <= settings.digest_max_bounces <= 100, "between 1 and 100"),
        ("digest_lease_seconds", lease > settings.smtp_timeout + 1, "more than smtp_timeout + 1"),
        ("digest_batch_size", 1 <= settings.digest_batch_size <= 1000, "between 1 and 1000"),
        ("digest_interval_minutes", 0 <= settings.digest_interval_minutes <= 1440, "0 to 1440"),
    ]


def _account_checks(settings: Settings) -> list[tuple[str, bool, str]]:
    return [
        ("session_days", 1 <= settings.session_days <= 3650, "1 to 3650"),
        ("login_limit_per_ip", settings.login_limit_per_ip >= 1, "at least 1"),
        ("login_limit_per_account", settings.login_limit_per_account >= 1, "at least 1"),
        ("login_limit_window", settings.login_limit_window >= 1, "at least 1 second"),
        ("signup_limit_per_ip", settings.signup_limit_per_ip >= 1, "at least 1"),
        ("signup_limit_window", settings.signup_limit_window >= 1, "at least 1 second"),
        ("account_mail_limit", settings.account_mail_limit >= 1, "at least 1"),
        ("max_body_bytes", settings.max_body_bytes >= 1024, "at least 1024 bytes"),
    ]
