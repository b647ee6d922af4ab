"""Reads of meetings, used by the API, the pages, the socket and the services: a meeting for
whoever may see (or change) it, its participants, who is busy, lists and calendars in the
viewer's zone, the dashboard's invitations and coming days. Selectors never write (a refusal
is audited through the permissions module) and never import services."""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet, prefetch_related_objects
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from coordination.organisation import permissions
from coordination.organisation.models import Official
from coordination.organisation.timefmt import format_in_zone, zone_of
from coordination.platform.errors import Conflict, DomainError, Forbidden, NotFound
from coordination.platform.models import OutboundMail
from meetings import ical, recurrence, video
from meetings.events import tally
from meetings.models import (
    AgendaDocument,
    AgendaEditor,
    AgendaItem,
    AgendaProposal,
    AgendaTemplate,
    Attendance,
    AttendanceMark,
    Meeting,
    MeetingAgency,
    NotulenRevision,
    Participant,
    SpeakerRequest,
    occurrence_key,
)
from messaging.models import Room

overlapping = recurrence.overlapping


def meeting_facts(meeting: Meeting) -> permissions.MeetingFacts:
    """What the visibility policy needs (two queries, or none with prefetched relations)."""
    named = [p for p in meeting.participants.all() if p.named]
    return permissions.MeetingFacts(
        organiser_id=meeting.organiser_id,
        organising_agency_id=meeting.agency_id,
        classification=meeting.classification,
        named_participant_ids=frozenset(p.official_id for p in named),
        participant_agency_ids=frozenset(a.agency_id for a in meeting.agencies.all()),
        chair_ids=frozenset(p.official_id for p in named if p.role == Participant.Role.CHAIR),
        note_taker_ids=frozenset(
            p.official_id for p in named if p.role == Participant.Role.NOTE_TAKER
        ),
    )


def meetings_for_viewer(viewer: Official) -> QuerySet[Meeting]:
    """Meetings with what visibility and the viewer's own answer need: the named
    participants and the viewer's own row (not every official of an agency invited whole),
    and the agencies invited (with their codes, for the meeting's page)."""
    return Meeting.objects.select_related("organiser", "agency").prefetch_related(
        *_viewer_prefetches(viewer)
    )


def _viewer_prefetches(viewer: Official) -> list[Prefetch]:
    return [
        Prefetch("agencies", queryset=MeetingAgency.objects.select_related("agency")),
        Prefetch(
            "participants",
            queryset=Participant.objects.filter(Q(named=True) | Q(official_id=viewer.pk)),
        ),
    ]


def meeting_get_visible(official: Official, meeting_id: int) -> Meeting:
    """The meeting, when `official` may see it; otherwise NotFound (its existence is not
    revealed). Three queries."""
    meeting = meetings_for_viewer(official).filter(pk=meeting_id).first()
    if meeting is None or not permissions.may_view_meeting(official, meeting_facts(meeting)):
        raise NotFound(_("No such meeting."))
    return meeting


def meeting_get_editable(official: Official, meeting_id: int) -> Meeting:
    """The meeting, when `official` may change it (its organiser, a coordinator of the
    organising agency); NotFound when they may not see it, Forbidden (audited) otherwise."""
    meeting = meeting_get_visible(official, meeting_id)
    if not permissions.may_edit_meeting(official, meeting_facts(meeting)):
        permissions.permission_denied(official=official, action="edit meeting", target=meeting)
        raise Forbidden(
            _("Only the organiser and coordinators of the organising agency may do this.")
        )
    return meeting


def join_refusal(
    official: Official, meeting: Meeting, *, now: datetime.datetime | None = None
) -> DomainError | None:
    """Why `official` may not join the meeting's video room, or None when they may: only its
    participants and its organiser, only while it is scheduled and has a video room, and only
    within its join window (video.join_window_refusal: from shortly before the start until
    the end; code "not_open_yet" or "ended"). No queries with the participants prefetched."""
    now = now or timezone.now()
    if meeting.is_series and not meeting.is_cancelled:
        # A series is joined at its occurrence under way or next (the invitation's link).
        current = occurrence_to_join(meeting, now)
        if current is None:
            return Conflict(_("This meeting has no occurrences left."), code="ended", current={})
        meeting = current
    is_participant = any(p.official_id == official.pk for p in meeting.participants.all())
    if not is_participant and meeting.organiser_id != official.pk:
        return Forbidden(_("Only the meeting's participants can join its video meeting."))
    if meeting.is_cancelled:
        return Conflict(_("This meeting is cancelled."), current={"status": meeting.status})
    if meeting.video == Meeting.Video.NONE:
        return Conflict(_("This meeting has no video room."), current={"video": meeting.video})
    return video.join_window_refusal(
        start=meeting.start, end=meeting.end, now=now, zone=zone_of(official)
    )


def occurrence_to_join(series: Meeting, now: datetime.datetime) -> Meeting | None:
    """The series' occurrence under way or next (not cancelled): its row, or the series'
    values at its time. Two queries."""
    candidates = [series, *Meeting.objects.filter(series=series, end__gt=now)]
    for occurrence in recurrence.expand(candidates, now, None):
        if occurrence.end > now and not occurrence.is_cancelled and occurrence.is_occurrence:
            return occurrence
    return None


def occurrence_get_visible(official: Official, series_id: int, key: str) -> Meeting:
    """An occurrence of a series `official` may see: its own row when it has one, else the
    series' values at its time (an unsaved copy, meetings.recurrence.virtual). NotFound when
    the series is not visible, does not repeat, or has no occurrence then."""
    series = meeting_get_visible(official, series_id)
    original = recurrence.key_parse(key)
    if not series.rrule or original is None:
        raise NotFound(_("No such occurrence."))
    row = Meeting.objects.filter(series=series, recurrence_id=original).first()
    if row is not None:
        return meeting_get_visible(official, row.pk)
    if not recurrence.is_occurrence(series, original):
        raise NotFound(_("No such occurrence."))
    return recurrence.virtual(series, original)


def occurrences_ahead(
    series: Meeting, now: datetime.datetime, *, limit: int = 12
) -> list[dict[str, Any]]:
    """The series' next occurrences (not over, not cancelled), each with its key, start and
    end and its row's id when it has one: for the answer page and the series' page."""
    candidates = [series, *Meeting.objects.filter(series=series, end__gt=now)]
    found = [
        m
        for m in recurrence.expand(candidates, now, None)
        if m.end > now and not m.is_cancelled and m.occurrence_start is not None
    ]
    return [
        {
            "key": occurrence_key(m.occurrence_start),
            "start": m.start,
            "end": m.end,
            "id": None if m.virtual_recurrence_id else m.pk,
            "url": m.get_absolute_url(),
            "moved": m.virtual_recurrence_id is None and m.start != m.occurrence_start,
        }
        for m in found[:limit]
    ]


def occurrence_rows(series: Meeting) -> list[Meeting]:
    """The occurrences of a series that have rows of their own, in order of original start."""
    return list(Meeting.objects.filter(series=series).order_by("recurrence_id"))


def participant_list(meeting: Meeting) -> list[Participant]:
    """Everyone taking part, with their official and agency. One query."""
    return list(
        Participant.objects.filter(meeting=meeting).select_related("official__agency", "via_agency")
    )


def clash_list(
    official_ids: Iterable[int],
    start: datetime.datetime,
    end: datetime.datetime,
    *,
    viewer: Official,
    exclude: int | None = None,
) -> list[dict[str, Any]]:
    """Who among `official_ids` is already in another scheduled meeting overlapping
    [start, end) and has not declined it. The other meeting's title is named only when the
    viewer may see it. Three queries."""
    clashes = (
        Participant.objects.filter(
            Q(meeting__rrule="", meeting__end__gt=start)
            | (
                ~Q(meeting__rrule="") & (Q(meeting__span_end__gt=start) | Q(meeting__span_end=None))
            ),
            official_id__in=set(official_ids),
            meeting__status=Meeting.Status.SCHEDULED,
            meeting__start__lt=end,
        )
        .exclude(rsvp=Participant.Rsvp.DECLINED)
        .select_related("official", "meeting")
        .prefetch_related(
            "meeting__agencies",
            Prefetch("meeting__participants", queryset=Participant.objects.filter(named=True)),
        )
        .order_by("meeting__start")
    )
    if exclude is not None:
        clashes = clashes.exclude(meeting_id=exclude).exclude(meeting__series_id=exclude)
    result = []
    for clash in clashes[:200]:
        other = clash.meeting
        if other.rrule:  # a series: busy only when one of its occurrences overlaps
            found = recurrence.expand([other], start, end)
            found = [o for o in found if o.start < end and o.end > start]
            if not found:
                continue
            other = found[0]
        visible = permissions.may_view_meeting(viewer, meeting_facts(clash.meeting))
        result.append(
            {
                "username": clash.official.username,
                "name": clash.official.display_name,
                "meeting": other.title if visible else None,
                "start": other.start.isoformat(),
                "end": other.end.isoformat(),
            }
        )
    return result


def clash_list_before_saving(
    *,
    viewer: Official,
    start: datetime.datetime,
    end: datetime.datetime,
    usernames: Iterable[str] = (),
    agency_codes: Iterable[str] = (),
    exclude: int | None = None,
) -> list[dict[str, Any]]:
    """Who would be busy: the check the form makes before it saves (the same rule as the
    clashes meeting_create and meeting_update return afterwards). Unknown names count for
    nobody here; saving refuses them."""
    people = Official.objects.filter(is_active=True).filter(
        Q(username__in=list(usernames)) | Q(agency__code__in=list(agency_codes))
    )
    ids = set(people.values_list("pk", flat=True))
    ids.discard(viewer.pk)
    return clash_list(ids, start, end, viewer=viewer, exclude=exclude)


def _meeting_candidates(
    official: Official, start: datetime.datetime | None, end: datetime.datetime | None
) -> QuerySet[Meeting]:
    """The meetings overlapping [start, end) that `official` could see (theirs, their
    agency's, those their agency is invited to), before the visibility policy's last word
    (meeting_facts), in order."""
    candidates = meetings_for_viewer(official)
    if start is not None:
        candidates = candidates.filter(overlapping(start))
    if end is not None:
        candidates = candidates.filter(start__lt=end)
    mine = Q(participants__official=official) | Q(organiser=official)
    if official.agency_id is not None:
        mine |= Q(agency_id=official.agency_id) | Q(agencies__agency_id=official.agency_id)
    return candidates.filter(mine).distinct().order_by("start", "id")


def _listed(
    official: Official,
    rows: list[Meeting],
    start: datetime.datetime | None,
    end: datetime.datetime | None,
    until: datetime.datetime | None,
) -> list[Meeting]:
    """The visible ones of `rows`, each series as its occurrences before `until`, in order,
    those overlapping [start, end)."""
    visible = [m for m in rows if permissions.may_view_meeting(official, meeting_facts(m))]
    listed = recurrence.expand(visible, start, until)
    return [
        m for m in listed if (start is None or m.end > start) and (end is None or m.start < end)
    ]


def meeting_list_between(
    official: Official,
    start: datetime.datetime | None,
    end: datetime.datetime | None,
    *,
    horizon: datetime.timedelta | None = None,
) -> list[Meeting]:
    """The meetings `official` may see that overlap [start, end), in order (1,000 at most),
    a series as its occurrences (with a range; without one, the series itself). Without an
    end, `horizon` past the start bounds how far series are expanded (single meetings are
    listed however far ahead). Five queries."""
    candidates = _meeting_candidates(official, start, end)
    visible = [
        m for m in candidates[:1000] if permissions.may_view_meeting(official, meeting_facts(m))
    ]
    if start is None and end is None:
        return visible
    until = end if end is not None or horizon is None or start is None else start + horizon
    listed = recurrence.expand(visible, start, until)
    return [
        m for m in listed if (start is None or m.end > start) and (end is None or m.start < end)
    ][:1000]


@dataclass(frozen=True)
class MeetingPage:
    """A page of a list of meetings: its meetings, its number, and whether pages come
    before and after it (the list is not counted: that would read all of it)."""

    meetings: list[Meeting]
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def meeting_list_page(
    official: Official,
    start: datetime.datetime,
    end: datetime.datetime | None,
    *,
    horizon: datetime.timedelta | None = None,
    newest_first: bool = False,
    number: int = 1,
    per_page: int = 50,
) -> MeetingPage:
    """Page `number` of meeting_list_between(official, start, end, horizon=horizon) (newest
    first on request), reading only as far as that page: its single meetings up to the
    page's end, and every series in the range (a series' occurrences may fall on any page).
    Four queries, five with a series, whatever the number of meetings (more only when many
    candidates turn out not to be visible, or for pages far down the list)."""
    until = end if end is not None or horizon is None else start + horizon
    base = _meeting_candidates(official, start, end).prefetch_related(None)
    series = list(base.exclude(rrule=""))
    singles = base.filter(rrule="")
    if newest_first:
        singles = singles.order_by("-start", "-id")
    wanted = number * per_page + 1  # one more than the page: whether another follows
    fetch = wanted
    while True:
        rows = list(singles[: fetch + 1])
        more = len(rows) > fetch
        chosen = rows[:fetch] + series
        prefetch_related_objects(chosen, *_viewer_prefetches(official))
        listed = _listed(official, chosen, start, end, until)
        if newest_first:
            listed.reverse()
        if more:
            # Past the first single meeting not read, the list could miss some: cut there.
            cut = (rows[fetch].start, rows[fetch].pk)
            if newest_first:
                listed = [m for m in listed if (m.start, m.pk) > cut]
            else:
                listed = [m for m in listed if (m.start, m.pk) < cut]
        if not more or len(listed) >= wanted:
            break
        fetch *= 2
    first = (number - 1) * per_page
    return MeetingPage(
        meetings=listed[first : first + per_page],
        number=number,
        has_next=len(listed) > first + per_page,
    )


def delivery_states(meeting: Meeting) -> dict[int, dict[str, Any]]:
    """The latest invitation mail of each participant: its state, for the organiser. Reads
    the rows' states only, never their bodies."""
    rows = (
        OutboundMail.objects.filter(topic=f"meeting:{meeting.pk}", official__isnull=False)
        .order_by("id")
        .values("official_id", "state", "kind", "attempts", "last_error", "sent_at")
    )
    latest: dict[int, dict[str, Any]] = {}
    for row in rows:
        latest[row["official_id"]] = row
    return {
        official_id: {
            "state": row["state"],
            "kind": row["kind"],
            "attempts": row["attempts"],
            "error": row["last_error"][:200] if row["state"] != OutboundMail.State.SENT else "",
            "sent_at": row["sent_at"].isoformat() if row["sent_at"] else None,
        }
        for official_id, row in latest.items()
    }


def participant_rows(meeting: Meeting) -> list[Participant]:
    """Everyone taking part, in name order, with their agency and how they were invited. One
    query."""
    return list(
        Participant.objects.filter(meeting=meeting)
        .select_related("official__agency", "via_agency")
        .order_by("official__first_name", "official__last_name", "official__username")
    )


LEADING_ROLES = (Participant.Role.CHAIR, Participant.Role.NOTE_TAKER)


def leads_declined(participants: list[Participant]) -> list[Participant]:
    """The chairs and note takers who declined: the meeting needs someone else for the role."""
    return [
        p for p in participants if p.role in LEADING_ROLES and p.rsvp == Participant.Rsvp.DECLINED
    ]


def meeting_summary(meeting: Meeting, viewer: Official) -> dict[str, Any]:
    """A meeting as lists show it to `viewer`: times, place, status, organiser, agency and the
    viewer's own answer."""
    mine = next((p for p in meeting.participants.all() if p.official_id == viewer.pk), None)
    virtual = meeting.virtual_recurrence_id is not None
    original = meeting.occurrence_start
    return {
        "id": None if virtual else meeting.pk,
        "series": meeting.pk if virtual else meeting.series_id,
        "recurrence_id": occurrence_key(original) if original else None,
        "rrule": meeting.rrule or None,
        "exdates": meeting.exdates if meeting.rrule else [],
        "uid": meeting.uid,
        "sequence": meeting.sequence,
        "version": meeting.version,
        "title": meeting.title,
        "start": meeting.start.isoformat(),
        "end": meeting.end.isoformat(),
        "timezone": meeting.timezone,
        "location": meeting.location,
        "status": meeting.status,
        "classification": meeting.classification,
        "video": meeting.video,
        "organiser": {
            "username": meeting.organiser.username,
            "name": meeting.organiser.display_name,
        },
        "agency": {"code": meeting.agency.code, "name": meeting.agency.name},
        "my_rsvp": mine.rsvp if mine else None,
        "link": meeting.get_absolute_url(),
    }


def meeting_detail(
    meeting: Meeting, viewer: Official, *, participants: list[Participant] | None = None
) -> dict[str, Any]:
    """Everything about a meeting its viewer may see; delivery states for those who edit it.
    `participants`: the meeting's `participant_rows`, when the caller has read them."""
    rows = participant_rows(meeting) if participants is None else participants
    editor = permissions.may_edit_meeting(viewer, meeting_facts(meeting))
    delivery = delivery_states(meeting) if editor else {}
    room = Room.objects.filter(source_key=f"meeting:{meeting.series_pk}").values_list(
        "pk", flat=True
    )
    return meeting_summary(meeting, viewer) | {
        "description": meeting.description,
        "language": meeting.language,
        "participants": [
            {
                "username": p.official.username,
                "name": p.official.display_name,
                "agency": p.official.agency.code if p.official.agency_id else None,
                "role": p.role,
                "rsvp": p.rsvp,
                "named": p.named,
                "via_agency": p.via_agency.code if p.via_agency_id else None,
                "delivery": delivery.get(p.official_id) if editor else None,
            }
            for p in rows
        ],
        "agencies": [a.agency.code for a in _invited_agencies(meeting)],
        "tally": tally(meeting.pk, rsvps=[p.rsvp for p in rows]),
        "join_url": ical.join_url(meeting) if meeting.video != Meeting.Video.NONE else None,
        "ics_url": reverse("api:meeting_ics", args=[meeting.pk]),
        "room": room.first(),
        "may_edit": editor,
    }


def _invited_agencies(meeting: Meeting) -> list[MeetingAgency]:
    """The agencies invited whole, with their agency: as meetings_for_viewer prefetched them,
    else read (one query)."""
    prefetched = getattr(meeting, "_prefetched_objects_cache", {}).get("agencies")
    if prefetched is not None:
        return list(prefetched)
    return list(meeting.agencies.select_related("agency"))


def may_edit(official: Official, meeting: Meeting) -> bool:
    """Whether `official` may change the meeting (its organiser, a coordinator of the
    organising agency)."""
    return permissions.may_edit_meeting(official, meeting_facts(meeting))


def meeting_rows(meetings: list[Meeting], viewer: Official) -> list[Meeting]:
    """The meetings with the viewer's own answer on each (`my_rsvp`), for lists."""
    for meeting in meetings:
        mine = next((p for p in meeting.participants.all() if p.official_id == viewer.pk), None)
        meeting.my_rsvp = mine.rsvp if mine else None
    return meetings


CALENDAR_YEARS = (1971, 9000)  # pages outside these show today's


def calendar_grid(
    viewer: Official, *, view: str, day: datetime.date, today: datetime.date
) -> dict[str, Any]:
    """A week (Monday to Sunday) or a month (whole weeks) of the viewer's meetings, each day
    in the viewer's zone. A meeting is listed on every day it overlaps."""
    zone = zoneinfo.ZoneInfo(zone_of(viewer))
    if view == "month":
        first = day.replace(day=1)
        following = (first + datetime.timedelta(days=32)).replace(day=1)
        start = first - datetime.timedelta(days=first.weekday())
        last = following - datetime.timedelta(days=1)
        end = last + datetime.timedelta(days=7 - last.weekday())
        previous_day = (first - datetime.timedelta(days=1)).replace(day=1)
        next_day = following
    else:
        start = day - datetime.timedelta(days=day.weekday())
        end = start + datetime.timedelta(days=7)
        first = start
        previous_day = start - datetime.timedelta(days=7)
        next_day = end
    since = datetime.datetime.combine(start, datetime.time(), tzinfo=zone)
    until = datetime.datetime.combine(end, datetime.time(), tzinfo=zone)
    meetings = meeting_rows(meeting_list_between(viewer, since, until), viewer)
    days = []
    current = start
    while current < end:
        opens = datetime.datetime.combine(current, datetime.time(), tzinfo=zone)
        closes = opens + datetime.timedelta(days=1)
        days.append(
            {
                "date": current,
                "opens": opens,
                "is_today": current == today,
                "in_month": view != "month" or current.month == first.month,
                "meetings": [m for m in meetings if m.start < closes and m.end > opens],
            }
        )
        current += datetime.timedelta(days=1)
    return {
        "start": start,
        "end": end - datetime.timedelta(days=1),
        "first": first,
        "days": days,
        "weeks": [days[i : i + 7] for i in range(0, len(days), 7)],
        "previous": previous_day,
        "next": next_day,
        "today": today,
        "count": len(meetings),
    }


def invitations_awaiting(official: Official, now: datetime.datetime, *, limit: int = 10):
    """The official's invitations still waiting for an answer (meetings not over, not
    cancelled), soonest first; with how many there are in all."""
    waiting = (
        Participant.objects.filter(
            official=official,
            rsvp=Participant.Rsvp.NEEDS_ACTION,
            meeting__end__gt=now,
            meeting__status=Meeting.Status.SCHEDULED,
        )
        .select_related("meeting__organiser", "meeting__agency")
        .order_by("meeting__start", "meeting_id")
    )
    shown = list(waiting[:limit])
    return shown, len(shown) if len(shown) < limit else waiting.count()


def meetings_ahead(
    official: Official, now: datetime.datetime, *, days: int = 7
) -> tuple[list[Meeting], list[dict[str, Any]]]:
    """The official's own meetings (as participant or organiser), each with `my_rsvp`: today's
    in their zone, and those of the next `days` days grouped by the day they start on,
    [{"day": date, "meetings": [...]}, ...]. Two queries."""
    zone = zoneinfo.ZoneInfo(zone_of(official))
    today = now.astimezone(zone).date()
    opens = datetime.datetime.combine(today, datetime.time(), tzinfo=zone)
    tomorrow = opens + datetime.timedelta(days=1)
    closes = tomorrow + datetime.timedelta(days=days)
    meetings = (
        Meeting.objects.filter(overlapping(opens), start__lt=closes)
        .filter(Q(participants__official=official) | Q(organiser=official))
        .distinct()
        .prefetch_related(
            Prefetch("participants", queryset=Participant.objects.filter(official=official))
        )
        .order_by("start", "id")[:500]
    )
    listed = [
        m
        for m in recurrence.expand(list(meetings), opens, closes)
        if m.end > opens and m.start < closes
    ]
    todays: list[Meeting] = []
    by_day: dict[datetime.date, list[Meeting]] = {}
    for meeting in meeting_rows(listed, official):
        if meeting.start < tomorrow:
            todays.append(meeting)
        if meeting.end > tomorrow:
            first = max(meeting.start.astimezone(zone).date(), tomorrow.date())
            by_day.setdefault(first, []).append(meeting)
    return todays, [{"day": day, "meetings": items} for day, items in sorted(by_day.items())]


# --- the agenda -------------------------------------------------------------------------


def is_agenda_editor(official: Official, meeting: Meeting) -> bool:
    """Whether the organiser or the chair granted `official` editing of the agenda. One
    query."""
    return AgendaEditor.objects.filter(meeting=meeting, official=official).exists()


def may_edit_agenda(official: Official, meeting: Meeting) -> bool:
    """Whether `official` edits the meeting's agenda (docs/permissions.md). At most one
    query (none with the meeting's participants prefetched, for the organiser and chair)."""
    facts = meeting_facts(meeting)
    if not permissions.may_view_meeting(official, facts):
        return False
    return permissions.may_edit_agenda(official, facts) or permissions.may_edit_agenda(
        official, facts, is_agenda_editor=is_agenda_editor(official, meeting)
    )


def presenter_out(item: AgendaItem) -> dict[str, str] | None:
    """Who presents an item: {"username", "name"}, {"agency", "name"}, or None."""
    if item.presenter_id is not None:
        return {"username": item.presenter.username, "name": item.presenter.display_name}
    if item.presenter_agency_id is not None:
        return {"agency": item.presenter_agency.code, "name": item.presenter_agency.name}
    return None


def source_message_out(message) -> dict[str, Any] | None:
    """The chat message an item or a proposal came from, as a link back to it."""
    if message is None:
        return None
    return {"id": message.pk, "room": message.room_id, "url": message.get_absolute_url()}


def agenda_item_out(item: AgendaItem) -> dict[str, Any]:
    """One agenda item as the API and the socket show it."""
    return {
        "id": item.pk,
        "meeting": item.meeting_id,
        "position": item.position,
        "title": item.title,
        "description": item.description,
        "presenter": presenter_out(item),
        "planned_minutes": item.planned_minutes,
        "outcome": item.outcome,
        "status": item.status,
        "links": list(item.links),
        "source_message": source_message_out(item.source_message),
        "documents": [agenda_document_out(document) for document in item.documents.all()],
        "version": item.version,
    }


def agenda_document_out(document: AgendaDocument) -> dict[str, Any]:
    return {
        "id": document.pk,
        "name": document.name,
        "content_type": document.content_type,
        "size": document.size,
        "url": reverse("api:agenda_document_download", args=[document.pk]),
    }


def agenda_items(meeting: Meeting) -> list[AgendaItem]:
    """The meeting's agenda items in order, with what `agenda_item_out` reads. Two
    queries."""
    return list(
        AgendaItem.objects.filter(meeting=meeting)
        .select_related("presenter", "presenter_agency", "source_message")
        .prefetch_related("documents")
    )


def agenda_document_get_for_reader(official: Official, document_id: int) -> AgendaDocument:
    """A document of an agenda item of a meeting `official` may see; otherwise NotFound
    (whether it exists is not revealed)."""
    document = AgendaDocument.objects.select_related("item").filter(pk=document_id).first()
    if document is None:
        raise NotFound(_("No such file."))
    try:
        meeting_get_visible(official, document.item.meeting_id)
    except NotFound:
        raise NotFound(_("No such file.")) from None
    return document


def agenda_template_out(template: AgendaTemplate) -> dict[str, Any]:
    return {
        "id": template.pk,
        "name": template.name,
        "agency": template.agency.code,
        "items": list(template.items),
        "planned_minutes": sum(item.get("planned_minutes", 0) for item in template.items),
        "created_at": template.created_at.isoformat(),
    }


def agenda_template_list(official: Official) -> list[dict[str, Any]]:
    """The agenda templates of the official's agency, by name. One query."""
    if official.agency_id is None:
        return []
    templates = AgendaTemplate.objects.filter(agency_id=official.agency_id).select_related("agency")
    return [agenda_template_out(template) for template in templates]


def agenda_out(meeting: Meeting, items: list[AgendaItem] | None = None) -> dict[str, Any]:
    """The agenda: its items in order, the order's version, and the planned time against
    the meeting's length (both in minutes). Two queries, none when `items` are given."""
    items = agenda_items(meeting) if items is None else items
    planned = sum(item.planned_minutes for item in items)
    length = int((meeting.end - meeting.start).total_seconds() // 60)
    return {
        "meeting": meeting.pk,
        "version": meeting.agenda_version,
        "items": [agenda_item_out(item) for item in items],
        "planned_minutes": planned,
        "meeting_minutes": length,
        "over_by_minutes": max(0, planned - length),
    }


def agenda_get_visible(official: Official, meeting_id: int) -> dict[str, Any]:
    """The agenda of a meeting `official` may see (NotFound otherwise), with whether they
    may edit it and propose items. Six queries."""
    return agenda_for(official, meeting_get_visible(official, meeting_id))


def agenda_for(official: Official, meeting: Meeting) -> dict[str, Any]:
    """The agenda of a meeting `official` sees (from meeting_get_visible), with whether they
    may edit it and propose items. Two or three queries."""
    facts = meeting_facts(meeting)
    return agenda_out(meeting) | {
        "may_edit": may_edit_agenda(official, meeting),
        "may_propose": permissions.may_propose_agenda_item(official, facts),
    }


def agenda_proposal_out(proposal: AgendaProposal) -> dict[str, Any]:
    """One proposal as the API and the socket show it."""
    return {
        "id": proposal.pk,
        "meeting": proposal.meeting_id,
        "title": proposal.title,
        "description": proposal.description,
        "planned_minutes": proposal.planned_minutes,
        "outcome": proposal.outcome,
        "proposed_by": {
            "username": proposal.proposed_by.username,
            "name": proposal.proposed_by.display_name,
        },
        "source_message": source_message_out(proposal.source_message),
        "status": proposal.status,
        "reason": proposal.reason,
        "item": proposal.item_id,
        "created_at": proposal.created_at.isoformat(),
    }


def agenda_proposal_list(official: Official, meeting_id: int) -> list[dict[str, Any]]:
    """The proposals for a meeting `official` may see: all of them for those who edit its
    agenda, their own for others. Three to five queries."""
    return agenda_proposals_for(official, meeting_get_visible(official, meeting_id))


def agenda_proposals_for(
    official: Official, meeting: Meeting, *, may_edit: bool | None = None
) -> list[dict[str, Any]]:
    """The proposals for a meeting `official` sees (from meeting_get_visible); `may_edit`:
    whether they edit its agenda, when the caller knows (agenda_for says). One query, or
    two."""
    proposals = AgendaProposal.objects.filter(meeting=meeting).select_related(
        "proposed_by", "source_message"
    )
    if may_edit is None:
        may_edit = may_edit_agenda(official, meeting)
    if not may_edit:
        proposals = proposals.filter(proposed_by=official)
    return [agenda_proposal_out(p) for p in proposals]


def presenter_choices(participants: list[Participant]) -> list[dict[str, str]]:
    """Who may be named as an item's presenter on the page: the participants, then their
    agencies, each once, by name."""
    people = [
        {"username": p.official.username, "name": p.official.display_name} for p in participants
    ]
    agencies = {
        p.official.agency.code: p.official.agency.name
        for p in participants
        if p.official.agency_id is not None
    }
    return people + [
        {"agency": code, "name": name}
        for code, name in sorted(agencies.items(), key=lambda pair: pair[1])
    ]


# --- meeting mode -------------------------------------------------------------------------


def meeting_mode_state(meeting: Meeting) -> str:
    """ "not_started", "running" or "ended"."""
    if meeting.closed_at is not None:
        return "ended"
    return "running" if meeting.opened_at is not None else "not_started"


def _iso(value: datetime.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def meeting_mode_out(meeting: Meeting, *, now: datetime.datetime) -> dict[str, Any]:
    """The meeting mode as the API and the `meeting_mode` frame show it: whether it runs,
    the item under discussion, since when and for how long it was planned, and the server's
    clock (a page works out the timer from it, whenever it joined). One query at most."""
    item = meeting.current_item if meeting.current_item_id is not None else None
    return {
        "meeting": meeting.pk,
        "state": meeting_mode_state(meeting),
        "opened_at": _iso(meeting.opened_at),
        "closed_at": _iso(meeting.closed_at),
        "current_item": meeting.current_item_id,
        "current_item_since": _iso(meeting.current_item_since),
        "current_item_planned_minutes": item.planned_minutes if item is not None else None,
        "server_time": now.isoformat(),
    }


def speaker_out(turn: SpeakerRequest) -> dict[str, Any]:
    official = turn.official
    return {
        "id": turn.pk,
        "username": official.username,
        "name": official.display_name,
        "agency": official.agency.name if official.agency_id is not None else None,
        "status": turn.status,
        "asked_at": turn.asked_at.isoformat(),
        "called_at": _iso(turn.called_at),
        "limit_seconds": turn.limit_seconds,
    }


def speaker_queue_out(meeting: Meeting, *, now: datetime.datetime) -> dict[str, Any]:
    """The speakers' queue of the item under discussion: who speaks now, then who waits, in
    the order they asked, each with their agency; and how many spoke already. One query."""
    turns = list(
        SpeakerRequest.objects.filter(meeting=meeting, item_id=meeting.current_item_id)
        .select_related("official__agency")
        .order_by("asked_at", "id")
    )
    speaking = [t for t in turns if t.status == SpeakerRequest.Status.SPEAKING]
    waiting = [t for t in turns if t.status == SpeakerRequest.Status.WAITING]
    return {
        "meeting": meeting.pk,
        "item": meeting.current_item_id,
        "speaking": speaker_out(speaking[0]) if speaking else None,
        "queue": [speaker_out(t) for t in waiting],
        "spoken": sum(1 for t in turns if t.status == SpeakerRequest.Status.DONE),
        "server_time": now.isoformat(),
    }


def attendance_out(
    meeting: Meeting, *, participants: list[Participant] | None = None
) -> dict[str, Any]:
    """Who attends: every participant, by agency, with their first join through the join
    page and the chair's latest mark (present from, or gone at, the time the chair gave).
    Three queries, two with the meeting's `participant_rows` given."""
    joins: dict[int, datetime.datetime] = {}
    for official_id, joined_at in (
        Attendance.objects.filter(meeting=meeting)
        .order_by("joined_at")
        .values_list("official_id", "joined_at")
    ):
        joins.setdefault(official_id, joined_at)
    marks: dict[int, AttendanceMark] = {}
    for mark in AttendanceMark.objects.filter(meeting=meeting).order_by("at", "id"):
        marks[mark.official_id] = mark
    rows = []
    for participant in participant_rows(meeting) if participants is None else participants:
        official = participant.official
        mark = marks.get(official.pk)
        joined = joins.get(official.pk)
        present = joined is not None or (
            mark is not None and mark.status == AttendanceMark.Status.PRESENT
        )
        if mark is not None and mark.status == AttendanceMark.Status.GONE:
            present = False
        rows.append(
            {
                "username": official.username,
                "name": official.display_name,
                "agency": official.agency.name if official.agency_id is not None else None,
                "role": participant.role,
                "joined_at": _iso(joined),
                "mark": {"status": mark.status, "at": mark.at.isoformat()} if mark else None,
                "present": present,
            }
        )
    rows.sort(key=lambda row: (row["agency"] or "", row["name"]))
    return {
        "meeting": meeting.pk,
        "attendance": rows,
        "present": sum(1 for row in rows if row["present"]),
    }


def live_state_visible(
    official: Official, meeting_id: int, *, now: datetime.datetime
) -> dict[str, Any]:
    """Everything a page following the meeting needs after (re)connecting: the mode, the
    speakers' queue, the attendance, and what the official may do. NotFound when they may
    not see the meeting."""
    return live_state_for(official, meeting_get_visible(official, meeting_id), now=now)


def live_state_for(
    official: Official,
    meeting: Meeting,
    *,
    now: datetime.datetime,
    participants: list[Participant] | None = None,
) -> dict[str, Any]:
    """live_state_visible of a meeting `official` sees (from meeting_get_visible), with its
    `participant_rows` when the caller has them."""
    facts = meeting_facts(meeting)
    return {
        "meeting": meeting.pk,
        "mode": meeting_mode_out(meeting, now=now),
        "speakers": speaker_queue_out(meeting, now=now),
        "attendance": attendance_out(meeting, participants=participants),
        "may_run": permissions.may_run_meeting(official, facts),
        "may_take_part": permissions.may_take_part(official, facts),
    }


# --- notulen ------------------------------------------------------------------------------

NOTULEN_SECTIONS = ("opening", "decisions", "actions", "closing")


def notulen_revisions(meeting: Meeting) -> list[NotulenRevision]:
    """Every revision of the meeting's notulen, oldest first. One query."""
    return list(
        NotulenRevision.objects.filter(meeting=meeting).select_related("approved_by", "written_by")
    )


def notulen_revision_out(revision: NotulenRevision) -> dict[str, Any]:
    content = revision.content or {}
    return {
        "revision": revision.number,
        "status": revision.status,
        "version": revision.version,
        "items": [
            {"item": int(item_id), "notes": notes}
            for item_id, notes in (content.get("items") or {}).items()
        ],
        **{section: content.get(section, "") for section in NOTULEN_SECTIONS},
        "corrects": revision.corrects,
        "returned_comment": revision.returned_comment,
        "updated_at": revision.updated_at.isoformat(),
        "submitted_at": _iso(revision.submitted_at),
        "approved_at": _iso(revision.approved_at),
        "approved_by": revision.approved_by.display_name if revision.approved_by else None,
    }


def _empty_notulen() -> dict[str, Any]:
    return {
        "revision": 0,
        "status": "draft",
        "version": 0,
        "items": [],
        **dict.fromkeys(NOTULEN_SECTIONS, ""),
        "corrects": "",
        "returned_comment": "",
        "updated_at": None,
        "submitted_at": None,
        "approved_at": None,
        "approved_by": None,
    }


def notulen_for_reader(official: Official, meeting_id: int) -> dict[str, Any]:
    """The notulen `official` may read: the latest revision for those who take part (an
    empty draft before anything is written), the latest approved one for everyone else who
    sees the meeting (NotFound until one is approved, and for those who may not see it);
    with the earlier approved revisions and what the official may do. Four queries."""
    return notulen_for(official, meeting_get_visible(official, meeting_id))


def notulen_for(official: Official, meeting: Meeting) -> dict[str, Any]:
    """notulen_for_reader of a meeting `official` sees (from meeting_get_visible). One
    query."""
    facts = meeting_facts(meeting)
    revisions = notulen_revisions(meeting)
    approved = [r for r in revisions if r.status == NotulenRevision.Status.APPROVED]
    if permissions.may_read_notulen_draft(official, facts):
        shown = notulen_revision_out(revisions[-1]) if revisions else _empty_notulen()
    elif approved:
        shown = notulen_revision_out(approved[-1])
    else:
        raise NotFound(_("The notulen of this meeting are not approved yet."))
    return shown | {
        "meeting": meeting.pk,
        "history": [
            {
                "revision": r.number,
                "approved_at": _iso(r.approved_at),
                "approved_by": r.approved_by.display_name if r.approved_by else None,
                "corrects": r.corrects,
            }
            for r in approved
        ],
        "may_write": permissions.may_take_notes(official, facts),
        "may_approve": permissions.may_approve_notulen(official, facts),
    }


def notulen_approved_get(official: Official, meeting_id: int) -> tuple[Meeting, NotulenRevision]:
    """The meeting and its latest approved notulen (the official record, for the exports);
    NotFound when none is approved or the official may not see the meeting."""
    meeting = meeting_get_visible(official, meeting_id)
    revision = (
        NotulenRevision.objects.filter(meeting=meeting, status=NotulenRevision.Status.APPROVED)
        .select_related("approved_by")
        .order_by("-number")
        .first()
    )
    if revision is None:
        raise NotFound(_("The notulen of this meeting are not approved yet."))
    return meeting, revision


def notulen_record(meeting: Meeting) -> dict[str, Any]:
    """The agenda and the attendance as they stand, kept in a revision when it is approved:
    the approved notulen then say what the meeting was, whatever changes later. Four
    queries."""
    return {
        "items": [
            {
                "id": item.pk,
                "title": item.title,
                "presenter": (presenter_out(item) or {}).get("name", ""),
                "outcome": item.outcome,
            }
            for item in agenda_items(meeting)
        ],
        "attendance": attendance_out(meeting),
    }


def notulen_document(meeting: Meeting, revision: NotulenRevision) -> dict[str, Any]:
    """What a notula rapat holds, in the meeting's zone (with WIB, WITA or WIT) and
    language: topic, day and date, time, place or video, chair, note taker, attendance by
    agency, opening and closing times, points per agenda item, decisions, follow-up actions,
    the approval. The exports (meetings.notulen_export) lay it out."""
    zone = meeting.timezone
    language = meeting.language
    content = revision.content or {}
    participants = participant_rows(meeting)
    # Approved revisions carry the agenda and attendance they were approved with.
    record = content.get("record") or notulen_record(meeting)
    attended = record["attendance"]
    attendance = attended["attendance"]
    by_agency: dict[str, list[dict[str, Any]]] = {}
    for row in attendance:
        by_agency.setdefault(row["agency"] or "—", []).append(row)
    items = record["items"]
    notes = content.get("items") or {}

    def when(value, kind="time") -> str:
        """In the meeting's zone, labelled: "09.00 WIB"."""
        return format_in_zone(value, zone, kind=kind, language=language) if value else ""

    def bare(value, kind="time") -> str:
        """The same without the zone's label."""
        return when(value, kind).rsplit(" ", 1)[0]

    with translation.override(language):
        place = meeting.location or (
            _("Video meeting (Rakor)") if meeting.video != Meeting.Video.NONE else ""
        )
        if meeting.location and meeting.video != Meeting.Video.NONE:
            place = _("%(place)s and video meeting (Rakor)") % {"place": meeting.location}
        outcomes = dict(AgendaItem.Outcome.choices)
        return {
            "language": language,
            "topic": meeting.title,
            "day_date": bare(meeting.start, "date"),
            "time": f"{bare(meeting.start)}–{when(meeting.end)}",
            "place": place,
            "organiser": f"{meeting.organiser.display_name} ({meeting.agency.name})",
            "chair": ", ".join(
                p.official.display_name for p in participants if p.role == Participant.Role.CHAIR
            )
            or meeting.organiser.display_name,
            "note_taker": ", ".join(
                p.official.display_name
                for p in participants
                if p.role == Participant.Role.NOTE_TAKER
            )
            or (revision.written_by.display_name if revision.written_by else ""),
            "opened_at": when(meeting.opened_at),
            "closed_at": when(meeting.closed_at),
            "attendance": [
                {"agency": agency, "people": rows} for agency, rows in sorted(by_agency.items())
            ],
            "present": attended["present"],
            "items": [
                {
                    "number": number,
                    "title": item["title"],
                    "presenter": item["presenter"],
                    "outcome": str(outcomes.get(item["outcome"], item["outcome"])),
                    "notes": notes.get(str(item["id"]), ""),
                }
                for number, item in enumerate(items, start=1)
            ],
            **{section: content.get(section, "") for section in NOTULEN_SECTIONS},
            "revision": revision.number,
            "corrects": revision.corrects,
            "approved_by": revision.approved_by.display_name if revision.approved_by else "",
            "approved_at": when(revision.approved_at, "datetime"),
            **_notulen_seal(revision),
        }


def _notulen_seal(revision: NotulenRevision) -> dict[str, Any]:
    """Where the approval stands in the decision log, and the log's head as exported."""
    from meetings import decision_log
    from meetings.models import DecisionLogEntry

    entry = (
        DecisionLogEntry.objects.filter(notulen=revision).values_list("position", "hash").first()
    )
    entries, head = decision_log.head()
    return {
        "sealed": {"entry": entry[0], "hash": entry[1]} if entry else None,
        "log_head": {"entries": entries, "hash": head},
    }
