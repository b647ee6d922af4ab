"""Meeting pages: the list, the week and month calendar, the form, the meeting page, the
join page, the one-click answer page and the calendar feed. Thin: each calls
meetings.services, meetings.selectors or meetings.feeds, as the API does."""

from __future__ import annotations

import dataclasses
import datetime
import zoneinfo
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coordination.organisation import permissions
from coordination.organisation.timefmt import ZONE_LABELS, zone_of
from coordination.platform.errors import DomainError
from coordination.platform.http import safe_next
from meetings import feeds, forms, invitations, itip, recurrence, selectors
from meetings.models import AgendaItem, Meeting, Participant
from meetings.selectors import decisions as decision_reads
from meetings.services import answers, attendance, scheduling
from meetings.services import feeds as feed_services

RSVP_LABELS = {
    Participant.Rsvp.ACCEPTED: gettext_lazy("Accept"),
    Participant.Rsvp.TENTATIVE: gettext_lazy("Maybe"),
    Participant.Rsvp.DECLINED: gettext_lazy("Decline"),
}


SERIES_AHEAD = datetime.timedelta(days=60)
# Meetings a page of the list shows (the list goes on page by page: however many meetings
# lie ahead, a page reads only as far as itself).
PAGE = 50
# Pages beyond this one are not offered (a page reads every meeting before it).
LAST_PAGE = 100


def _page_number(value: str | None) -> int:
    try:
        number = int(value or 1)
    except ValueError:
        return 1
    return min(max(number, 1), LAST_PAGE)


def _visible_or_404(official, meeting_id: int) -> Meeting:
    try:
        return selectors.meeting_get_visible(official, meeting_id)
    except DomainError as exc:
        raise Http404(exc.message) from exc


# --- the list and the calendar ------------------------------------------------------------


@login_required
def meeting_list(request: HttpRequest) -> HttpResponse:
    official = request.user
    now = timezone.now()
    past = request.GET.get("past") == "1"
    number = _page_number(request.GET.get("page"))
    if past:
        page = selectors.meeting_list_page(
            official, now - feeds.HISTORY, now, newest_first=True, number=number, per_page=PAGE
        )
    else:
        # A repeating meeting is listed for the coming SERIES_AHEAD; the calendar shows later.
        page = selectors.meeting_list_page(
            official, now, None, horizon=SERIES_AHEAD, number=number, per_page=PAGE
        )
    if number == LAST_PAGE:
        page = dataclasses.replace(page, has_next=False)
    return render(
        request,
        "meetings/list.html",
        {
            "meetings": selectors.meeting_rows(page.meetings, official),
            "page": page,
            "past": past,
            "may_schedule": permissions.may_schedule_meeting(official),
            "feed_url": feeds.feed_url(official),
        },
    )


@login_required
def meeting_calendar(request: HttpRequest, view: str) -> HttpResponse:
    official = request.user
    zone = zoneinfo.ZoneInfo(zone_of(official))
    today = timezone.now().astimezone(zone).date()
    try:
        day = datetime.date.fromisoformat(request.GET.get("date") or today.isoformat())
    except ValueError:
        day = today
    if not selectors.CALENDAR_YEARS[0] <= day.year <= selectors.CALENDAR_YEARS[1]:
        day = today
    grid = selectors.calendar_grid(official, view=view, day=day, today=today)
    return render(
        request,
        "meetings/calendar.html",
        {
            "view": view,
            "grid": grid,
            "zone_label": ZONE_LABELS.get(zone_of(official)) or zone_of(official),
            "may_schedule": permissions.may_schedule_meeting(official),
        },
    )


# --- the form -----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def meeting_new(request: HttpRequest) -> HttpResponse:
    official = request.user
    # Whether to show the form; saving is refused by meeting_create itself (the rule's home).
    if request.method == "GET" and not permissions.may_schedule_meeting(official):
        permissions.permission_denied(official=official, action="schedule meeting")
        return render(request, "meetings/forbidden.html", status=403)
    if request.method == "POST":
        form = forms.MeetingForm(request.POST, official=official)
        if form.is_valid():
            outcome = _save(
                request, form, lambda data: scheduling.meeting_create(by=official, **data)
            )
            if outcome is not None:
                return outcome
    else:
        form = forms.MeetingForm(official=official, initial=forms.initial_for(request, official))
    return render(request, "meetings/form.html", {"form": form, "meeting": None, "busy": form.busy})


@login_required
@require_http_methods(["GET", "POST"])
def meeting_edit(request: HttpRequest, meeting_id: int) -> HttpResponse:
    official = request.user
    meeting = _visible_or_404(official, meeting_id)
    if not selectors.may_edit(official, meeting):
        return render(request, "meetings/forbidden.html", status=403)
    if request.method == "GET" and not meeting.accepts_changes:
        messages.error(request, _("This meeting is cancelled and can no longer be changed."))
        return redirect("meetings:detail", meeting.pk)
    if request.method == "POST":
        form = forms.MeetingForm(request.POST, official=official, meeting=meeting)
        if form.is_valid():
            outcome = _save(
                request,
                form,
                lambda data: scheduling.meeting_update(
                    by=official,
                    meeting_id=meeting.pk,
                    changes=forms.changes(data),
                    # An occurrence's people are its series'.
                    participants=None if meeting.series_id else data["participants"],
                    agencies=None if meeting.series_id else data["agencies"],
                    version=form.cleaned_data.get("version"),
                ),
            )
            if outcome is not None:
                return outcome
    else:
        form = forms.MeetingForm(official=official, meeting=meeting)
    return render(
        request, "meetings/form.html", {"form": form, "meeting": meeting, "busy": form.busy}
    )


def _save(request: HttpRequest, form: forms.MeetingForm, save) -> HttpResponse | None:
    """Save unless someone is busy and the organiser has not yet confirmed; then the form is
    shown again with who is busy and a button to schedule anyway."""
    data = form.service_data()
    if not form.busy_confirmed(data) and form.busy_check(data):
        return None
    try:
        meeting, _busy = save(data)
    except DomainError as exc:
        if exc.status == 403:
            raise PermissionDenied(exc.message) from exc
        form.add_domain_error(exc)
        return None
    messages.success(request, _("Saved. Invitations are on their way to the participants."))
    return redirect("meetings:detail", meeting.pk)


# --- the meeting page ---------------------------------------------------------------------


def _notulen_or_none(official, meeting: Meeting) -> dict[str, Any] | None:
    """The notulen the official may read, or None (not approved yet, for a non-participant)."""
    try:
        return selectors.notulen_for(official, meeting)
    except DomainError:
        return None


@login_required
def meeting_detail(request: HttpRequest, meeting_id: int) -> HttpResponse:
    official = request.user
    meeting = _visible_or_404(official, meeting_id)
    # Read once, for every part of the page: the meeting (above) and its participants.
    participants = selectors.participant_rows(meeting)
    detail = selectors.meeting_detail(meeting, official, participants=participants)
    delivery = {row["username"]: row["delivery"] for row in detail["participants"]}
    for participant in participants:
        participant.delivery = delivery.get(participant.official.username)
    agenda = selectors.agenda_for(official, meeting)
    join_refusal = selectors.join_refusal(official, meeting)
    now = timezone.now()
    return render(
        request,
        "meetings/detail.html",
        {
            "meeting": meeting,
            "detail": detail,
            "participants": participants,
            "answers": RSVP_LABELS,
            "rsvp_values": Participant.Rsvp.values,
            "mine": detail["my_rsvp"],
            "may_join": join_refusal is None,
            "join_closed": join_refusal if _outside_window(join_refusal) else None,
            "reply_form": forms.ReplyUploadForm(),
            "rule": recurrence.describe(meeting.rrule or getattr(meeting.series, "rrule", "")),
            "occurrences": selectors.occurrences_ahead(meeting, now) if meeting.rrule else [],
            "agenda_outcomes": AgendaItem.Outcome.choices,
            "leads_declined": selectors.leads_declined(participants) if detail["may_edit"] else [],
            "decisions": decision_reads.decisions_of_meeting(official, meeting),
            "may_record_decision": decision_reads.may_record_decision(official, meeting)
            and not meeting.is_cancelled,
            "config": {
                "meeting": meeting.pk,
                "sequence": meeting.sequence,
                "mayEdit": detail["may_edit"],
                "cancelled": meeting.is_cancelled,
                "agenda": agenda,
                "proposals": selectors.agenda_proposals_for(
                    official, meeting, may_edit=agenda["may_edit"]
                ),
                "presenters": selectors.presenter_choices(participants),
                "live": selectors.live_state_for(
                    official, meeting, now=now, participants=participants
                ),
                "notulen": _notulen_or_none(official, meeting),
                "username": official.username,
                "zone": official.zone_name,
                "zoneLabels": ZONE_LABELS,
                "language": request.LANGUAGE_CODE,
            },
        },
    )


@login_required
@require_POST
def meeting_rsvp(request: HttpRequest, meeting_id: int) -> HttpResponse:
    try:
        answers.meeting_rsvp(
            official=request.user,
            meeting_id=meeting_id,
            response=request.POST.get("response", ""),
        )
    except DomainError as exc:
        if exc.status == 404:
            raise Http404(exc.message) from exc
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Your answer is recorded."))
    # The dashboard answers in place: back to where the answer was given.
    fallback = reverse("meetings:detail", args=[meeting_id])
    return redirect(safe_next(request, request.POST.get("next"), default=fallback))


@login_required
@require_POST
def meeting_cancel(request: HttpRequest, meeting_id: int) -> HttpResponse:
    try:
        scheduling.meeting_cancel(by=request.user, meeting_id=meeting_id)
    except DomainError as exc:
        if exc.status == 404:
            raise Http404(exc.message) from exc
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The meeting is cancelled; every participant is told."))
    return redirect("meetings:detail", meeting_id)


@login_required
@require_POST
def meeting_reply_upload(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """An iTIP REPLY received by mail, uploaded by the organiser (or the attendee)."""
    _visible_or_404(request.user, meeting_id)
    form = forms.ReplyUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        for problems in form.errors.values():
            for problem in problems:
                messages.error(request, problem)
        return redirect("meetings:detail", meeting_id)
    upload = form.cleaned_data["file"]
    try:
        participant = answers.reply_receive(
            by=request.user, body=upload.read(itip.MAX_BYTES + 1), content_type="text/calendar"
        )
    except DomainError as exc:
        messages.error(request, _("The reply was not applied: %(problem)s") % {"problem": exc})
    else:
        if participant.meeting_id != meeting_id:
            messages.warning(request, _("That reply was for another meeting; it is applied there."))
            return redirect("meetings:detail", participant.meeting_id)
        messages.success(
            request,
            _("Applied: %(name)s — %(answer)s")
            % {"name": participant.official.display_name, "answer": participant.get_rsvp_display()},
        )
    return redirect("meetings:detail", meeting_id)


def _outside_window(refusal: DomainError | None) -> bool:
    """The refusal is only the join window's (too early, or over): the page says when."""
    return refusal is not None and refusal.code in ("not_open_yet", "ended")


@login_required
@require_GET
@never_cache  # the address it redirects to may carry the participant's own token
def meeting_join(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """Rakor's join page: only participants and the organiser are sent on to the room, only
    within its join window, and each click is recorded. Otherwise the page says why, and
    when the room opens (or when the meeting ended)."""
    try:
        url = attendance.meeting_join(official=request.user, meeting_id=meeting_id)
    except DomainError as exc:
        if exc.status == 404:
            raise Http404(exc.message) from exc
        meeting = selectors.meeting_get_visible(request.user, meeting_id)
        context = {"meeting": meeting, "problem": exc.message, "window": _outside_window(exc)}
        return render(request, "meetings/join.html", context, status=exc.status)
    return HttpResponseRedirect(url)


# --- one-click answers from mail ----------------------------------------------------------


def _speak_the_participants_language(request: HttpRequest, official) -> None:
    """The link was mailed to one official, in their language: the page speaks it too,
    unless the visitor is signed in or chose a language with the switch."""
    if request.user.is_authenticated or settings.LANGUAGE_COOKIE_NAME in request.COOKIES:
        return
    if official.language in dict(settings.LANGUAGES):
        translation.activate(official.language)
        request.LANGUAGE_CODE = official.language


@never_cache
@require_http_methods(["GET", "POST"])
def rsvp_answer(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the invitation opens this page; only its POST button records the answer
    (mail scanners follow GET links). No sign-in: the signed link is bound to the participant
    and the meeting and expires after the meeting."""
    try:
        meeting, participant = answers.rsvp_link_target(token)
    except invitations.BadLink as exc:
        expired = str(exc) == "expired"
        return render(
            request,
            "meetings/answer.html",
            {"problem": "expired" if expired else "invalid"},
            status=410 if expired else 400,
        )
    _speak_the_participants_language(request, participant.official)
    response = request.POST.get("response") or request.GET.get("response") or ""
    occurrence = request.POST.get("occurrence") or request.GET.get("occurrence") or ""
    context: dict[str, Any] = {
        "meeting": meeting,
        "participant": participant,
        "official": participant.official,
        "chosen": response if response in RSVP_LABELS else "",
        "answers": RSVP_LABELS,
        # A series' link answers the whole series or one of its occurrences to come.
        "occurrences": (
            selectors.occurrences_ahead(meeting, timezone.now()) if meeting.rrule else []
        ),
        "occurrence": occurrence,
    }
    if request.method == "POST":
        try:
            participant = answers.rsvp_by_link(
                token=token, response=response, occurrence=occurrence
            )
        except DomainError as exc:
            context["error"] = exc.message
            return render(request, "meetings/answer.html", context, status=exc.status)
        context |= {"done": True, "participant": participant}
    return render(request, "meetings/answer.html", context)


# --- the subscription feed ----------------------------------------------------------------


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The meetings feed (`/calendar/<token>.ics`)."""
    return feed_response(
        request, token, etag=feeds.feed_etag, body=feeds.feed_body, filename="rakor.ics"
    )


def feed_response(request: HttpRequest, token: str, *, etag, body, filename: str) -> HttpResponse:
    """A subscription feed of the official the token opens: 404 for a token that opens none,
    304 when the calendar has the feed as it is (its ETag), else the feed."""
    feed = feeds.feed_for_token(token)
    if feed is None:
        return HttpResponse(
            _("This calendar link is not valid (it was renewed or switched off)."),
            status=404,
            content_type="text/plain; charset=utf-8",
        )
    tag = etag(feed)
    feed_services.calendar_feed_note_fetched(feed=feed)
    asked = [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]
    if tag in asked or f"W/{tag}" in asked or "*" in asked:
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(body(feed), content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["ETag"] = tag
    response["Cache-Control"] = "private, no-cache"
    return response


@login_required
@require_POST
def feed_renew(request: HttpRequest) -> HttpResponse:
    feed_services.calendar_feed_renew(official=request.user)
    messages.success(request, _("Your calendar link is new; the old one no longer works."))
    return redirect(reverse("meetings:index") + "#subscribe")


@login_required
@require_POST
def feed_revoke(request: HttpRequest) -> HttpResponse:
    feed_services.calendar_feed_revoke(official=request.user)
    messages.success(request, _("Your calendar link is switched off."))
    return redirect(reverse("meetings:index") + "#subscribe")
