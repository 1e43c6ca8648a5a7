"""Comment bodies from Markdown to safe HTML: CommonMark, math kept for KaTeX, an allow-list.

Comments are stored as the member's Markdown source and rendered when shown, never stored as
HTML: a tightened allow-list then covers every old comment at once, and an edit cannot leave
a stale rendering behind. A small in-process LRU keeps repeat renders off the hot path (the
anonymous page cache already absorbs most of them).

Raw HTML in the source is shown as text (markdown-it's `html` off); `$…$` and `$$…$$` become
`.math` elements holding the TeX escaped and untouched by Markdown, which app.js typesets with
KaTeX (`trust: false`, so no `\\href` or `\\url` links); nh3 (ammonia) then keeps only the tags,
classes and URL schemes listed below, and marks links `rel="nofollow ugc noopener"`.
"""

from __future__ import annotations

from functools import lru_cache
from html import escape
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from markupsafe import Markup
from mdit_py_plugins.dollarmath import dollarmath_plugin

TAGS = {
    "p", "br", "hr", "strong", "em", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "span", "div", "h1", "h2", "h3", "h4", "h5", "h6",
}  # fmt: skip
ATTRIBUTES = {"a": {"href"}, "ol": {"start"}}
CLASSES = {"span": {"math"}, "div": {"math"}}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow ugc noopener"
MATH_CLASS = 'class="math"'


def _math_inline(
    renderer: RendererHTML, tokens: list[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return f'<span class="math">${escape(tokens[idx].content, quote=False)}$</span>'


def _math_display_inline(
    renderer: RendererHTML, tokens: list[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    # a span, not a div, inside a paragraph; KaTeX still sets $$…$$ as display math
    return f'<span class="math">$${escape(tokens[idx].content, quote=False)}$$</span>'


def _math_display(
    renderer: RendererHTML, tokens: list[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return f'<div class="math">$${escape(tokens[idx].content, quote=False)}$$</div>\n'


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.disable("image")  # images are not allowed: ![a](b) stays text and a plain link
    # "$5 and $10" is money, not math: no digit right inside the dollars
    dollarmath_plugin(md, allow_labels=False, allow_digits=False, double_inline=True)
    md.add_render_rule("math_inline", _math_inline)
    md.add_render_rule("math_inline_double", _math_display_inline)
    md.add_render_rule("math_block", _math_display)
    return md


_MARKDOWN = _parser()


def sanitise(html: str) -> str:
    """Only the allow-listed tags, attributes, classes and URL schemes of `html`."""
    return nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        allowed_classes=CLASSES,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    )


@lru_cache(maxsize=4096)
def render_markdown(source: str) -> Markup:
    """The comment's HTML, safe to put in a page as is."""
    return Markup(sanitise(_MARKDOWN.render(source)))


def has_math(html: Any) -> bool:
    """Whether rendered HTML holds math for KaTeX (so the page loads it)."""
    return MATH_CLASS in str(html)
