"""API shapes shared by every app: the error body and the list page."""

from __future__ import annotations

from typing import Any

from ninja import Schema


class ErrorOut(Schema):
    code: str
    message: str
    fields: dict[str, list[str]] | None = None
    current: dict[str, Any] | None = None


# The errors any authenticated endpoint may answer.
AUTH_ERRORS = {401: ErrorOut, 403: ErrorOut}
