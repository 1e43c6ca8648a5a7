"""Mail templates: subject, text and HTML from one context; HTML escaped, text readable."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import jinja2
import jinja2.meta
import pytest
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from paperboy.mail import JinjaMailTemplates
from paperboy.mail.templates import TEMPLATES

HOSTILE = '<script>alert("x")</script> & $\\frac{a<b}{c>d}$'


@pytest.fixture
def templates() -> JinjaMailTemplates:
    return JinjaMailTemplates("Lab papers", "https://papers.example.org/")


def render(templates: JinjaMailTemplates, **context: str) -> tuple[str, str, HTMLParser]:
    values = {"name": "Ada", "quote": "hi", "link": "/verify?token=abc&next=%2F", **context}
    rendered = templates.render("test_message", values)
    return rendered.subject, rendered.text, HTMLParser(rendered.html)


def test_templates_render_all_three_parts(templates: JinjaMailTemplates) -> None:
    subject, text, html = render(templates)
    assert subject == "Lab papers: a test message for Ada"
    assert text.startswith("Hello Ada,")
    assert "https://papers.example.org/verify?token=abc&next=%2F" in text
    assert text.endswith("Lab papers · https://papers.example.org\n")
    assert html.css_first("h1").text() == "Hello Ada,"


def test_templates_links_are_absolute_and_attribute_escaped(templates: JinjaMailTemplates) -> None:
    _, _, html = render(templates)
    hrefs = [a.attributes["href"] for a in html.css("a")]
    assert "https://papers.example.org/verify?token=abc&next=%2F" in hrefs
    assert "https://papers.example.org" in hrefs  # the layout's header and footer


def test_templates_html_escapes_untrusted_values(templates: JinjaMailTemplates) -> None:
    _, _, html = render(templates, name=HOSTILE, quote=HOSTILE)
    assert html.css("script") == []
    assert html.css_first("q.quote").text() == HOSTILE  # shown as written, not run
    assert html.css_first("h1").text() == f"Hello {HOSTILE},"


def test_templates_text_keeps_untrusted_values_readable(templates: JinjaMailTemplates) -> None:
    _, text, _ = render(templates, quote=HOSTILE)
    assert f"It quotes: {HOSTILE}" in text
    assert "&lt;" not in text and "&amp;" not in text


def test_templates_subject_is_one_line_whatever_the_values(templates: JinjaMailTemplates) -> None:
    subject, _, _ = render(templates, name="Ada\r\nBcc: eve@example.org\n\n<b>")
    assert subject == "Lab papers: a test message for Ada Bcc: eve@example.org <b>"


def test_templates_html_uses_inline_styles_only(templates: JinjaMailTemplates) -> None:
    _, _, html = render(templates)
    assert html.css("style") == [] and html.css("link") == []
    assert html.css_first("body").attributes.get("style")


def test_templates_undefined_value_is_an_error(templates: JinjaMailTemplates) -> None:
    with pytest.raises(jinja2.UndefinedError, match="quote"):
        templates.render("test_message", {"name": "Ada", "link": "/"})


@pytest.mark.parametrize("name", ["../web/templates/base", "Test", "missing_one"])
def test_templates_bad_or_unknown_name_is_an_error(
    templates: JinjaMailTemplates, name: str
) -> None:
    with pytest.raises((ValueError, jinja2.TemplateNotFound)):
        templates.render(name, {})


def test_templates_every_bundled_message_has_three_parts() -> None:
    names = {p.stem for p in TEMPLATES.iterdir() if not p.name.startswith("_")}
    for name in names:
        for suffix in (".subject", ".txt", ".html"):
            assert (TEMPLATES / f"{name}{suffix}").exists(), f"{name}{suffix} is missing"


def test_templates_from_another_folder(tmp_path: Path) -> None:
    (tmp_path / "hi.subject").write_text("Hi {{ who }}")
    (tmp_path / "hi.txt").write_text("Hi {{ who }} from {{ site_name }}")
    (tmp_path / "hi.html").write_text("<p>Hi {{ who }}</p>")
    rendered = JinjaMailTemplates("pb", "http://x.org", tmp_path).render("hi", {"who": "<you>"})
    assert (rendered.subject, rendered.text, rendered.html) == (
        "Hi <you>",
        "Hi <you> from pb\n",
        "<p>Hi &lt;you&gt;</p>",
    )


class Hostile(str):
    """Hostile text whatever a template does with it: read attributes, loop, compare."""

    def __new__(cls) -> Hostile:
        return super().__new__(
            cls, "<script>alert(1)</script>\"'&<injected-tag>\r\nBcc: eve@example.org"
        )

    def __getattr__(self, name: str) -> Hostile:
        if name.startswith("__"):
            raise AttributeError(name)
        return Hostile()

    def __iter__(self) -> Iterator[str]:
        return iter([Hostile()])


def bundled_names() -> list[str]:
    return sorted(p.stem for p in TEMPLATES.glob("*.subject"))


def variables_of(name: str) -> set[str]:
    parser = jinja2.Environment()
    found: set[str] = set()
    for suffix in (".subject", ".txt", ".html"):
        source = (TEMPLATES / f"{name}{suffix}").read_text(encoding="utf-8")
        found |= jinja2.meta.find_undeclared_variables(parser.parse(source))
    return found - {"site_name", "base_url", "absolute_url"}


@pytest.mark.parametrize("name", bundled_names())
def test_templates_every_bundled_message_escapes_every_value(
    templates: JinjaMailTemplates, name: str
) -> None:
    rendered = templates.render(name, {v: Hostile() for v in variables_of(name)})
    html = HTMLParser(rendered.html)
    assert html.css("script") == [] and html.css("injected-tag") == []
    assert "\r" not in rendered.subject and "\n" not in rendered.subject
