"""The notification centre: the official's notifications, opening one, marking them read."""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from coordination.organisation import notifications
from coordination.platform.errors import DomainError
from coordination.platform.pagination import CURSOR_PATTERN

PAGE = 30


@never_cache
@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("show") == "unread"
    cursor = request.GET.get("before") or None
    if cursor and not re.fullmatch(CURSOR_PATTERN, cursor):
        cursor = None
    rows, next_cursor = notifications.notifications_page(
        request.user, cursor=cursor, limit=PAGE, unread_only=unread_only
    )
    return render(
        request,
        "coordination/notifications.html",
        {
            "rows": rows,
            "next_cursor": next_cursor,
            "unread_only": unread_only,
            "paged": bool(cursor),
        },
    )


@never_cache
@login_required
def notification_open(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Follow a notification's link; it is read from then on."""
    try:
        notification = notifications.notification_open(
            official=request.user, notification_id=notification_id
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("notifications")
    link = notification.link
    if not link or not url_has_allowed_host_and_scheme(
        link, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect("notifications")
    return redirect(link)


@login_required
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    """Mark one notification (`id`) or all of them (`all`) read."""
    everything = request.POST.get("all") == "1"
    ids = [int(v) for v in request.POST.getlist("id") if v.isascii() and v.isdigit()][:200]
    try:
        changed = notifications.notifications_mark_read(
            official=request.user, ids=ids, everything=everything
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if everything:
            messages.success(request, _("All notifications are marked read."))
        elif changed:
            messages.success(request, _("The notification is marked read."))
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect("notifications")
