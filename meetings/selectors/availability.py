"""What the scheduling assistant reads: when officials are busy. The one place that says
what "busy" means (the same rule as clash_list: a scheduled meeting they take part in and
have not declined)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db.models import Q

from meetings import recurrence
from meetings.models import Meeting, Participant

Interval = tuple[datetime.datetime, datetime.datetime]


def busy_intervals(
    official_ids: Iterable[int], start: datetime.datetime, end: datetime.datetime
) -> dict[int, list[Interval]]:
    """Per official (every id given has an entry), the times within [start, end) they are in
    a scheduled meeting they have not declined, in order. Titles are not read: busy is all
    the assistant may tell. One query (three with recurring meetings in the range)."""
    ids = set(official_ids)
    busy: dict[int, list[Interval]] = {pk: [] for pk in ids}
    if not ids:
        return busy
    single = Q(meeting__rrule="", meeting__start__lt=end, meeting__end__gt=start)
    # A series' row holds its first occurrence; `span_end` is when its last one ends (None:
    # no end), so every series with an occurrence in the range is read.
    series = (
        ~Q(meeting__rrule="")
        & Q(meeting__start__lt=end)
        & (Q(meeting__span_end__gt=start) | Q(meeting__span_end__isnull=True))
    )
    rows = (
        Participant.objects.filter(official_id__in=ids, meeting__status=Meeting.Status.SCHEDULED)
        .filter(single | series)
        .exclude(rsvp=Participant.Rsvp.DECLINED)
        .values_list(
            "official_id", "meeting_id", "meeting__start", "meeting__end", "meeting__rrule"
        )
    )
    series_rows: list[tuple[int, int]] = []
    for official_id, meeting_id, meeting_start, meeting_end, rrule in rows:
        if rrule:
            series_rows.append((official_id, meeting_id))
        else:
            busy[official_id].append((meeting_start, meeting_end))
    if series_rows:
        occurrences = series_occurrences({m for _o, m in series_rows}, start, end)
        for official_id, meeting_id in series_rows:
            busy[official_id].extend(occurrences.get(meeting_id, ()))
    for intervals in busy.values():
        intervals.sort()
    return busy


def series_occurrences(
    series_ids: set[int], start: datetime.datetime, end: datetime.datetime
) -> dict[int, list[Interval]]:
    """Per recurring meeting (series), the [start, end) of its occurrences overlapping the
    range.

    RECURRENCE: the one place where a series becomes busy time. meetings.recurrence.expand
    gives the computed occurrences without the EXDATEs and without those that have rows of
    their own (moved, cancelled or answered alone): such rows are single meetings with their
    own participants, which busy_intervals' first query reads. Two queries.
    """
    series = list(Meeting.objects.filter(pk__in=series_ids))
    found: dict[int, list[Interval]] = {}
    for occurrence in recurrence.expand(series, start, end):
        if occurrence.start < end and occurrence.end > start:
            found.setdefault(occurrence.pk, []).append((occurrence.start, occurrence.end))
    return found
