"""Message bodies: the raw text is stored; this renders a markdown subset to safe HTML.

The subset: paragraphs and line breaks, **strong**, _emphasis_, `code`, fenced code blocks,
links (http, https, mailto), lists and quotes. No raw HTML, images, headings or tables. The
output is sanitised by nh3 (ammonia) whatever the renderer produced, so a renderer bug cannot
become a script on someone's screen.
"""

from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {"p", "br", "strong", "em", "code", "pre", "a", "ul", "ol", "li", "blockquote"}
ALLOWED_ATTRIBUTES = {"a": {"href"}}
URL_SCHEMES = {"http", "https", "mailto"}


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "breaks": True, "linkify": False})
    md.disable(
        ["image", "heading", "lheading", "hr", "html_block", "html_inline", "reference"],
        ignoreInvalid=True,
    )
    return md


def render_body(body: str) -> str:
    """Safe HTML for a message body."""
    html = _markdown().render(body)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    ).strip()
