"""Domain errors with a stable code, which every caller turns into its own form.

An API endpoint answers `{"code", "message", "fields"?, "current"?}` with `status`; a
consumer sends an `error` frame with the same code; a form shows the message.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    code = "invalid"
    status = 400

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        fields: dict[str, list[str]] | None = None,
        current: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = str(message)
        if code is not None:
            self.code = code
        self.fields = fields
        self.current = current

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.fields:
            # Always lists of strings, whatever the raiser passed (ids, say).
            body["fields"] = {
                str(name): [str(problem) for problem in problems]
                for name, problems in self.fields.items()
            }
        if self.current is not None:
            body["current"] = self.current
        return body


class InvalidInput(DomainError):
    code = "invalid"
    status = 400


class NotFound(DomainError):
    code = "not_found"
    status = 404


class Forbidden(DomainError):
    code = "forbidden"
    status = 403


class Conflict(DomainError):
    code = "conflict"
    status = 409


class RateLimited(DomainError):
    code = "rate_limited"
    status = 429


class Unavailable(DomainError):
    code = "unavailable"
    status = 503


class TooLarge(DomainError):
    code = "too_large"
    status = 413


class UnsupportedType(DomainError):
    code = "unsupported_type"
    status = 415
