"""Times shown to people: in the viewer's zone, labelled WIB, WITA or WIT (else UTC±hh:mm)."""

from __future__ import annotations

import zoneinfo
from datetime import datetime, timedelta

from django.utils import formats, timezone

ZONE_LABELS = {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}
# Indonesian zones that share WIB/WITA/WIT offsets under other names.
ZONE_ALIASES = {
    "Asia/Pontianak": "WIB",
    "Asia/Ujung_Pandang": "WITA",
}


def zone_label(zone_name: str, at: datetime | None = None) -> str:
    """WIB, WITA or WIT for Indonesia's zones; otherwise the UTC offset at `at`."""
    label = ZONE_LABELS.get(zone_name) or ZONE_ALIASES.get(zone_name)
    if label:
        return label
    at = at or timezone.now()
    offset = at.astimezone(zoneinfo.ZoneInfo(zone_name)).utcoffset() or timedelta(0)
    return "UTC" + _format_offset(offset)


def _format_offset(offset: timedelta) -> str:
    minutes = int(offset.total_seconds() // 60)
    if minutes == 0:
        return ""
    sign = "+" if minutes > 0 else "−"
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{rest:02d}"


def format_in_zone(value: datetime, zone_name: str, *, fmt: str = "DATETIME_FORMAT") -> str:
    """`value` in `zone_name`, formatted for the active language, with the zone's label."""
    local = value.astimezone(zoneinfo.ZoneInfo(zone_name))
    return f"{formats.date_format(local, fmt)} {zone_label(zone_name, value)}"
