"""Message bodies: the raw text is stored; this renders a markdown subset to safe HTML.

The subset: paragraphs and line breaks, **strong**, _emphasis_, `code`, fenced code blocks,
links (http, https, mailto), lists and quotes. Plain `http://` and `https://` addresses in the
text become links too (linkify-it; never `javascript:` or `data:`, never a bare domain). Every
link opens in a new tab with rel="noopener noreferrer nofollow". No raw HTML, images, headings
or tables. The output is sanitised by nh3 (ammonia) whatever the renderer produced, so a
renderer bug cannot become a script on someone's screen.
"""

from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {"p", "br", "strong", "em", "code", "pre", "a", "ul", "ol", "li", "blockquote"}
ALLOWED_ATTRIBUTES = {"a": {"href"}}
LINK_ATTRIBUTES = {"a": {"target": "_blank"}}
URL_SCHEMES = {"http", "https", "mailto"}


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "breaks": True, "linkify": True})
    md.enable("linkify")
    md.disable(
        ["image", "heading", "lheading", "hr", "html_block", "html_inline", "reference"],
        ignoreInvalid=True,
    )
    # Only addresses written with their scheme: "www.x", "x.go.id" and "a@b" stay text (a
    # mention such as @budi must never turn into a mail link), and only http(s) and mailto.
    md.linkify.set({"fuzzy_link": False, "fuzzy_email": False, "fuzzy_ip": False})
    md.linkify.add("ftp:", None)
    md.linkify.add("//", None)
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
        set_tag_attribute_values=LINK_ATTRIBUTES,
    ).strip()
