"""Message bodies rendered to safe HTML: the markdown subset, plain addresses as links."""

from __future__ import annotations

import re

import pytest

from messaging.render import render_body

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
