"""Cursor pagination for API lists: `{"items": [...], "next": <cursor or null>}`.

A cursor is opaque to clients: they pass back the `next` of the previous page. It is the key
after which the next page starts, written as digits, so that every cursor the schema admits
(CURSOR_PATTERN) means a page: the API never answers a well-formed cursor with an error, and
a page is stable under inserts.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from coordination.platform.errors import InvalidInput

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
CURSOR_PATTERN = r"^[0-9]{1,18}$"


def encode_cursor(after_id: int) -> str:
    return str(after_id)


def decode_cursor(cursor: str) -> int:
    if not cursor.isascii() or not cursor.isdigit() or len(cursor) > 18:
        raise InvalidInput(
            _("The cursor is not valid; start again without it."),
            code="invalid_cursor",
            fields={"cursor": [_("Not a cursor this server gave out.")]},
        )
    return int(cursor)


def paginate_by_id(
    queryset: QuerySet, *, cursor: str | None, limit: int, newest_first: bool = False
) -> tuple[list[Any], str | None]:
    """One page of `queryset` in id order after `cursor` (with `newest_first`, in reverse id
    order before it), and the cursor of the next page."""
    if cursor:
        after = decode_cursor(cursor)
        queryset = queryset.filter(pk__lt=after) if newest_first else queryset.filter(pk__gt=after)
    rows = list(queryset.order_by("-pk" if newest_first else "pk")[: limit + 1])
    if len(rows) > limit:
        rows = rows[:limit]
        return rows, encode_cursor(rows[-1].pk)
    return rows, None
