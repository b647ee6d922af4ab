"""The pages of one occurrence of a recurring meeting that has no row of its own yet: it
reads as its series at its time, with its own answer, change and cancel buttons. Once it has
a row (the first write makes it, meetings.services.occurrences) its page is a meeting page
like any other, and this address leads there. Thin: each calls the same services as the API."""

from __future__ import annotations

import datetime
import zoneinfo

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from coordination.platform.errors import DomainError
from coordination.platform.http import add_domain_error
from coordination.platform.widgets import IsoDateInput, IsoTimeInput
from meetings import recurrence, selectors
from meetings.models import Meeting, occurrence_key
from meetings.services import answers, occurrences
from meetings.views import RSVP_LABELS

WINDOW = ("not_open_yet", "ended")  # refusals that are only the join window's


def _occurrence_or_404(official, meeting_id: int, key: str) -> Meeting:
    try:
        return selectors.occurrence_get_visible(official, meeting_id, key)
    except DomainError as exc:
        raise Http404(exc.message) from exc


class OccurrenceForm(forms.Form):
    """One occurrence's own time and place, typed in the meeting's zone."""

    title = forms.CharField(
        label=gettext_lazy("Title"), max_length=Meeting._meta.get_field("title").max_length
    )
    date = forms.DateField(label=gettext_lazy("Date"), widget=IsoDateInput())
    start_time = forms.TimeField(label=gettext_lazy("Starts at"), widget=IsoTimeInput())
    end_time = forms.TimeField(label=gettext_lazy("Ends at"), widget=IsoTimeInput())
    location = forms.CharField(
        label=gettext_lazy("Place"),
        max_length=Meeting._meta.get_field("location").max_length,
        required=False,
    )

    def __init__(self, *args, occurrence: Meeting, **kwargs) -> None:
        zone = zoneinfo.ZoneInfo(occurrence.timezone)
        start, end = occurrence.start.astimezone(zone), occurrence.end.astimezone(zone)
        kwargs.setdefault(
            "initial",
            {
                "title": occurrence.title,
                "date": start.date(),
                "start_time": start.time(),
                "end_time": end.time(),
                "location": occurrence.location,
            },
        )
        super().__init__(*args, **kwargs)
        self.zone = zone

    def changes(self) -> dict:
        data = self.cleaned_data
        start = datetime.datetime.combine(data["date"], data["start_time"], tzinfo=self.zone)
        end = datetime.datetime.combine(data["date"], data["end_time"], tzinfo=self.zone)
        if end <= start:  # past midnight
            end += datetime.timedelta(days=1)
        return {
            "title": data["title"],
            "start": start,
            "end": end,
            "location": data["location"],
        }


@login_required
def occurrence_detail(request: HttpRequest, meeting_id: int, key: str) -> HttpResponse:
    occurrence = _occurrence_or_404(request.user, meeting_id, key)
    if occurrence.virtual_recurrence_id is None:  # it has a row of its own
        return redirect(occurrence.get_absolute_url())
    return _page(request, occurrence, OccurrenceForm(occurrence=occurrence))


def _page(request: HttpRequest, occurrence: Meeting, form: OccurrenceForm, status: int = 200):
    official = request.user
    participants = selectors.participant_rows(occurrence)
    mine = next((p for p in participants if p.official_id == official.pk), None)
    refusal = selectors.join_refusal(official, occurrence)
    return render(
        request,
        "meetings/occurrence.html",
        {
            "meeting": occurrence,
            "series_url": occurrence.get_absolute_url().split("/occurrences/")[0],
            "key": occurrence_key(occurrence.virtual_recurrence_id),
            "rule": recurrence.describe(occurrence.rrule),
            "participants": participants,
            "mine": mine.rsvp if mine else None,
            "answers": RSVP_LABELS,
            "may_edit": selectors.may_edit(official, occurrence) and not occurrence.is_cancelled,
            "may_join": refusal is None,
            "join_closed": refusal if refusal is not None and refusal.code in WINDOW else None,
            "agenda": selectors.agenda_items(occurrence),
            "form": form,
        },
        status=status,
    )


def _refused(request: HttpRequest, exc: DomainError, meeting_id: int, key: str) -> HttpResponse:
    """A refusal of a button on the occurrence's page: said on the page (404 stays 404)."""
    if exc.status == 404:
        raise Http404(exc.message) from exc
    messages.error(request, exc.message)
    return redirect("meetings:occurrence", meeting_id, key)


@login_required
@require_POST
def occurrence_rsvp(request: HttpRequest, meeting_id: int, key: str) -> HttpResponse:
    """An answer from the occurrence's page: for this occurrence alone, or for the series."""
    response = request.POST.get("response", "")
    try:
        if request.POST.get("scope") == "series":
            answers.meeting_rsvp(official=request.user, meeting_id=meeting_id, response=response)
            target = redirect("meetings:occurrence", meeting_id, key)
        else:
            participant = answers.occurrence_rsvp(
                official=request.user, series_id=meeting_id, key=key, response=response
            )
            target = redirect("meetings:detail", participant.meeting_id)
    except DomainError as exc:
        return _refused(request, exc, meeting_id, key)
    messages.success(request, _("Your answer is recorded."))
    return target


@login_required
@require_http_methods(["POST"])
def occurrence_edit(request: HttpRequest, meeting_id: int, key: str) -> HttpResponse:
    """Move or change this occurrence alone: its row is made, its participants get a REQUEST
    with its RECURRENCE-ID."""
    occurrence = _occurrence_or_404(request.user, meeting_id, key)
    form = OccurrenceForm(request.POST, occurrence=occurrence)
    if not form.is_valid():
        return _page(request, occurrence, form, status=400)
    try:
        row, _busy = occurrences.occurrence_update(
            by=request.user, series_id=meeting_id, key=key, changes=form.changes()
        )
    except DomainError as exc:
        if exc.status == 404:
            raise Http404(exc.message) from exc
        add_domain_error(form, exc)
        return _page(request, occurrence, form, status=exc.status)
    messages.success(request, _("Saved. The participants are told of this occurrence's change."))
    return redirect("meetings:detail", row.pk)


@login_required
@require_POST
def occurrence_cancel(request: HttpRequest, meeting_id: int, key: str) -> HttpResponse:
    try:
        row = occurrences.occurrence_cancel(by=request.user, series_id=meeting_id, key=key)
    except DomainError as exc:
        return _refused(request, exc, meeting_id, key)
    messages.success(request, _("This occurrence is cancelled; its participants are told."))
    return redirect("meetings:detail", row.pk)
