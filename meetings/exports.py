"""Follow-up actions out of Rakor: the CSV export of a filtered list, and the actions
calendar feed (/calendar/actions/<token>.ics, the same token as the meetings feed).

The feed holds each action twice: as a VTODO (with DUE and STATUS, for clients that keep
tasks: Thunderbird, Apple Reminders through CalDAV clients), and as an all-day VEVENT on its
due date, because Google Calendar and Outlook ignore VTODO in subscriptions. Actions of
rahasia meetings or decisions show as "Follow-up action (confidential)" only.

Every export names the decision log's head (entries and SHA-256): the CSV in its
`decision_log_head` column (the same in every row, so a saved file keeps it) and its
`X-Rakor-Decision-Log-Head` header, the feed in `X-RAKOR-DECISION-LOG-HEAD`.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io

from django.db.models import Max, Q
from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, Todo

from coordination.organisation.models import Classification, Official
from meetings import decision_log, ical
from meetings.models import FollowUpAction
from meetings.selectors import decisions as reads

CSV_COLUMNS = [
    "id",
    "description",
    "agency",
    "agency_name",
    "assignee",
    "due",
    "status",
    "overdue",
    "completed_on",
    "decision",
    "meeting",
    "meeting_title",
    "url",
    "decision_log_head",  # the same in every row: the log's head at export, kept in the file
]
TODO_STATUS = {
    FollowUpAction.Status.OPEN: "NEEDS-ACTION",
    FollowUpAction.Status.IN_PROGRESS: "IN-PROCESS",
    FollowUpAction.Status.DONE: "COMPLETED",
    FollowUpAction.Status.CANCELLED: "CANCELLED",
}
FEED_HISTORY = datetime.timedelta(days=180)


def head_label() -> str:
    entries, digest = decision_log.head()
    return f"{entries} {digest}"


def _cell(value: object) -> str:
    """A spreadsheet reads a cell starting with = + - @ as a formula: such text gets a quote."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def actions_csv(official: Official, filters: reads.ActionFilters) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    now = timezone.now()
    head = head_label()
    for action in reads.actions_filtered(official, filters).iterator(chunk_size=500):
        writer.writerow(
            [
                _cell(value)
                for value in (
                    action.pk,
                    action.description,
                    action.agency.code,
                    action.agency.name,
                    action.assignee.username if action.assignee else "",
                    action.due.isoformat(),
                    action.status,
                    "yes" if reads.is_overdue(action, now) else "no",
                    action.completed_on.isoformat() if action.completed_on else "",
                    action.decision_id,
                    action.decision.meeting_id,
                    action.decision.meeting.title,
                    ical.site_url(reads.action_url(action)),
                    head,
                )
            ]
        )
    return out.getvalue()


def actions_csv_response(official: Official, filters: reads.ActionFilters) -> HttpResponse:
    body = "\ufeff" + actions_csv(official, filters)  # a BOM, so spreadsheets read UTF-8
    response = HttpResponse(body.encode("utf-8"), content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="tindak-lanjut-{stamp}.csv"'
    response["X-Rakor-Decision-Log-Head"] = head_label()
    response["Cache-Control"] = "private, no-store"
    return response


# --- the actions feed -------------------------------------------------------------------


def feed_actions(official: Official, *, now: datetime.datetime | None = None):
    """The official's own actions and their agency's that they may see: open ones, and the
    others of the last 180 days (so a subscribed calendar shows them done or removes them)."""
    since = ((now or timezone.now()) - FEED_HISTORY).date()
    mine = Q(assignee_id=official.pk)
    if official.agency_id is not None:
        mine |= Q(agency_id=official.agency_id)
    return list(
        reads.actions_base()
        .filter(mine)
        .filter(reads.actions_visible_q(official))
        .filter(Q(status__in=reads.OPEN) | Q(due__gte=since))
        .order_by("due", "id")[:2000]
    )


def _secret(action: FollowUpAction) -> bool:
    return Classification.RAHASIA in (
        action.decision.classification,
        action.decision.meeting.classification,
    )


def feed_etag(official: Official) -> str:
    actions = feed_actions(official)
    newest = max((a.updated_at for a in actions), default=None)
    parts = [official.language, str(len(actions)), str(newest), head_label()]
    parts += [f"{a.pk}:{a.status}:{a.updated_at.isoformat()}" for a in actions]
    return '"' + hashlib.sha256("|".join(parts).encode()).hexdigest()[:32] + '"'


def feed_body(official: Official) -> bytes:
    actions = feed_actions(official)
    stamp = (
        max((a.updated_at for a in actions), default=None)
        or FollowUpAction.objects.aggregate(t=Max("updated_at"))["t"]
        or datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    )
    cal = Calendar()
    cal.add("prodid", ical.PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    with translation.override(official.language):
        name = _("Rakor follow-up actions: %(name)s") % {"name": official.display_name}
        cal.add("x-wr-calname", ical._text(name))
        cal.add("name", ical._text(name))
        cal.add("refresh-interval", datetime.timedelta(hours=1), parameters={"VALUE": "DURATION"})
        cal.add("x-published-ttl", "PT1H")
        cal.add("x-rakor-decision-log-head", head_label())
        domain = ical.uid_domain()
        for action in actions:
            secret = _secret(action)
            summary = (
                _("Follow-up action (confidential)")
                if secret
                else _("%(agency)s: %(text)s")
                % {"agency": action.agency.code.upper(), "text": action.description[:120]}
            )
            url = ical.site_url(reads.action_url(action))
            description = (
                ""
                if secret
                else "\n".join(
                    [
                        action.description,
                        "",
                        _("Responsible agency: %(agency)s") % {"agency": action.agency.name},
                        _("Meeting: %(title)s") % {"title": action.decision.meeting.title},
                        _("Decision: %(text)s") % {"text": action.decision.text[:500]},
                        url,
                    ]
                )
            )
            todo = Todo()
            todo.add("uid", f"action-{action.pk}@{domain}")
            todo.add("dtstamp", stamp)
            todo.add("last-modified", action.updated_at)
            todo.add("summary", ical._text(summary))
            todo.add("due", action.due)
            todo.add("status", TODO_STATUS[action.status])
            todo.add("class", ical.CLASSES.get(action.decision.classification, "CONFIDENTIAL"))
            todo.add("url", url)
            if description:
                todo.add("description", ical._text(description))
            if action.status == FollowUpAction.Status.DONE:
                todo.add("percent-complete", 100)
                if action.completed_on:
                    todo.add("completed", _completed(action.completed_on, action))
            cal.add_component(todo)
            event = Event()
            event.add("uid", f"action-{action.pk}-due@{domain}")
            event.add("dtstamp", stamp)
            event.add("last-modified", action.updated_at)
            label = _("Due") if action.status in reads.OPEN else action.get_status_display()
            event.add("summary", ical._text(f"{label}: {summary}"))
            event.add("dtstart", action.due)
            event.add("dtend", action.due + datetime.timedelta(days=1))
            event.add("transp", "TRANSPARENT")
            event.add("class", ical.CLASSES.get(action.decision.classification, "CONFIDENTIAL"))
            event.add("url", url)
            if action.status == FollowUpAction.Status.CANCELLED:
                event.add("status", "CANCELLED")
            else:
                event.add("status", "CONFIRMED")
            if description:
                event.add("description", ical._text(description))
            cal.add_component(event)
    return cal.to_ical()


def _completed(day: datetime.date, action: FollowUpAction) -> datetime.datetime:
    """COMPLETED is a UTC date-time: noon of the day it was done, in the agency's zone."""
    import zoneinfo

    zone = zoneinfo.ZoneInfo(action.agency.timezone)
    local = datetime.datetime.combine(day, datetime.time(12), tzinfo=zone)
    return local.astimezone(datetime.UTC)
