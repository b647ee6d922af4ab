"""Template helpers: `{{ when|in_zone:official }}` shows a time in the viewer's zone."""

from __future__ import annotations

from datetime import datetime

from django import template

from coordination.timefmt import format_in_zone, zone_label

register = template.Library()


def _zone_of(viewer) -> str:
    if isinstance(viewer, str) and viewer:
        return viewer
    return getattr(viewer, "zone_name", None) or "Asia/Jakarta"


@register.filter
def in_zone(value: datetime | None, viewer=None) -> str:
    """A time in the viewer's zone (an official or an IANA name) with its label."""
    if not isinstance(value, datetime):
        return ""
    return format_in_zone(value, _zone_of(viewer))


@register.filter
def zone_abbr(viewer) -> str:
    return zone_label(_zone_of(viewer))
