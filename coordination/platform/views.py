"""Machine-facing endpoints: /healthz and the CSP violation reports."""

from __future__ import annotations

import json
import logging

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from coordination.platform import health

logger = logging.getLogger("rakor.csp")

CSP_REPORT_MAX_BYTES = 16 * 1024


@never_cache
@require_GET
async def healthz(request: HttpRequest) -> JsonResponse:
    """Database, channel layer (a real send and receive) and cache; 200 when all are ok."""
    checks = {
        "database": await _off_loop(health.check_database),
        "channel_layer": await health.check_channel_layer(),
        "cache": await _off_loop(health.check_cache),
    }
    healthy = all(value == health.OK for value in checks.values())
    body = {**checks, "status": "ok" if healthy else "error", "mode": settings.RAKOR_ENV}
    return JsonResponse(body, status=200 if healthy else 503)


async def _off_loop(check):
    """Run a blocking check on a pool thread, closing that thread's connections after."""

    def run():
        try:
            return check()
        finally:
            connections.close_all()

    return await sync_to_async(run, thread_sensitive=False)()


@csrf_exempt  # browsers send reports without a CSRF token
@require_POST
def csp_report(request: HttpRequest) -> HttpResponse:
    """Log a Content-Security-Policy violation the browser reports (nothing is stored)."""
    if len(request.body) > CSP_REPORT_MAX_BYTES:
        return HttpResponse(status=413)
    try:
        report = json.loads(request.body or b"{}").get("csp-report", {})
    except (ValueError, AttributeError):
        return HttpResponse(status=400)
    if not isinstance(report, dict):
        return HttpResponse(status=400)
    logger.warning(
        "CSP violation: %s blocked %s on %s",
        str(report.get("violated-directive", "?"))[:100],
        str(report.get("blocked-uri", "?"))[:200],
        str(report.get("document-uri", "?"))[:200],
    )
    return HttpResponse(status=204)
