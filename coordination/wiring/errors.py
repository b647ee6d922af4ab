"""Rakor's own error pages (400, 403, 404, 500), in the reader's language.

With DEBUG off (the default in both modes) Django calls these instead of its debug pages,
which list every URL pattern. Paths under /api/ never reach them as HTML: ApiMiddleware
answers those in the API's JSON error shape. The 500 page is rendered without context
processors or the database, which may be what failed.
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token

logger = logging.getLogger("rakor.errors")


def _page(request: HttpRequest, status: int, title: str, text: str) -> HttpResponse:
    return render(
        request,
        "errors/error.html",
        {"status": status, "title": title, "text": text},
        status=status,
    )


@requires_csrf_token
def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(
        request,
        400,
        _("The request was not understood"),
        _("The address or the form sent was not valid. Go back and try again."),
    )


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(
        request,
        403,
        _("Not allowed"),
        _("Your account may not open this page. Ask a coordinator of your agency if you need it."),
    )


@requires_csrf_token
def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(
        request,
        404,
        _("Page not found"),
        _(
            "There is nothing at this address, or it is not shared with you. Check the link, "
            "or start again from the dashboard."
        ),
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    logger.info("CSRF failure on %s: %s", request.path, reason)
    return _page(
        request,
        403,
        _("The form has expired"),
        _(
            "For your safety this form can no longer be sent (it was open too long, or you "
            "signed in again elsewhere). Go back, reload the page and send it again."
        ),
    )


def server_error(request: HttpRequest) -> HttpResponse:
    try:
        html = loader.get_template("errors/500.html").render({"status": 500})
    except Exception:  # the template itself failed: answer something readable regardless
        logger.exception("the 500 page failed to render")
        html = "<h1>500</h1><p>Rakor failed to answer this request; try again shortly.</p>"
    return HttpResponseServerError(html)
