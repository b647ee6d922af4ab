"""API shapes shared by every app: the error body, and the types of the values every endpoint
takes (ids, seqs, text, instants), with the bounds of platform.cleaners stated in the schema."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Annotated, Any

from ninja import Path, Schema
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BeforeValidator,
    Field,
    StringConstraints,
    WithJsonSchema,
)

from coordination.platform.cleaners import ID_MAX, INVISIBLE, reject_unstorable_text

# The same rule as a pattern, so the schema tells clients (and fuzzers) what is accepted.
TEXT_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"

# Every free-text field of the API is a Text: bad input is a 400, never a database error.
Text = Annotated[
    str, StringConstraints(pattern=TEXT_PATTERN), AfterValidator(reject_unstorable_text)
]


class ErrorOut(Schema):
    code: str
    message: str
    fields: dict[str, list[str]] | None = None
    current: dict[str, Any] | None = None


# The errors any authenticated endpoint may answer.
AUTH_ERRORS = {401: ErrorOut, 403: ErrorOut}


def _not_a_boolean(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("a number, not true or false")
    return value


# A JSON number that is whole (7 or 7.0, as JSON Schema counts integers), never a boolean.
WholeNumber = Annotated[int, BeforeValidator(_not_a_boolean)]
# Ids and seqs, with their bounds inside the type so that they survive `| None` in the schema.
Id = Annotated[int, Field(ge=1, lt=ID_MAX), BeforeValidator(_not_a_boolean)]
Seq = Annotated[int, Field(ge=0, lt=ID_MAX), BeforeValidator(_not_a_boolean)]

# Text with at least one character that is not white space.
NONBLANK_TEXT_PATTERN = (
    r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*"
    r"[^\s\x00-\x1f\x7f-\x9f" + "".join(f"\\u{ord(char):04x}" for char in INVISIBLE) + "]"
    r"[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"
)
NonBlankText = Annotated[
    str, StringConstraints(pattern=NONBLANK_TEXT_PATTERN), AfterValidator(reject_unstorable_text)
]

# An instant: ISO 8601 text with a UTC offset ("2026-12-01T09:00:00+07:00" or "…Z"), never a
# number (pydantic would read 0 as 1970) and never a naive time.
# Years 1970 to 9000 and offsets within ±14:00 are in the pattern too, so the schema says
# exactly what is accepted.
INSTANT_PATTERN = (
    r"^(19[7-9]\d|[2-8]\d{3}|9000)-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?"
    r"(Z|z|[+-]((0\d|1[0-3]):?[0-5]\d|14:?00))$"
)


def _iso_instant_text(value: Any) -> Any:
    if not isinstance(value, str) or not re.match(INSTANT_PATTERN, value):
        raise ValueError(
            "an instant in ISO 8601 with its UTC offset (years 1970 to 9000), "
            "e.g. 2026-12-01T09:00+07:00"
        )
    return value


def _plausible_instant(value: datetime) -> datetime:
    """Years 1970 to 9000 and offsets within ±14:00 (the widest any zone uses): nothing a
    database or a time-zone conversion cannot hold."""
    offset = value.utcoffset() or timedelta(0)
    if abs(offset) > timedelta(hours=14):
        raise ValueError("the UTC offset must be between -14:00 and +14:00")
    if not 1970 <= value.year <= 9000:
        raise ValueError("the year must be between 1970 and 9000")
    return value


Instant = Annotated[
    AwareDatetime,
    BeforeValidator(_iso_instant_text),
    AfterValidator(_plausible_instant),
    WithJsonSchema({"type": "string", "format": "date-time", "pattern": INSTANT_PATTERN}),
]


# An id in a URL path ("/rooms/{room_id}"), with the same bounds.
PathId = Annotated[int, Path(..., ge=1, lt=ID_MAX)]


def file_response(description: str) -> dict[str, Any]:
    """The OpenAPI answer of an endpoint that sends a stored file with its own type (as
    `openapi_extra`)."""
    return {
        "responses": {
            200: {
                "description": description,
                "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    }
