"""The JSON API at /api/v1/: authentication, the error shape, and every app's router.

Errors always have CONTRACT.md's shape `{"code", "message", "fields"?, "current"?}`;
validation errors are 400 (not the framework's default 422).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser
from ninja.security import APIKeyCookie, HttpBearer

from coordination.organisation import permissions
from coordination.organisation.services import token_authenticate
from coordination.platform.errors import DomainError

logger = logging.getLogger("rakor.api")


class BearerToken(HttpBearer):
    """`Authorization: Bearer <token>` with a token from the profile or `create_token`."""

    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str):
        official = token_authenticate(token)
        if official is not None:
            request.user = official
        return official


class SessionCookie(APIKeyCookie):
    """The browser's session cookie; unsafe methods need the CSRF token too."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        # Without a session cookie there is no session to protect: the request is simply
        # unauthenticated (401), not a CSRF failure.
        if self.param_name not in request.COOKIES:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None):
        user = getattr(request, "user", None)
        return user if permissions.is_active(user) else None


class ObjectBodies(Parser):
    """A JSON body is an object: `false`, `[]` or `7` are refused (400), not read as an
    empty change."""

    def parse_body(self, request: HttpRequest):
        data = super().parse_body(request)
        if not isinstance(data, dict):
            raise HttpError(400, _("The request body must be a JSON object."))
        return data


class RakorAPI(NinjaAPI):
    """Operation ids name the app and the endpoint (`messaging_api_message_post`), wherever
    in the app's API package the endpoint is written, so that they stay stable for clients
    generated from the schema."""

    def get_openapi_operation_id(self, operation) -> str:
        app = operation.view_func.__module__.split(".")[0]
        return f"{app}_api_{operation.view_func.__name__}"


api = RakorAPI(
    title="Rakor API",
    version="1",
    description=(
        "Rakor, the coordination hub for central and regional government. "
        "Authenticate with `Authorization: Bearer <token>` (create a token on your profile "
        "page or with `manage.py create_token`) or with the browser session and its CSRF "
        "token. Errors are `{code, message, fields?, current?}`; lists are "
        "`{items, next}`, where `next` is the cursor of the next page."
    ),
    urls_namespace="api",
    parser=ObjectBodies(),
    # Bearer first: a token client must not be stopped by the session's CSRF check.
    auth=[BearerToken(), SessionCookie()],
)


def error_response(request: HttpRequest, status: int, body: dict) -> HttpResponse:
    return api.create_response(request, body, status=status)


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return error_response(request, exc.status, exc.as_dict())


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields: dict[str, list[str]] = {}
    code = "invalid"
    for error in exc.errors:
        location = [str(part) for part in error.get("loc", ())]
        # ("body", "payload", "body") -> "body"; ("query", "filters", "limit") -> "limit":
        # drop where the value came from and the view's parameter name, keep the field.
        if location[:1] and location[0] in ("body", "query", "path", "header", "cookie", "form"):
            location = location[1:]
        if location[:1] and location[0] in ("payload", "filters", "query"):
            location = location[1:]
        if error.get("type") == "string_too_long" and location == ["body"]:
            code = "body_too_long"
        fields.setdefault(".".join(location) or "__all__", []).append(str(error.get("msg", "")))
    return error_response(
        request,
        400,
        {"code": code, "message": _("Some fields are not valid."), "fields": fields},
    )


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = error_response(
        request,
        401,
        {"code": "unauthenticated", "message": _("Sign in or send a valid API token.")},
    )
    response["WWW-Authenticate"] = 'Bearer realm="Rakor"'
    return response


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    codes = {403: "forbidden", 404: "not_found", 405: "method_not_allowed", 429: "rate_limited"}
    code = codes.get(exc.status_code, "bad_request" if exc.status_code < 500 else "server_error")
    message = str(exc)
    if exc.status_code == 403 and "CSRF" in message:
        code, message = "csrf_failed", _("The CSRF token is missing or wrong; reload the page.")
    return error_response(request, exc.status_code, {"code": code, "message": message})


@api.exception_handler(MultiPartParserError)
def on_unreadable_body(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
    return error_response(
        request,
        400,
        {"code": "invalid", "message": _("The request body cannot be read as a form upload.")},
    )


@api.exception_handler(RequestDataTooBig)
def on_body_too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return error_response(
        request, 413, {"code": "too_large", "message": _("The request is too large.")}
    )


@api.exception_handler(PermissionDenied)
def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return error_response(request, 403, {"code": "forbidden", "message": _("Not allowed.")})


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(request, 404, {"code": "not_found", "message": _("Not found.")})


@api.exception_handler(Exception)
def on_server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("API request %s %s failed", request.method, request.path)
    return error_response(
        request, 500, {"code": "server_error", "message": _("The server failed; try again.")}
    )


from coordination.organisation.api import router as coordination_router  # noqa: E402
from meetings.api import router as meetings_router  # noqa: E402
from messaging.api import router as messaging_router  # noqa: E402

api.add_router("/", coordination_router)
api.add_router("/", messaging_router)
api.add_router("/", meetings_router)
