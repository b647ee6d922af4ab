"""The cleaners every entry point shares: input is parsed and bounded once, where it enters
(an API schema, a form, a socket frame), and services receive typed values.

The API's schema types (`platform.schemas`: Id, Seq, Text, NonBlankText, Instant) state the
same rules for pydantic; these functions apply them to values that arrive untyped (socket
frames, JSON inside a frame). Each raises InvalidInput naming the field, with a message a
person can act on; nothing is coerced silently (a boolean is not a number, "7" is not an id).

Ids have one bound everywhere: 1 <= id < ID_MAX (2**62), as the schema says. Seqs are
0 <= seq < ID_MAX.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
import uuid
from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from coordination.platform.errors import InvalidInput

ID_MAX = 2**62
# Characters that show nothing: a text of only these is blank.
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"


def is_whole_number(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def clean_id(value: object, name: str) -> int:
    """An id: a whole number from 1 below ID_MAX."""
    if not is_whole_number(value) or not 1 <= value < ID_MAX:
        raise InvalidInput(
            _("%(name)s is an id (a whole number from 1).") % {"name": name},
            fields={name: [_("Not an id.")]},
        )
    return value


def clean_optional_id(value: object, name: str) -> int | None:
    return None if value is None else clean_id(value, name)


def clean_seq(value: object, name: str) -> int:
    """A position on a room's timeline: a whole number from 0 below ID_MAX."""
    if not is_whole_number(value) or not 0 <= value < ID_MAX:
        raise InvalidInput(
            _("%(name)s is a seq (a whole number from 0).") % {"name": name},
            fields={name: [_("Not a seq.")]},
        )
    return value


def clean_ids(value: object, name: str, *, max_items: int) -> list[int]:
    """A list of distinct ids, in the order given, at most `max_items` of them."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidInput(
            _("%(name)s is a list of ids.") % {"name": name}, fields={name: [_("Not ids.")]}
        )
    ids = [clean_id(item, name) for item in value]
    if len(set(ids)) > max_items:
        raise InvalidInput(
            _("%(name)s has at most %(n)d items.") % {"name": name, "n": max_items},
            fields={name: [_("Too many.")]},
        )
    return list(dict.fromkeys(ids))


def clean_uuid(value: object, name: str) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    try:
        if not isinstance(value, str):
            raise ValueError
        return uuid.UUID(value)
    except ValueError:
        raise InvalidInput(
            _("%(name)s must be a UUID.") % {"name": name}, fields={name: [_("Not a UUID.")]}
        ) from None


def reject_unstorable_text(value: str) -> str:
    """Refuse text no database should receive: NUL, other control characters except tab and
    newlines, and lone surrogates (PostgreSQL rejects the first and the last outright)."""
    for char in value:
        if char in "\t\n\r":
            continue
        category = unicodedata.category(char)
        if category == "Cc" or category == "Cs":
            raise ValueError("contains a control character or an invalid code point")
    return value


def is_blank(value: str) -> bool:
    """Nothing but white space and characters that show nothing."""
    return not value.strip().strip(INVISIBLE).strip()


def clean_text(
    value: object,
    name: str,
    *,
    max_length: int,
    required: bool = False,
    strip: bool = False,
    too_long_code: str = "invalid",
) -> str:
    """Text a database can store, at most `max_length` characters (after stripping, when
    `strip`); `required` text must show something."""
    if value is None and not required:
        value = ""
    if not isinstance(value, str):
        raise InvalidInput(_("%(name)s is text.") % {"name": name}, fields={name: [_("Not text.")]})
    try:
        reject_unstorable_text(value)
    except ValueError:
        raise InvalidInput(
            _("%(name)s holds characters that cannot be stored.") % {"name": name},
            fields={name: [_("Control characters are not allowed.")]},
        ) from None
    if strip:
        value = value.strip()
    if required and is_blank(value):
        raise InvalidInput(
            _("%(name)s is required.") % {"name": name}, fields={name: [_("Required.")]}
        )
    if len(value) > max_length:
        raise InvalidInput(
            _("%(name)s has at most %(n)d characters.") % {"name": name, "n": max_length},
            code=too_long_code,
            fields={name: [_("Too long.")]},
        )
    return value


def clean_choice(value: object, name: str, choices: Iterable[str]) -> str:
    choices = list(choices)
    if not isinstance(value, str) or value not in choices:
        raise InvalidInput(
            _("%(name)s is one of: %(choices)s") % {"name": name, "choices": ", ".join(choices)},
            fields={name: [_("Unknown value.")]},
        )
    return value


def clean_date(value: object, name: str) -> datetime.date:
    """A calendar date written YYYY-MM-DD (not the other forms ISO 8601 allows, such as
    20261205 or 2026-W49-6, which Python reads too)."""
    try:
        if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            _("%(name)s is a date, YYYY-MM-DD.") % {"name": name},
            fields={name: [_("Not a date.")]},
        ) from None


def clean_object(value: object, name: str, *, keys: Iterable[str]) -> dict[str, Any]:
    """A JSON object holding no keys but `keys`."""
    if not isinstance(value, dict) or set(value) - set(keys):
        raise InvalidInput(
            _("%(name)s is an object with: %(keys)s") % {"name": name, "keys": ", ".join(keys)},
            fields={name: [_("Not valid.")]},
        )
    return value
