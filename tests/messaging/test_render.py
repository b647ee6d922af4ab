"""Message bodies rendered to safe HTML: the markdown subset, plain addresses as links."""

from __future__ import annotations

import re

import pytest

from messaging.render import render_body
from tests.messaging.posting import post

LINK = 'target="_blank" rel="noopener noreferrer nofollow"'


@pytest.mark.parametrize(
    ("body", "href"),
    [
        (
            "lihat https://jdih.kemendagri.go.id/a?b=1&c=2, ya",
            "https://jdih.kemendagri.go.id/a?b=1&amp;c=2",
        ),
        ("http://bps.go.id.", "http://bps.go.id"),
        ("(https://example.go.id/x)", "https://example.go.id/x"),
        ("[laporan](https://example.go.id/laporan)", "https://example.go.id/laporan"),
    ],
)
def test_plain_http_addresses_become_links_that_open_safely(body, href):
    html = render_body(body)
    assert f'<a href="{href}" {LINK}>' in html, html


@pytest.mark.parametrize(
    "body",
    [
        "javascript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "[klik](javascript:alert(1))",
        "[klik](data:text/html,x)",
        "ftp://files.example.go.id/a",
        "www.bps.go.id and bps.go.id",  # no scheme: left as text
        "@budi and budi@kemendagri.go.id",  # mentions never become mail links
    ],
)
def test_nothing_but_http_and_written_mailto_links(body):
    html = render_body(body)
    hrefs = re.findall(r'href="([^"]*)"', html)
    assert all(h.startswith(("http://", "https://")) for h in hrefs), html
    assert "javascript:" not in "".join(hrefs) and "data:" not in "".join(hrefs)
    assert "<a " not in html or hrefs


def test_every_link_opens_in_a_new_tab_without_the_opener():
    html = render_body("[a](https://a.example.go.id) https://b.example.go.id mailto:x@y.go.id")
    assert html.count("<a ") == 3 and html.count(LINK) == 3


@pytest.mark.parametrize(
    "body",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "[klik](javascript:alert(1))",
        "[klik](JaVaScRiPt:alert(1))",
        "[klik](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "<svg onload=alert(1)>",
        '<a href="javascript:alert(1)">x</a>',
        "![x](https://evil.example/x.png)",
        "<iframe src=//evil.example></iframe>",
        "**<b onmouseover=alert(1)>tebal</b>**",
    ],
)
def test_hostile_bodies_render_inert(world, body):
    """Whatever comes in, the HTML out has only the allowed elements, no event handlers,
    and links only to http, https or mailto; the rest is shown as text."""
    from html.parser import HTMLParser

    from messaging.render import ALLOWED_TAGS, render_body

    class Inspect(HTMLParser):
        def __init__(self):
            super().__init__()
            self.problems = []

        def handle_starttag(self, tag, attrs):
            if tag not in ALLOWED_TAGS:
                self.problems.append(tag)
            for name, value in attrs:
                if (
                    name not in ("href", "rel", "target")
                    or (name == "href" and not value.startswith(("http:", "https:", "mailto:")))
                    or (name == "target" and value != "_blank")
                ):
                    self.problems.append(f"{tag}[{name}={value}]")
            if dict(attrs).get("target") and "noopener" not in (dict(attrs).get("rel") or ""):
                self.problems.append(f"{tag} opens a tab with its opener")

    html = render_body(body)
    inspector = Inspect()
    inspector.feed(html)
    assert inspector.problems == [], (body, html)
    message, _ = post(world, body=body)
    assert message.body == body  # stored raw, rendered safe


def test_links_render_with_safe_rel(world):
    from messaging.render import render_body

    html = render_body("[BPS](https://bps.go.id)")
    assert html == (
        '<p><a href="https://bps.go.id" target="_blank" rel="noopener noreferrer nofollow">'
        "BPS</a></p>"
    )
