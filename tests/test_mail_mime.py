"""MIME building: both parts, the headers, UTF-8 everywhere, and no way to inject a header."""

from __future__ import annotations

import binascii
import email
import email.policy
from datetime import UTC, datetime
from email.message import EmailMessage

import pytest

from paperboy.domain.mail import InvalidAddress, OutgoingMail, UnsafeHeader, checked_address
from paperboy.mail.mime import Composer, _quoted_printable

NOW = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)


@pytest.fixture
def composer() -> Composer:
    return Composer.from_settings(
        "Pâperboy Digest <digest@papers.example.org>", "https://papers.example.org/", lambda: NOW
    )


def reparsed(message: EmailMessage) -> EmailMessage:
    """The message as a receiving client reads it back from the wire bytes."""
    parsed = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def body(message: EmailMessage, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    assert part is not None, f"no text/{subtype} part"
    content: str = part.get_content()  # type: ignore[attr-defined]
    return content


def test_mime_text_and_html_make_a_multipart_alternative(composer: Composer) -> None:
    mail = OutgoingMail(to="ada@example.org", subject="Hi", text="plain ∑", html="<p>rich ∑</p>")
    message = reparsed(composer.compose(mail))
    assert message.get_content_type() == "multipart/alternative"
    types = [part.get_content_type() for part in message.iter_parts()]
    assert types == ["text/plain", "text/html"]
    assert body(message, "plain").strip() == "plain ∑"
    assert body(message, "html").strip() == "<p>rich ∑</p>"


def test_mime_text_only_is_a_single_utf8_part(composer: Composer) -> None:
    message = reparsed(composer.compose(OutgoingMail(to="ada@example.org", subject="s", text="é")))
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"


def test_mime_is_seven_bit_on_the_wire(composer: Composer) -> None:
    mail = OutgoingMail(to="ada@example.org", subject="Ünïcödé ∑", text="∑ " * 600, html="<b>∑</b>")
    wire = composer.compose(mail).as_bytes()
    assert wire.isascii()
    assert max(len(line) for line in wire.split(b"\r\n")) <= 998


def test_mime_headers(composer: Composer) -> None:
    mail = OutgoingMail(to="ada@example.org", subject="New papers", text="x")
    message = reparsed(composer.compose(mail))
    assert message["To"] == "ada@example.org"
    assert message["From"].addresses[0].addr_spec == "digest@papers.example.org"
    assert message["From"].addresses[0].display_name == "Pâperboy Digest"
    assert message["Subject"] == "New papers"
    assert message["Date"].datetime == NOW
    assert message["MIME-Version"] == "1.0"


def test_mime_utf8_subject_survives_the_round_trip(composer: Composer) -> None:
    subject = "Trending: Schrödinger's ∑-bounds — 日本語 " + "long " * 30
    message = reparsed(composer.compose(OutgoingMail(to="a@example.org", subject=subject, text="")))
    assert message["Subject"] == subject


def test_mime_message_id_made_under_the_site_domain(composer: Composer) -> None:
    first = composer.compose(OutgoingMail(to="a@example.org", subject="s", text="t"))
    second = composer.compose(OutgoingMail(to="a@example.org", subject="s", text="t"))
    assert first["Message-ID"].endswith("@papers.example.org>")
    assert first["Message-ID"].startswith("<")
    assert first["Message-ID"] != second["Message-ID"]


def test_mime_message_id_given_is_kept(composer: Composer) -> None:
    mail = OutgoingMail(to="a@b.org", subject="s", text="t", message_id="<digest-7-2026w48@x.org>")
    assert reparsed(composer.compose(mail))["Message-ID"] == "<digest-7-2026w48@x.org>"


def test_mime_extra_headers_are_added(composer: Composer) -> None:
    headers = (
        ("List-Id", "Daily digest <digest.papers.example.org>"),
        ("List-Unsubscribe", "<https://papers.example.org/u/x>, <mailto:u@papers.example.org>"),
        ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
    )
    mail = OutgoingMail(to="a@b.org", subject="s", text="t", headers=headers)
    message = reparsed(composer.compose(mail))
    for name, value in headers:
        assert message[name] == value


INJECTIONS = [
    "\r\nBcc: victim@example.org",
    "\nBcc: victim@example.org",
    "\r",
    "\x00",
    "\x7f",
    "\x85",  # NEL, a C1 control some parsers treat as a line break
    "\u2028x",
    "\u2029x",
]


@pytest.mark.parametrize("payload", INJECTIONS)
@pytest.mark.parametrize("field", ["to", "subject", "header value", "message_id"])
def test_mime_refuses_line_breaks_in_every_field(
    composer: Composer, field: str, payload: str
) -> None:
    mail = {
        "to": OutgoingMail(to="a@b.org" + payload, subject="s", text="t"),
        "subject": OutgoingMail(to="a@b.org", subject="Hi" + payload, text="t"),
        "header value": OutgoingMail(
            to="a@b.org", subject="s", text="t", headers=(("X-A", payload),)
        ),
        "message_id": OutgoingMail(
            to="a@b.org", subject="s", text="t", message_id="<a@b>" + payload
        ),
    }[field]
    name = {"header value": "X-A"}.get(field, field)
    with pytest.raises(UnsafeHeader, match=name):
        composer.compose(mail)
    with pytest.raises(UnsafeHeader, match=name):
        composer.raw(mail)  # the bytes the SMTP mailer sends


@pytest.mark.parametrize(
    "name", ["X-A\r\nBcc", "X A", "X:A", "", "Bcc", "From", "to", "Content-Type", "Subject"]
)
def test_mime_refuses_bad_or_reserved_header_names(composer: Composer, name: str) -> None:
    mail = OutgoingMail(to="a@b.org", subject="s", text="t", headers=((name, "v"),))
    with pytest.raises(UnsafeHeader):
        composer.compose(mail)
    with pytest.raises(UnsafeHeader):
        composer.raw(mail)


def test_mime_refuses_a_message_id_without_brackets(composer: Composer) -> None:
    with pytest.raises(UnsafeHeader, match="message_id"):
        composer.compose(OutgoingMail(to="a@b.org", subject="s", text="t", message_id="a@b"))


@pytest.mark.parametrize(
    "to",
    [
        "Eve <eve@example.org>",
        "a@example.org, b@example.org",
        "a@example.org;b@example.org",
        '"eve@example.org"@x.org',
        "eve@example.org (comment)",
        "not-an-address",
        "a@",
        "a@b..org",
        "a@-b.org",
        "x" * 250 + "@b.org",
        "ünï@example.org",
    ],
)
def test_mime_refuses_anything_but_one_bare_address(composer: Composer, to: str) -> None:
    with pytest.raises(InvalidAddress):
        composer.compose(OutgoingMail(to=to, subject="s", text="t"))


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("Ada.Lovelace+papers@Example.ORG", "Ada.Lovelace+papers@example.org"),
        ("  ada@example.org ", "ada@example.org"),
        ("ada@bücher.example", "ada@xn--bcher-kva.example"),
        ("root@localhost", "root@localhost"),
    ],
)
def test_checked_address_normalises(given: str, kept: str) -> None:
    assert checked_address(given) == kept


def test_checked_address_message_names_the_problem() -> None:
    with pytest.raises(InvalidAddress, match="longer than 254"):
        checked_address("a" * 64 + "@" + "b" * 200 + ".org")


def test_mime_long_extra_header_is_never_encoded(composer: Composer) -> None:
    url = "https://papers.example.org/unsubscribe?token=" + "A1b2" * 40
    value = f"<{url}>, <mailto:unsubscribe@papers.example.org>"
    mail = OutgoingMail(to="a@b.org", subject="s", text="t", headers=(("List-Unsubscribe", value),))
    wire = composer.compose(mail).as_bytes()
    assert f"List-Unsubscribe: <{url}>,".encode() in wire
    assert reparsed(composer.compose(mail))["List-Unsubscribe"] == value


UNSUBSCRIBE = "<https://papers.example.org/unsubscribe?token=12." + "a" * 32 + ">, <mailto:u@x.org>"


@pytest.mark.parametrize(
    "html", [None, "<p>Ünïcode “x” " + "long line " * 30 + "</p>\n.dot\n\nend\t \n"]
)
def test_raw_bytes_read_back_as_the_composed_message(composer: Composer, html: str | None) -> None:
    mail = OutgoingMail(
        to="Ada@Example.ORG",
        subject="5 trending papers — Fri: “A title” " + "x" * 80,
        text="Line é\n.starts with a dot\nFrom here\n" + "word " * 40 + "\ntrailing \n",
        html=html,
        message_id="<digest.1.abc@papers.example.org>",
        headers=(("List-Id", "<digest.papers.example.org>"), ("List-Unsubscribe", UNSUBSCRIBE)),
    )
    recipient, message_id, data = composer.raw(mail)
    assert (recipient, message_id) == ("Ada@example.org", "<digest.1.abc@papers.example.org>")
    assert data.isascii() and max(len(line) for line in data.split(b"\r\n")) <= 998
    raw = email.message_from_bytes(data, policy=email.policy.default)
    composed = reparsed(composer.compose(mail))
    assert isinstance(raw, EmailMessage)
    for name in ("From", "To", "Subject", "Date", "Message-ID", "List-Id", "List-Unsubscribe"):
        assert str(raw[name]) == str(composed[name]), name
    for subtype in ("plain", "html") if html else ("plain",):
        assert body(raw, subtype) == body(composed, subtype)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\n",
        "one line",
        "trailing space \nand tab\t\n\nblank above",
        "=" * 100 + "\n" + "é" * 60,
        "x" * 75 + "=y " * 40,
        "windows\r\nold mac\rmixed\n",
        "same line\nsame line\nsame line",
    ],
)
def test_quoted_printable_by_line_is_binascii_on_the_whole_text(text: str) -> None:
    whole = text.replace("\r\n", "\n").replace("\r", "\n")
    whole += "" if whole.endswith("\n") else "\n"
    expected = binascii.b2a_qp(whole.encode("utf-8"), istext=True).decode("ascii")
    assert _quoted_printable(text) == expected.replace("\n", "\r\n").removesuffix("\r\n")
