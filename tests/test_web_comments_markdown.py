"""Comment Markdown: math kept for KaTeX, links made safe, every XSS payload left inert."""

from __future__ import annotations

import pytest
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from paperboy.web.markdown import has_math, render_markdown

XSS = [
    "<script>window.__xss=1</script>",
    "<img src=x onerror=window.__xss=1>",
    "<svg onload=window.__xss=1>",
    "<iframe src=javascript:window.__xss=1></iframe>",
    "<a href='javascript:window.__xss=1'>x</a>",
    "[click](javascript:window.__xss=1)",
    "[click](JaVaScRiPt:window.__xss=1)",
    "[click](&#106;avascript:window.__xss=1)",
    "[click](java\tscript:window.__xss=1)",
    "[click](<javascript:window.__xss=1>)",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](vbscript:msgbox(1))",
    "![x](javascript:window.__xss=1)",
    "![x](data:image/svg+xml,<svg onload=alert(1)>)",
    "<javascript:window.__xss=1>",
    "[ref]\n\n[ref]: javascript:window.__xss=1",
    "&lt;script&gt;window.__xss=1&lt;/script&gt;",
    "&#60;script&#62;window.__xss=1&#60;/script&#62;",
    "<div style='background:url(javascript:alert(1))'>x</div>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "$x<y$ and $a</span><script>window.__xss=1</script>$",
    "$$\n</div><img src=x onerror=alert(1)>\n$$",
    "`<script>window.__xss=1</script>`",
    "```html\n<script>window.__xss=1</script>\n```",
    "<!-- <script>window.__xss=1</script> -->",
    '[x](http://example.org "title" onclick="alert(1)")',
    '[x](http://example.org/"onmouseover="alert(1))',
]
FORBIDDEN_TAGS = ("script", "img", "svg", "iframe", "style", "math", "object", "embed", "table")
SAFE_SCHEMES = ("http://", "https://", "mailto:")


@pytest.mark.parametrize("payload", XSS)
def test_xss_payload_renders_inert(payload: str) -> None:
    tree = HTMLParser(f"<body>{render_markdown(payload)}</body>")
    for tag in FORBIDDEN_TAGS:
        assert tree.css(tag) == [], f"<{tag}> survived"
    for node in tree.css("*"):
        names = set(node.attributes)
        assert not {n for n in names if n.lower().startswith("on")}, node.html
        assert "style" not in names and "src" not in names, node.html
        href = node.attributes.get("href")
        if href is not None:
            assert href.startswith(SAFE_SCHEMES), href


def test_links_get_nofollow_ugc_noopener() -> None:
    link = HTMLParser(str(render_markdown("[paper](https://arxiv.org/abs/2601.00001)"))).css_first(
        "a"
    )
    assert link is not None
    assert link.attributes == {
        "href": "https://arxiv.org/abs/2601.00001",
        "rel": "nofollow ugc noopener",
    }


@pytest.mark.parametrize(
    ("source", "kept"),
    [
        ("$a_1 * b_2 * c$", "$a_1 * b_2 * c$"),  # no emphasis inside math
        (r"$\{x\} \\ y$", r"$\{x\} \\ y$"),  # backslash escapes untouched
        ("$x<y$", "$x<y$"),
        ("$$\\sum_{i=1}^n i$$", "$$\\sum_{i=1}^n i$$"),
        ("before $$x^2$$ after", "$$x^2$$"),
    ],
)
def test_math_survives_markdown_untouched(source: str, kept: str) -> None:
    html = render_markdown(source)
    math = HTMLParser(str(html)).css_first(".math")
    assert math is not None and math.text() == kept
    assert has_math(html)


def test_money_is_not_math() -> None:
    html = render_markdown("It costs $5 and $10.")
    assert not has_math(html)
    assert "$5 and $10" in HTMLParser(str(html)).text()


def test_markdown_basics_are_kept() -> None:
    source = "**bold** _it_ `code`\n\n> quoted\n\n1. one\n2. two\n\n```\nblock\n```"
    tree = HTMLParser(str(render_markdown(source)))
    for selector in ("strong", "em", "p > code", "blockquote", "ol > li", "pre > code"):
        assert tree.css(selector), selector


def test_images_are_not_shown() -> None:
    tree = HTMLParser(str(render_markdown("![chart](https://example.org/chart.png)")))
    assert tree.css("img") == []
