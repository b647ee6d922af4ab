"""HTTP conventions shared by every page and endpoint: the API's error shape for whatever the
framework answers under /api/ (ApiMiddleware), safe redirects, domain errors on forms."""

from __future__ import annotations

from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.utils.http import url_has_allowed_host_and_scheme

from coordination.platform.errors import DomainError


def add_domain_error(form, exc: DomainError) -> None:
    """Show a service's refusal on the form: on each field it names, else above the form."""
    placed = False
    for name, problems in (exc.fields or {}).items():
        if name in form.fields:
            for problem in problems:
                form.add_error(name, problem)
            placed = True
    if not placed:
        form.add_error(None, exc.message)


def stored_file_response(field_file, *, name: str, content_type: str) -> FileResponse:
    """A stored file (an attachment, a document, evidence) as a download: under the name it
    was given, never shown inline, never cached (it is served only to those entitled)."""
    response = FileResponse(
        field_file.open("rb"), as_attachment=True, filename=name, content_type=content_type
    )
    response["Cache-Control"] = "private, no-store"
    return response


def safe_next(request, candidate: str | None, default: str = "/") -> str:
    """`candidate` if it points back into this site, else `default`."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


API_PREFIX = "/api/"

_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
    500: "server_error",
    502: "unavailable",
    503: "unavailable",
}


class ApiMiddleware:
    """The API's conventions for what the framework answers before or around the API views.

    Any non-JSON error under /api/ (an unknown path, a wrong method, a disallowed host, a
    framework error) is answered in CONTRACT.md's error shape, so clients parse one format.
    HEAD is answered like GET without the body. A query parameter given more than once is
    refused (400): each takes one value. First in MIDDLEWARE, so that it sees the
    errors the other middleware raise.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        head = request.method == "HEAD"
        if head:
            request.method = "GET"
        repeated = sorted(name for name, values in request.GET.lists() if len(values) > 1)
        if repeated:
            # Every query parameter of the API takes one value: `?room=1&room=2` is refused
            # rather than read as one of them.
            from django.utils.translation import gettext as _

            return JsonResponse(
                {
                    "code": "invalid",
                    "message": _("Some fields are not valid."),
                    "fields": {name: [_("Given more than once.")] for name in repeated},
                },
                status=400,
            )
        response = self.shape_error(request, self.get_response(request))
        if head and not response.streaming:
            response["Content-Length"] = str(len(response.content))
            response.content = b""
        return response

    def shape_error(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if response.status_code >= 400 and not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            status = response.status_code
            code = _CODES.get(status, "bad_request" if status < 500 else "server_error")
            replacement = JsonResponse({"code": code, "message": _message(status)}, status=status)
            for header in ("Allow", "Retry-After", "WWW-Authenticate"):
                if header in response:
                    replacement[header] = response[header]
            return replacement
        return response


def _message(status: int) -> str:
    from django.utils.translation import gettext as _

    messages = {
        404: _("No such API path."),
        405: _("This method is not allowed on this path."),
        413: _("The request is too large."),
    }
    return messages.get(status) or (
        _("The request was not understood.") if status < 500 else _("The server failed; try again.")
    )
