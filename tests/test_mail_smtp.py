"""SMTP delivery to a real aiosmtpd server on 127.0.0.1: reuse, TLS, login and every failure."""

from __future__ import annotations

import email.utils
from collections.abc import Iterator

import pytest

from paperboy.app import build_deps
from paperboy.config import Settings
from paperboy.domain.mail import OutgoingMail, PermanentMailError, TemporaryMailError
from paperboy.mail import mailer_for
from paperboy.mail.mime import Composer
from paperboy.mail.smtp import SmtpConfig, SmtpMailer, dot_stuffed
from tests.support.smtp import SmtpSink, free_port, running_sink

COMPOSER = Composer.from_settings("paperboy <paperboy@papers.example.org>", "https://x.org")


def mail(to: str = "ada@example.org", **fields: str) -> OutgoingMail:
    return OutgoingMail(
        to=to, subject=fields.get("subject", "Hello"), text="text ∑", html="<p>∑</p>"
    )


@pytest.fixture
def mailer(smtp_sink: SmtpSink) -> Iterator[SmtpMailer]:
    config = SmtpConfig(smtp_sink.host, smtp_sink.port, security="none", timeout=5)
    with SmtpMailer(config, COMPOSER) as opened:
        yield opened


def test_smtp_delivers_the_message_and_envelope(mailer: SmtpMailer, smtp_sink: SmtpSink) -> None:
    message_id = mailer.send(mail(subject="Ünïcode ∑ subject"))
    (received,) = smtp_sink.wait_for(1)
    assert (received.mail_from, received.rcpt_tos) == (
        "paperboy@papers.example.org",
        ("ada@example.org",),
    )
    assert received.message["Message-ID"] == message_id
    assert received.message["Subject"] == "Ünïcode ∑ subject"
    assert received.text().strip() == "text ∑"
    assert received.html().strip() == "<p>∑</p>"


def test_smtp_lines_starting_with_a_dot_arrive_unchanged(
    mailer: SmtpMailer, smtp_sink: SmtpSink
) -> None:
    # a lone "." line would end the message early if it were not doubled on the wire
    text = ".\n.. two dots\n.hidden file\nlast line\n."
    html = "<pre>\n.\n.config\n</pre>"
    sent = OutgoingMail(to="ada@example.org", subject="Dots", text=text, html=html)
    message_id = mailer.send(sent)
    (received,) = smtp_sink.wait_for(1)
    assert received.message["Message-ID"] == message_id
    assert received.text().replace("\r\n", "\n") == text + "\n"
    assert received.html().replace("\r\n", "\n") == html + "\n"


def test_dot_stuffing_doubles_leading_dots_and_ends_with_a_line_break() -> None:
    assert dot_stuffed(b"a\r\n.b\r\n.\r\nc") == b"a\r\n..b\r\n..\r\nc\r\n"
    assert dot_stuffed(b".first\r\n") == b"..first\r\n"
    assert dot_stuffed(b"no dots\r\n") == b"no dots\r\n"


def test_smtp_reuses_one_connection_for_many_messages(
    mailer: SmtpMailer, smtp_sink: SmtpSink
) -> None:
    ids = [mailer.send(mail(f"reader{n}@example.org")) for n in range(20)]
    received = smtp_sink.wait_for(20)
    assert [r.message["Message-ID"] for r in received] == ids
    assert smtp_sink.connections == 1


def test_smtp_reconnects_after_the_server_hangs_up_on_an_idle_connection(
    mailer: SmtpMailer, smtp_sink: SmtpSink
) -> None:
    mailer.send(mail())
    smtp_sink.wait_for(1)
    smtp_sink.hang_up()
    mailer.send(mail("grace@example.org"))
    assert [r.rcpt_tos for r in smtp_sink.wait_for(2)] == [
        ("ada@example.org",),
        ("grace@example.org",),
    ]
    assert smtp_sink.connections == 2


def test_smtp_4xx_for_a_recipient_is_temporary(mailer: SmtpMailer, smtp_sink: SmtpSink) -> None:
    smtp_sink.refusals["busy@example.org"] = "450 4.2.1 Mailbox busy, try later"
    with pytest.raises(TemporaryMailError, match=r"busy@example\.org") as raised:
        mailer.send(mail("busy@example.org"))
    assert raised.value.code == 450


def test_smtp_5xx_for_a_recipient_is_permanent(mailer: SmtpMailer, smtp_sink: SmtpSink) -> None:
    smtp_sink.refusals["gone@example.org"] = "550 5.1.1 No such user"
    with pytest.raises(PermanentMailError, match="No such user") as raised:
        mailer.send(mail("gone@example.org"))
    assert raised.value.code == 550


def test_smtp_connection_stays_usable_after_a_refusal(
    mailer: SmtpMailer, smtp_sink: SmtpSink
) -> None:
    smtp_sink.refusals["gone@example.org"] = "550 5.1.1 No such user"
    with pytest.raises(PermanentMailError):
        mailer.send(mail("gone@example.org"))
    mailer.send(mail("ada@example.org"))
    assert smtp_sink.wait_for(1)[0].rcpt_tos == ("ada@example.org",)
    assert smtp_sink.connections == 1


def test_smtp_hang_up_mid_message_is_temporary_and_nothing_is_lost(
    mailer: SmtpMailer, smtp_sink: SmtpSink
) -> None:
    smtp_sink.hang_ups_on_data = 1
    with pytest.raises(TemporaryMailError):
        mailer.send(mail("ada@example.org"))
    mailer.send(mail("ada@example.org"))  # the retry a caller makes later
    assert len(smtp_sink.wait_for(1)) == 1


def test_smtp_slow_server_times_out_as_temporary_and_the_next_send_reconnects(
    smtp_sink: SmtpSink,
) -> None:
    config = SmtpConfig(smtp_sink.host, smtp_sink.port, security="none", timeout=0.5)
    with SmtpMailer(config, COMPOSER) as mailer:
        smtp_sink.data_delay = 2.0
        with pytest.raises(TemporaryMailError, match="in time"):
            mailer.send(mail("ada@example.org"))
        smtp_sink.data_delay = 0.0
        mailer.send(mail("grace@example.org"))
    assert smtp_sink.to("grace@example.org")
    assert smtp_sink.connections == 2


def test_smtp_server_down_is_temporary() -> None:
    config = SmtpConfig("127.0.0.1", free_port(), security="none", timeout=2)
    with SmtpMailer(config, COMPOSER) as mailer, pytest.raises(TemporaryMailError, match="reach"):
        mailer.send(mail())


def test_smtp_server_without_starttls_is_temporary_and_says_so(smtp_sink: SmtpSink) -> None:
    config = SmtpConfig(smtp_sink.host, smtp_sink.port, security="starttls", timeout=5)
    with (
        SmtpMailer(config, COMPOSER) as mailer,
        pytest.raises(TemporaryMailError, match="STARTTLS"),
    ):
        mailer.send(mail())
    assert smtp_sink.messages == []


def test_smtp_tls_to_a_plain_server_is_temporary(smtp_sink: SmtpSink) -> None:
    config = SmtpConfig(smtp_sink.host, smtp_sink.port, security="tls", timeout=5)
    with SmtpMailer(config, COMPOSER) as mailer, pytest.raises(TemporaryMailError, match="TLS"):
        mailer.send(mail())


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # implicit TLS
@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_smtp_encrypted_with_login(security: str) -> None:
    with running_sink(security=security, credentials=("papers", "s3cret")) as sink:
        config = SmtpConfig(
            sink.host, sink.port, security, username="papers", password="s3cret", timeout=5
        )
        with SmtpMailer(config, COMPOSER, ssl_context=sink.client_context) as mailer:
            mailer.send(mail())
            mailer.send(mail("grace@example.org"))
        assert len(sink.wait_for(2)) == 2
        assert sink.connections == 1


def test_smtp_untrusted_certificate_is_refused() -> None:
    with running_sink(security="tls") as sink:
        config = SmtpConfig(sink.host, sink.port, "tls", timeout=5)
        with SmtpMailer(config, COMPOSER) as mailer, pytest.raises(TemporaryMailError, match="TLS"):
            mailer.send(mail())  # the system's CAs do not know the sink's throwaway CA
        assert sink.messages == []


def test_smtp_wrong_password_is_temporary_and_names_the_login() -> None:
    with running_sink(security="starttls", credentials=("papers", "s3cret")) as sink:
        config = SmtpConfig(sink.host, sink.port, "starttls", "papers", "wrong", timeout=5)
        mailer = SmtpMailer(config, COMPOSER, ssl_context=sink.client_context)
        with mailer, pytest.raises(TemporaryMailError, match="login for 'papers'") as raised:
            mailer.send(mail())
        assert raised.value.code == 535


def test_smtp_config_repr_hides_the_password() -> None:
    assert "s3cret" not in repr(SmtpConfig("h", password="s3cret"))


def test_smtp_settings_build_an_smtp_mailer(smtp_settings: Settings, smtp_sink: SmtpSink) -> None:
    deps = build_deps(smtp_settings)
    message_id = deps.mailer.send(mail())
    (received,) = smtp_sink.wait_for(1)
    assert received.message["Message-ID"] == message_id
    assert email.utils.parseaddr(received.message["From"])[1] == "paperboy@localhost"
    assert isinstance(mailer_for(smtp_settings), SmtpMailer)
