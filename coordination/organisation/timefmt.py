"""Times shown to people: in the viewer's zone, labelled WIB, WITA or WIT (else UTC±hh:mm),
optionally with another zone beside it. The one helper behind every time on every page; the
template tag `{% when %}` and the filter `in_zone` (coordination/templatetags/rakor.py) call it.
"""

from __future__ import annotations

import zoneinfo
from datetime import datetime, timedelta

from django.utils import dateformat, timezone, translation

ZONE_LABELS = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Ujung_Pandang": "WITA",
    "Asia/Jayapura": "WIT",
}
DEFAULT_ZONE = "Asia/Jakarta"

# Per kind, per language: Django date-format strings (month and day names are translated).
FORMATS = {
    "datetime": {"id": "l, j F Y, H.i", "en": "l j F Y, H:i"},
    "date": {"id": "l, j F Y", "en": "l j F Y"},
    "time": {"id": "H.i", "en": "H:i"},
    "short": {"id": "j M Y, H.i", "en": "j M Y, H:i"},
}


def zone_label(zone_name: str, at: datetime | None = None) -> str:
    """WIB, WITA or WIT for Indonesia's zones; otherwise the UTC offset at `at` (which
    follows daylight saving: Europe/Amsterdam is UTC+01:00 in winter, UTC+02:00 in summer)."""
    label = ZONE_LABELS.get(zone_name)
    if label:
        return label
    at = at or timezone.now()
    offset = at.astimezone(zoneinfo.ZoneInfo(zone_name)).utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    if minutes == 0:
        return "UTC"
    sign = "+" if minutes > 0 else "−"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{rest:02d}"


def zone_of(viewer: object) -> str:
    """The zone to show times in for a viewer: an official (their zone), or an IANA name."""
    if isinstance(viewer, str) and viewer:
        return viewer
    return getattr(viewer, "zone_name", None) or DEFAULT_ZONE


def format_in_zone(
    value: datetime,
    zone_name: str,
    *,
    kind: str = "datetime",
    beside: str | None = None,
    language: str | None = None,
) -> str:
    """`value` in `zone_name` with its label, e.g. "Senin, 30 November 2026, 09.52 WITA".

    With `beside`, the same instant in that zone follows in brackets when its label differs:
    "09.52 WITA (08.52 WIB)"; the date is repeated there only when it differs.
    """
    language = (language or translation.get_language() or "id")[:2]
    formats = FORMATS[kind]
    fmt = formats.get(language, formats["en"])
    local = value.astimezone(zoneinfo.ZoneInfo(zone_name))
    with translation.override(language):
        text = f"{dateformat.format(local, fmt)} {zone_label(zone_name, value)}"
        if beside and zone_label(beside, value) != zone_label(zone_name, value):
            other = value.astimezone(zoneinfo.ZoneInfo(beside))
            if kind == "date":
                return text
            other_fmt = FORMATS["time"] if other.date() == local.date() else FORMATS["short"]
            other_text = dateformat.format(other, other_fmt.get(language, other_fmt["en"]))
            text += f" ({other_text} {zone_label(beside, value)})"
    return text
