"""Template helpers for times, all through coordination.organisation.timefmt.

{% when meeting.start request.user %}                 → <time datetime="…">… WITA</time>
{% when meeting.start request.user beside=meeting.timezone kind="short" %}
{{ token.created_at|in_zone:request.user }}           → plain text
"""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils.html import format_html

from coordination.organisation.timefmt import format_in_zone, zone_label, zone_of

register = template.Library()


@register.simple_tag
def when(value, viewer=None, *, kind: str = "datetime", beside: str | None = None):
    """A <time> element showing `value` in the viewer's zone, with its label."""
    if not isinstance(value, datetime):
        return ""
    text = format_in_zone(value, zone_of(viewer), kind=kind, beside=beside or None)
    return format_html('<time datetime="{}">{}</time>', value.isoformat(), text)


@register.filter
def in_zone(value, viewer=None) -> str:
    """A time in the viewer's zone (an official or an IANA name) with its label."""
    if not isinstance(value, datetime):
        return ""
    return format_in_zone(value, zone_of(viewer))


@register.filter
def zone_abbr(viewer) -> str:
    return zone_label(zone_of(viewer))


@register.simple_tag
def js_catalogue(*names: str):
    """The named catalogues of page-script words (coordination.catalogues), as JSON in a
    <script type="application/json" data-catalogue> element that static/js/lib/i18n.js reads."""
    from django.utils.html import json_script
    from django.utils.safestring import mark_safe

    from coordination.wiring.catalogues import catalogue

    html = json_script(catalogue(*names))  # safe: the JSON's <, > and & are escaped
    tag = format_html('<script data-catalogue="{}" ', "+".join(names))
    return mark_safe(html.replace("<script ", tag, 1))
