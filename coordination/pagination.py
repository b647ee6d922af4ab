"""Cursor pagination for API lists: `{"items": [...], "next": <cursor or null>}`.

The cursor is opaque to clients (URL-safe base64 of the last key seen), stable under inserts,
and rejected with a clear 400 when tampered with.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from coordination.errors import InvalidInput

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


def encode_cursor(after_id: int) -> str:
    raw = json.dumps({"after": after_id}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        after = data["after"]
        if not isinstance(after, int) or isinstance(after, bool) or not 0 <= after < 2**63:
            raise ValueError(after)
        return after
    except (ValueError, KeyError, TypeError, UnicodeError, binascii.Error) as exc:
        raise InvalidInput(
            _("The cursor is not valid; start again without it."),
            code="invalid_cursor",
            fields={"cursor": [_("Not a cursor this server gave out.")]},
        ) from exc


def paginate_by_id(
    queryset: QuerySet, *, cursor: str | None, limit: int
) -> tuple[list[Any], str | None]:
    """One page of `queryset` in id order after `cursor`, and the cursor of the next page."""
    if cursor:
        queryset = queryset.filter(pk__gt=decode_cursor(cursor))
    rows = list(queryset.order_by("pk")[: limit + 1])
    if len(rows) > limit:
        rows = rows[:limit]
        return rows, encode_cursor(rows[-1].pk)
    return rows, None
