"""The dashboard: what waits for the official across the apps (invitations, today's and the
coming days' meetings, unread rooms, directives, follow-up actions due). Wiring: it reads
every app's selectors."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from coordination.organisation import notifications, permissions, second_factor
from meetings.selectors import invitations_awaiting, meetings_ahead
from meetings.selectors.decisions import actions_due_for
from meetings.views import RSVP_LABELS
from messaging.selectors import dashboard_sections

# Beside the official's own zone, times are also shown in Jakarta's, the reference of
# national coordination.
REFERENCE_ZONE = "Asia/Jakarta"
DASHBOARD_UNREAD = 5


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    official = request.user
    now = timezone.now()
    invitations, invitations_count = invitations_awaiting(official, now)
    today, coming = meetings_ahead(official, now)
    return render(
        request,
        "coordination/dashboard.html",
        {
            "official": official,
            "now": now,
            "reference_zone": REFERENCE_ZONE,
            "meetings_today": today,
            "meetings_coming": coming,
            "invitations": invitations,
            "invitations_count": invitations_count,
            "answers": RSVP_LABELS,
            "suggest_second_factor": not second_factor.enrolled(official),
            "may_schedule": permissions.may_schedule_meeting(official),
            "actions_due": actions_due_for(official),
            # The count is the bell's (the context processor's): the two always agree.
            "unread_latest": list(
                notifications.notification_list(official, unread_only=True)[:DASHBOARD_UNREAD]
            ),
            **dashboard_sections(official),
        },
    )
