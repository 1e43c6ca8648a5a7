"""Settings: environment, TOML file, precedence, validation and masking."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from paperboy.config import Settings, SettingsError, load_settings, settings_docs

# For every setting, a valid value other than its default: as text (the environment's form), typed.
GOOD: dict[str, tuple[str, object]] = {
    "database_url": ("postgresql+psycopg://pb@db.internal/paperboy",) * 2,
    "timezone": ("Europe/Paris",) * 2,
    "host": ("0.0.0.0",) * 2,
    "port": ("8080", 8080),
    "workers": ("4", 4),
    "base_url": ("https://papers.example.org",) * 2,
    "site_name": ("Lab papers",) * 2,
    "secret_key": ("s3cr3t-0123456789",) * 2,
    "production": ("true", True),
    "page_size": ("25", 25),
    "arxiv_api_url": ("http://127.0.0.1:9/api/query",) * 2,
    "arxiv_oai_url": ("http://127.0.0.1:9/oai",) * 2,
    "daily_papers_url": ("http://127.0.0.1:9/api/daily_papers",) * 2,
    "arxiv_request_interval": ("0.5", 0.5),
    "http_timeout": ("2.5", 2.5),
    "http_retries": ("0", 0),
    "run_jobs": ("false", False),
    "index_dir": ("/var/lib/paperboy/indexes",) * 2,
    "embedder": ("hashing",) * 2,
    "search_embed_timeout": ("0.25", 0.25),
    "rrf_k": ("20", 20.0),
    "session_days": ("7", 7),
    "login_limit_per_ip": ("100", 100),
    "login_limit_per_account": ("3", 3),
    "login_limit_window": ("60", 60),
    "signup_limit_per_ip": ("2", 2),
    "signup_limit_window": ("600", 600),
    "account_mail_limit": ("2", 2),
    "max_body_bytes": ("65536", 65536),
    "comment_max_length": ("2000", 2000),
    "comment_limit_per_hour": ("5", 5),
    "mail_backend": ("smtp",) * 2,
    "mail_dir": ("/var/lib/paperboy/mail",) * 2,
    "mail_from": ("Lab papers <papers@lab.example.org>",) * 2,
    "smtp_host": ("mail.example.org",) * 2,
    "smtp_port": ("465", 465),
    "smtp_security": ("tls",) * 2,
    "smtp_username": ("papers",) * 2,
    "smtp_password": ("hunter2",) * 2,
    "smtp_timeout": ("5", 5.0),
    "digest_connections": ("2", 2),
    "digest_rate_per_second": ("12.5", 12.5),
    "digest_max_attempts": ("3", 3),
    "digest_retry_seconds": ("30", 30.0),
    "digest_max_bounces": ("2", 2),
    "digest_lease_seconds": ("120", 120.0),
    "digest_batch_size": ("20", 20),
    "digest_interval_minutes": ("0", 0),
    "submission_window_days": ("30", 30),
    "submission_daily_limit": ("10", 10),
    "trending_window_days": ("3", 3),
}
REAL_SECRET = {"secret_key": "x" * 32}  # production refuses to start without one

BAD = [
    ("database_url", "mysql://db/paperboy"),
    ("timezone", "Mars/Olympus_Mons"),
    ("port", "eighty"),
    ("port", "0"),
    ("port", "65536"),
    ("port", "80.5"),
    ("workers", "0"),
    ("workers", "65"),
    ("base_url", "ftp://example.org"),
    ("production", "maybe"),
    ("production", ""),
    ("page_size", "0"),
    ("page_size", "501"),
    ("arxiv_request_interval", "-1"),
    ("arxiv_request_interval", "soon"),
    ("http_timeout", "0"),
    ("http_timeout", "nan"),
    ("http_retries", "-1"),
    ("http_retries", "21"),
    ("run_jobs", "2"),
    ("embedder", "bert"),
    ("search_embed_timeout", "0"),
    ("rrf_k", "-1"),
    ("session_days", "0"),
    ("login_limit_per_ip", "0"),
    ("login_limit_window", "0"),
    ("signup_limit_per_ip", "-1"),
    ("account_mail_limit", "0"),
    ("max_body_bytes", "100"),
    ("comment_max_length", "0"),
    ("comment_limit_per_hour", "0"),
    ("mail_backend", "sendmail"),
    ("mail_from", "paperboy"),
    ("mail_from", "paperboy <pb@example.org>\r\nBcc: x@example.org"),
    ("smtp_port", "0"),
    ("smtp_security", "ssl"),
    ("smtp_timeout", "0"),
    ("digest_connections", "0"),
    ("digest_rate_per_second", "-1"),
    ("digest_max_attempts", "0"),
    ("digest_retry_seconds", "0"),
    ("digest_max_bounces", "0"),
    ("digest_lease_seconds", "5"),
    ("digest_batch_size", "0"),
    ("digest_interval_minutes", "-5"),
    ("submission_window_days", "0"),
    ("submission_daily_limit", "-1"),
    ("trending_window_days", "366"),
]


def env(**values: str) -> dict[str, str]:
    return {f"PAPERBOY_{name.upper()}": value for name, value in values.items()}


def write_toml(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "paperboy.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_need_no_configuration() -> None:
    settings = load_settings(environ={})
    assert settings == Settings()
    assert (settings.database_url, settings.port) == ("sqlite:///paperboy.sqlite3", 8000)
    assert settings.timezone == "America/New_York"


def test_good_values_cover_every_setting() -> None:
    assert set(GOOD) == {f.name for f in dataclasses.fields(Settings)}


@pytest.mark.parametrize("name", sorted(GOOD))
def test_environment_variable_sets_its_field(name: str) -> None:
    text, value = GOOD[name]
    settings = load_settings(environ=env(**{**REAL_SECRET, name: text}))
    assert getattr(settings, name) == value != getattr(Settings(), name)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1", True), ("yes", True), ("ON", True), (" true ", True), ("0", False), ("off", False)],
)
def test_boolean_spellings(text: str, expected: bool) -> None:
    assert load_settings(environ=env(run_jobs=text)).run_jobs is expected


@pytest.mark.parametrize("table", ["[paperboy]\n", ""])
def test_toml_file_sets_fields(tmp_path: Path, table: str) -> None:
    path = write_toml(tmp_path, f'{table}port = 9000\nsite_name = "From TOML"\nrun_jobs = false\n')
    settings = load_settings(environ={}, config_file=path)
    assert (settings.port, settings.site_name, settings.run_jobs) == (9000, "From TOML", False)


def test_toml_file_from_paperboy_config_variable(tmp_path: Path) -> None:
    path = write_toml(tmp_path, "[paperboy]\nworkers = 3\n")
    assert load_settings(environ={"PAPERBOY_CONFIG": str(path)}).workers == 3


def test_precedence_defaults_then_toml_then_environment_then_overrides(tmp_path: Path) -> None:
    path = write_toml(tmp_path, '[paperboy]\nport = 9000\nworkers = 3\nsite_name = "toml"\n')
    settings = load_settings(
        environ=env(port="9100", workers="5"), config_file=path, workers=7, host=None
    )
    assert (settings.site_name, settings.port, settings.workers) == ("toml", 9100, 7)
    assert settings.host == Settings().host  # an override of None leaves the value alone


def test_config_argument_wins_over_the_variable(tmp_path: Path) -> None:
    chosen = write_toml(tmp_path, "port = 9001\n")
    other = tmp_path / "other.toml"
    other.write_text("port = 9002\n", encoding="utf-8")
    settings = load_settings(environ={"PAPERBOY_CONFIG": str(other)}, config_file=chosen)
    assert settings.port == 9001


@pytest.mark.parametrize(("name", "value"), BAD)
def test_bad_environment_value_names_the_variable(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=f"PAPERBOY_{name.upper()}"):
        load_settings(environ=env(**{name: value}))


@pytest.mark.parametrize(("name", "value"), [("port", '"eighty"'), ("port", "true"), ("host", "5")])
def test_bad_toml_value_names_the_setting(tmp_path: Path, name: str, value: str) -> None:
    path = write_toml(tmp_path, f"{name} = {value}\n")
    with pytest.raises(SettingsError, match=f"PAPERBOY_{name.upper()}"):
        load_settings(environ={}, config_file=path)


def test_bad_override_names_the_setting() -> None:
    with pytest.raises(SettingsError, match="PAPERBOY_PORT"):
        load_settings(environ={}, port="eighty")


def test_unknown_environment_variable_is_an_error() -> None:
    with pytest.raises(SettingsError, match="PAPERBOY_DATABSE_URL"):
        load_settings(environ={"PAPERBOY_DATABSE_URL": "sqlite:///x.sqlite3"})


def test_unknown_toml_key_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="colour"):
        load_settings(environ={}, config_file=write_toml(tmp_path, 'colour = "blue"\n'))


def test_other_variables_are_ignored() -> None:
    assert load_settings(environ={"HOME": "/root", "PAPERBOYS": "x"}) == Settings()


@pytest.mark.parametrize(
    ("text", "message"),
    [("port = [", "not valid TOML"), ("paperboy = 3\n", "must be a table")],
)
def test_broken_toml_file_is_an_error(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings(environ={}, config_file=write_toml(tmp_path, text))


def test_missing_toml_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="not found"):
        load_settings(environ={}, config_file=tmp_path / "absent.toml")


@pytest.mark.parametrize("secret", ["change-me", ""])
def test_production_refuses_the_placeholder_secret(secret: str) -> None:
    with pytest.raises(SettingsError, match="PAPERBOY_SECRET_KEY"):
        load_settings(environ=env(production="true", secret_key=secret))


def test_production_with_a_real_secret_starts() -> None:
    settings = load_settings(environ=env(production="true", **REAL_SECRET))
    assert settings.production is True


def test_settings_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        Settings().port = 1  # type: ignore[misc]


def test_masked_hides_the_secret_and_keeps_the_rest() -> None:
    settings = load_settings(environ=env(secret_key="very-secret-value", port="8081"))
    masked = settings.masked()
    assert masked["secret_key"] == "***"
    assert masked["port"] == 8081
    assert set(masked) == set(settings_docs())
    assert "very-secret-value" not in str(masked)


def test_repr_never_shows_the_secret() -> None:
    settings = load_settings(environ=env(secret_key="very-secret-value"))
    assert "very-secret-value" not in repr(settings)


def test_every_setting_is_documented() -> None:
    docs = settings_docs()
    assert set(docs) == set(GOOD)
    assert all(text.strip() for text in docs.values())


def test_index_path_sits_beside_the_sqlite_file() -> None:
    settings = load_settings(environ=env(database_url="sqlite:///var/papers.sqlite3"))
    assert str(settings.index_path()) == "var/papers.sqlite3.indexes"
    assert str(load_settings(environ=env(index_dir="/srv/idx")).index_path()) == "/srv/idx"
