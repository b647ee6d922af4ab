"""Meetings: every rule about scheduling, changing, cancelling and answering lives here. Views,
the API, the consumer and commands call these functions and nothing else writes meetings.

A change is one transaction: the meeting, its participants, its messaging room and the
outgoing invitations (the mail outbox) are written together, so an invitation exists exactly
when the change does.
"""

from __future__ import annotations

import datetime
import uuid
import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from coordination.organisation import permissions
from coordination.organisation.audit import audit_record
from coordination.organisation.models import Agency, Classification, Language, Official
from coordination.platform.errors import Conflict, Forbidden, InvalidInput, NotFound
from coordination.platform.schemas import reject_unstorable_text
from meetings import events, invitations
from meetings.models import Attendance, Meeting, MeetingAgency, Participant
from meetings.video import provider as video_provider
from messaging.services import meeting_room_sync

MAX_PARTICIPANTS = 1000
# Changes that RFC 5546 §2.1.4 calls significant (plus the place, per CONTRACT.md): they raise
# SEQUENCE and ask everyone to answer again.
SIGNIFICANT = ("start", "end", "location", "video", "status")
EDITABLE = (
    "title",
    "description",
    "start",
    "end",
    "timezone",
    "location",
    "language",
    "classification",
    "video",
)


@dataclass(frozen=True)
class Invitee:
    username: str
    role: str = Participant.Role.REQUIRED


# --- reading ------------------------------------------------------------------------------


def meeting_facts(meeting: Meeting) -> permissions.MeetingFacts:
    """What the visibility policy needs (two queries, or none with prefetched relations)."""
    return permissions.MeetingFacts(
        organiser_id=meeting.organiser_id,
        organising_agency_id=meeting.agency_id,
        classification=meeting.classification,
        named_participant_ids=frozenset(
            p.official_id for p in meeting.participants.all() if p.named
        ),
        participant_agency_ids=frozenset(a.agency_id for a in meeting.agencies.all()),
    )


def _meetings(viewer: Official) -> Any:
    """Meetings with what visibility and the viewer's own answer need: the named
    participants and the viewer's own row (not every official of an agency invited whole),
    and the agencies invited."""
    return Meeting.objects.select_related("organiser", "agency").prefetch_related(
        "agencies",
        Prefetch(
            "participants",
            queryset=Participant.objects.filter(Q(named=True) | Q(official_id=viewer.pk)),
        ),
    )


def meeting_visible(official: Official, meeting_id: object) -> Meeting:
    """The meeting, when `official` may see it; otherwise NotFound (its existence is not
    revealed)."""
    pk = _clean_id(meeting_id)
    meeting = _meetings(official).filter(pk=pk).first()
    if meeting is None or not permissions.may_view_meeting(official, meeting_facts(meeting)):
        raise NotFound(_("No such meeting."))
    return meeting


def meeting_editable(official: Official, meeting_id: object) -> Meeting:
    meeting = meeting_visible(official, meeting_id)
    if not permissions.may_edit_meeting(official, meeting_facts(meeting)):
        permissions.permission_denied(official=official, action="edit meeting", target=meeting)
        raise Forbidden(
            _("Only the organiser and coordinators of the organising agency may do this.")
        )
    return meeting


def participants_of(meeting: Meeting) -> list[Participant]:
    return list(
        Participant.objects.filter(meeting=meeting).select_related("official__agency", "via_agency")
    )


def busy(
    official_ids: Iterable[int],
    start: datetime.datetime,
    end: datetime.datetime,
    *,
    viewer: Official,
    exclude: int | None = None,
) -> list[dict[str, Any]]:
    """Who among `official_ids` is already in another scheduled meeting overlapping
    [start, end) and has not declined it. The other meeting's title is named only when the
    viewer may see it."""
    clashes = (
        Participant.objects.filter(
            official_id__in=set(official_ids),
            meeting__status=Meeting.Status.SCHEDULED,
            meeting__start__lt=end,
            meeting__end__gt=start,
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
        clashes = clashes.exclude(meeting_id=exclude)
    result = []
    for clash in clashes[:200]:
        other = clash.meeting
        visible = permissions.may_view_meeting(viewer, meeting_facts(other))
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


def busy_before_saving(
    *,
    viewer: Official,
    start: object,
    end: object,
    participants: object = (),
    agencies: object = (),
    exclude: int | None = None,
) -> list[dict[str, Any]]:
    """Who would be busy: the check the form makes before it saves (the same rule as the
    `busy` list meeting_create and meeting_update return afterwards)."""
    start, end = _clean_times(start, end, must_be_future=False)
    invitees = _clean_invitees(participants)
    ids = {o.pk for o in _officials(invitees).values()}
    agency_ids = [a.pk for a in _agencies(agencies)]
    ids |= set(
        Official.objects.filter(agency_id__in=agency_ids, is_active=True).values_list(
            "pk", flat=True
        )
    )
    ids.discard(viewer.pk)
    return busy(ids, start, end, viewer=viewer, exclude=exclude)


def meetings_between(
    official: Official, start: datetime.datetime | None, end: datetime.datetime | None
) -> list[Meeting]:
    """The meetings `official` may see that overlap [start, end), in order."""
    candidates = _meetings(official)
    if start is not None:
        candidates = candidates.filter(end__gt=start)
    if end is not None:
        candidates = candidates.filter(start__lt=end)
    # Only meetings the official could see: theirs, their agency's, their agency invited.
    mine = Q(participants__official=official) | Q(organiser=official)
    if official.agency_id is not None:
        mine |= Q(agency_id=official.agency_id) | Q(agencies__agency_id=official.agency_id)
    candidates = candidates.filter(mine).distinct()
    return [
        m
        for m in candidates.order_by("start", "id")[:1000]
        if permissions.may_view_meeting(official, meeting_facts(m))
    ]


# --- cleaning -----------------------------------------------------------------------------


def _clean_id(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value < 2**62:
        raise NotFound(_("No such meeting."))
    return value


def _clean_text(value: object, field: str, *, max_length: int, required: bool = False) -> str:
    if not isinstance(value, str):
        raise InvalidInput(
            _("%(field)s must be text.") % {"field": field}, fields={field: [_("Not text.")]}
        )
    try:
        reject_unstorable_text(value)
    except ValueError as exc:
        raise InvalidInput(
            _("%(field)s contains a character that cannot be stored.") % {"field": field},
            fields={field: [_("Control character.")]},
        ) from exc
    value = value.strip()
    if required and not value:
        raise InvalidInput(
            _("%(field)s is required.") % {"field": field}, fields={field: [_("Required.")]}
        )
    if len(value) > max_length:
        raise InvalidInput(
            _("%(field)s is at most %(n)d characters.") % {"field": field, "n": max_length},
            fields={field: [_("Too long.")]},
        )
    return value


def _clean_choice(value: object, field: str, choices: Sequence[str]) -> str:
    if value not in choices:
        raise InvalidInput(
            _("%(field)s is one of: %(choices)s") % {"field": field, "choices": ", ".join(choices)},
            fields={field: [_("Unknown value.")]},
        )
    return value  # type: ignore[return-value]


def _clean_zone(value: object) -> str:
    if not isinstance(value, str) or value not in zoneinfo.available_timezones():
        raise InvalidInput(
            _("timezone is an IANA time zone, such as Asia/Jakarta."),
            fields={"timezone": [_("Unknown time zone.")]},
        )
    return value


def _clean_times(
    start: object, end: object, *, must_be_future: bool
) -> tuple[datetime.datetime, datetime.datetime]:
    for name, value in (("start", start), ("end", end)):
        if not isinstance(value, datetime.datetime) or value.tzinfo is None:
            raise InvalidInput(
                _("%(field)s is a date and time with its UTC offset (ISO 8601).") % {"field": name},
                fields={name: [_("Not an instant.")]},
            )
    assert isinstance(start, datetime.datetime) and isinstance(end, datetime.datetime)
    if end <= start:
        raise InvalidInput(
            _("The meeting must end after it starts."), fields={"end": [_("Before the start.")]}
        )
    if end - start > datetime.timedelta(hours=settings.RAKOR_MEETING_MAX_HOURS):
        raise InvalidInput(
            _("A meeting lasts at most %(h)d hours.") % {"h": settings.RAKOR_MEETING_MAX_HOURS},
            fields={"end": [_("Too long.")]},
        )
    if must_be_future and start < timezone.now() - datetime.timedelta(minutes=5):
        raise InvalidInput(
            _("The meeting cannot start in the past."), fields={"start": [_("In the past.")]}
        )
    if start.year < 1971 or end.year > 9998:
        raise InvalidInput(_("The date is out of range."), fields={"start": [_("Out of range.")]})
    return start.astimezone(datetime.UTC), end.astimezone(datetime.UTC)


def _clean_invitees(value: object) -> list[Invitee]:
    if not isinstance(value, (list, tuple)):
        raise InvalidInput(
            _("participants is a list."), fields={"participants": [_("Not a list.")]}
        )
    invitees: dict[str, Invitee] = {}
    for item in value:
        if isinstance(item, Invitee):
            invitee = item
        elif isinstance(item, dict) and isinstance(item.get("username"), str):
            invitee = Invitee(item["username"], item.get("role", Participant.Role.REQUIRED))
        else:
            raise InvalidInput(
                _("Each participant is {username, role}."),
                fields={"participants": [_("Not a participant.")]},
            )
        _clean_choice(invitee.role, "role", Participant.Role.values)
        if invitee.username in invitees:
            raise InvalidInput(
                _("%(name)s is listed twice.") % {"name": invitee.username},
                fields={"participants": [invitee.username]},
            )
        invitees[invitee.username] = invitee
    if len(invitees) > MAX_PARTICIPANTS:
        raise InvalidInput(_("Too many participants."), fields={"participants": [_("Too many.")]})
    return list(invitees.values())


def _officials(invitees: list[Invitee]) -> dict[str, Official]:
    found = {
        o.username: o
        for o in Official.objects.filter(
            username__in=[i.username for i in invitees], is_active=True
        )
    }
    missing = sorted({i.username for i in invitees} - set(found))
    if missing:
        raise NotFound(
            _("Unknown officials: %(names)s") % {"names": ", ".join(missing)},
            fields={"participants": missing},
        )
    return found


def _agencies(codes: object) -> list[Agency]:
    if not isinstance(codes, (list, tuple)) or not all(isinstance(c, str) for c in codes):
        raise InvalidInput(
            _("agencies is a list of agency codes."), fields={"agencies": [_("Not a list.")]}
        )
    found = {a.code: a for a in Agency.objects.filter(code__in=set(codes))}
    missing = sorted(set(codes) - set(found))
    if missing:
        raise NotFound(
            _("Unknown agencies: %(codes)s") % {"codes": ", ".join(missing)},
            fields={"agencies": missing},
        )
    return [found[c] for c in dict.fromkeys(codes)]


# --- writing ------------------------------------------------------------------------------


def meeting_create(
    *,
    by: Official,
    title: object,
    start: object,
    end: object,
    description: object = "",
    timezone_name: object = None,
    location: object = "",
    language: object = None,
    participants: object = (),
    agencies: object = (),
    video: object = Meeting.Video.JITSI,
    classification: object = Classification.BIASA,
) -> tuple[Meeting, list[dict[str, Any]]]:
    """Schedule a meeting, invite its participants (mail through the outbox) and open its
    room. Returns the meeting and who among the participants is already busy then."""
    if not permissions.may_schedule_meeting(by):
        permissions.permission_denied(official=by, action="schedule meeting")
        raise Forbidden(_("Only coordinators schedule meetings."))
    if by.agency_id is None:
        raise InvalidInput(_("You belong to no agency: a meeting is organised by an agency."))
    fields = {
        "title": _clean_text(title, "title", max_length=200, required=True),
        "description": _clean_text(description, "description", max_length=10_000),
        "location": _clean_text(location, "location", max_length=300),
        "timezone": _clean_zone(timezone_name if timezone_name is not None else by.zone_name),
        "language": _clean_choice(
            language if language is not None else by.language, "language", Language.values
        ),
        "video": _clean_choice(video, "video", Meeting.Video.values),
        "classification": _clean_choice(classification, "classification", Classification.values),
    }
    start, end = _clean_times(start, end, must_be_future=True)
    invitees = _clean_invitees(participants)
    agency_list = _agencies(agencies)
    if agency_list and fields["classification"] == Classification.RAHASIA:
        raise InvalidInput(
            _("A rahasia meeting invites officials by name only."),
            fields={"agencies": [_("Not allowed.")]},
        )
    officials = _officials(invitees)
    with transaction.atomic():
        meeting = Meeting.objects.create(
            uid=f"{uuid.uuid4()}@{_uid_domain()}",
            organiser=by,
            agency_id=by.agency_id,
            start=start,
            end=end,
            video_room=_video_room(fields["video"]),
            **fields,
        )
        roles = {officials[i.username].pk: i.role for i in invitees}
        roles.setdefault(by.pk, Participant.Role.CHAIR)
        rows = [
            Participant(
                meeting=meeting,
                official_id=pk,
                role=role,
                rsvp=Participant.Rsvp.ACCEPTED if pk == by.pk else Participant.Rsvp.NEEDS_ACTION,
                rsvp_at=timezone.now() if pk == by.pk else None,
            )
            for pk, role in roles.items()
        ]
        MeetingAgency.objects.bulk_create(
            MeetingAgency(meeting=meeting, agency=a) for a in agency_list
        )
        rows += _agency_participants(meeting, agency_list, exclude=set(roles))
        Participant.objects.bulk_create(rows)
        everyone = participants_of(meeting)
        _sync_room(meeting, everyone)
        invitations.queue(
            meeting, everyone, recipients=everyone, method="REQUEST", kind="invitation"
        )
        audit_record("meeting_scheduled", actor=by, target=meeting, uid=meeting.uid)
        events.meeting_changed_on_commit(meeting, everyone)
    clashes = busy(
        [p.official_id for p in everyone if p.official_id != by.pk],
        start,
        end,
        viewer=by,
        exclude=meeting.pk,
    )
    return meeting, clashes


def _agency_participants(
    meeting: Meeting, agencies: list[Agency], *, exclude: set[int]
) -> list[Participant]:
    rows = []
    seen = set(exclude)
    for agency in agencies:
        for official_id in Official.objects.filter(agency=agency, is_active=True).values_list(
            "pk", flat=True
        ):
            if official_id in seen:
                continue
            seen.add(official_id)
            rows.append(
                Participant(
                    meeting=meeting,
                    official_id=official_id,
                    role=Participant.Role.REQUIRED,
                    named=False,
                    via_agency=agency,
                )
            )
    return rows


def meeting_update(
    *,
    by: Official,
    meeting_id: object,
    changes: dict[str, Any],
    participants: object = None,
    agencies: object = None,
    version: object = None,
) -> tuple[Meeting, list[dict[str, Any]]]:
    """Change a meeting. Significant changes (time, place, video, status) raise SEQUENCE and
    ask everyone to answer again; others are re-sent with the same SEQUENCE. Participants
    added are invited; those removed receive a CANCEL (and SEQUENCE rises for them).

    `version`, when given, is the version the caller edited: a meeting changed since then is
    a Conflict carrying the current version, so no edit silently overwrites another."""
    meeting = meeting_editable(by, meeting_id)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise InvalidInput(
            _("These fields cannot be changed: %(f)s") % {"f": ", ".join(sorted(unknown))},
            fields={f: [_("Not editable.")] for f in sorted(unknown)},
        )
    if version is not None and (
        not isinstance(version, int) or isinstance(version, bool) or version < 1
    ):
        raise InvalidInput(_("version is a whole number."), fields={"version": [_("Invalid.")]})
    cleaned: dict[str, Any] = {}
    for name, value in changes.items():
        if name == "title":
            cleaned[name] = _clean_text(value, "title", max_length=200, required=True)
        elif name == "description":
            cleaned[name] = _clean_text(value, "description", max_length=10_000)
        elif name == "location":
            cleaned[name] = _clean_text(value, "location", max_length=300)
        elif name == "timezone":
            cleaned[name] = _clean_zone(value)
        elif name == "language":
            cleaned[name] = _clean_choice(value, "language", Language.values)
        elif name == "video":
            cleaned[name] = _clean_choice(value, "video", Meeting.Video.values)
        elif name == "classification":
            cleaned[name] = _clean_choice(value, "classification", Classification.values)
    if "start" in changes or "end" in changes:
        start_given = changes.get("start", meeting.start)
        # A meeting under way can still be changed (its agenda, its end, its people); only a
        # new start must lie ahead.
        moved = (
            isinstance(start_given, datetime.datetime)
            and start_given.tzinfo is not None
            and start_given != meeting.start
        )
        start, end = _clean_times(
            start_given, changes.get("end", meeting.end), must_be_future=moved
        )
        cleaned["start"], cleaned["end"] = start, end
    invitees = _clean_invitees(participants) if participants is not None else None
    agency_list = _agencies(agencies) if agencies is not None else None
    officials = _officials(invitees) if invitees is not None else {}

    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        # Checked under the lock: a cancellation or another edit may have just committed.
        if meeting.is_cancelled:
            raise Conflict(
                _("This meeting is cancelled; it can no longer be changed."),
                current={"status": meeting.status, "version": meeting.version},
            )
        if version is not None and version != meeting.version:
            raise Conflict(
                _(
                    "Someone else changed this meeting meanwhile. Reload it and make your change "
                    "again."
                ),
                current={"version": meeting.version, "sequence": meeting.sequence},
            )
        current_agencies = [a.agency for a in meeting.agencies.select_related("agency")]
        classification = cleaned.get("classification", meeting.classification)
        if classification == Classification.RAHASIA and (
            agency_list if agency_list is not None else current_agencies
        ):
            raise InvalidInput(
                _("A rahasia meeting invites officials by name only."),
                fields={"agencies": [_("Not allowed.")]},
            )
        changed = [name for name, value in cleaned.items() if getattr(meeting, name) != value]
        if "video" in changed:
            video_provider(meeting.video).end(meeting)
        for name in changed:
            setattr(meeting, name, cleaned[name])
        if "video" in changed:
            meeting.video_room = _video_room(meeting.video)
        before = {p.official_id: p for p in participants_of(meeting)}
        removed: list[Participant] = []
        added_ids: set[int] = set()
        regrouped = False
        if invitees is not None or agency_list is not None:
            removed, added_ids, regrouped = _replace_participants(
                meeting,
                before,
                invitees,
                officials,
                agency_list if agency_list is not None else current_agencies,
            )
        significant = any(name in SIGNIFICANT for name in changed)
        if not changed and not removed and not added_ids and not regrouped:
            return meeting, []
        if significant or removed:
            meeting.sequence += 1
        if significant:
            meeting.answers_sequence = meeting.sequence
        meeting.version += 1
        meeting.updated_at = timezone.now()
        meeting.save()
        if significant:
            # Time or place changed: everyone answers again (the organiser keeps theirs).
            Participant.objects.filter(meeting=meeting).exclude(
                official_id=meeting.organiser_id
            ).update(rsvp=Participant.Rsvp.NEEDS_ACTION, rsvp_at=None)
        everyone = participants_of(meeting)
        _sync_room(meeting, everyone)
        newcomers = [p for p in everyone if p.official_id in added_ids]
        others = [p for p in everyone if p.official_id not in added_ids]
        if newcomers:
            invitations.queue(
                meeting, everyone, recipients=newcomers, method="REQUEST", kind="invitation"
            )
        if others:
            invitations.queue(meeting, everyone, recipients=others, method="REQUEST", kind="update")
        if removed:
            invitations.queue(meeting, removed, recipients=removed, method="CANCEL", kind="removal")
        audit_record(
            "meeting_changed",
            actor=by,
            target=meeting,
            fields=changed,
            added=len(added_ids),
            removed=len(removed),
            sequence=meeting.sequence,
        )
        events.meeting_changed_on_commit(meeting, everyone, removed=removed)
    clashes = []
    if significant or added_ids:
        clashes = busy(
            [p.official_id for p in everyone if p.official_id != meeting.organiser_id],
            meeting.start,
            meeting.end,
            viewer=by,
            exclude=meeting.pk,
        )
    return meeting, clashes


def _replace_participants(
    meeting: Meeting,
    before: dict[int, Participant],
    invitees: list[Invitee] | None,
    officials: dict[str, Official],
    agencies: list[Agency],
) -> tuple[list[Participant], set[int], bool]:
    """Make the participants those named (or, when not given, the named ones kept) plus the
    officials of the agencies; answers of those who stay are kept. Returns those removed,
    the ids added, and whether anyone's role (or invitation by name or agency) changed."""
    if invitees is None:
        roles = {pk: p.role for pk, p in before.items() if p.named}
    else:
        roles = {officials[i.username].pk: i.role for i in invitees}
    if meeting.organiser_id not in roles:  # the organiser always takes part
        kept = before.get(meeting.organiser_id)
        roles[meeting.organiser_id] = kept.role if kept else Participant.Role.CHAIR
    wanted: dict[int, tuple[str, bool, int | None]] = {
        pk: (role, True, None) for pk, role in roles.items()
    }
    for agency in agencies:
        for pk in Official.objects.filter(agency=agency, is_active=True).values_list(
            "pk", flat=True
        ):
            wanted.setdefault(pk, (Participant.Role.REQUIRED, False, agency.pk))
    removed = [p for pk, p in before.items() if pk not in wanted]
    Participant.objects.filter(pk__in=[p.pk for p in removed]).delete()
    added: set[int] = set()
    regrouped = False
    for pk, (role, named, via) in wanted.items():
        current = before.get(pk)
        if current is None:
            Participant.objects.create(
                meeting=meeting, official_id=pk, role=role, named=named, via_agency_id=via
            )
            added.add(pk)
        elif (current.role, current.named, current.via_agency_id) != (role, named, via):
            Participant.objects.filter(pk=current.pk).update(
                role=role, named=named, via_agency_id=via
            )
            regrouped = True
    dropped, _kinds = (
        MeetingAgency.objects.filter(meeting=meeting).exclude(agency__in=agencies).delete()
    )
    have = set(MeetingAgency.objects.filter(meeting=meeting).values_list("agency_id", flat=True))
    MeetingAgency.objects.bulk_create(
        MeetingAgency(meeting=meeting, agency=a) for a in agencies if a.pk not in have
    )
    regrouped = regrouped or bool(dropped) or any(a.pk not in have for a in agencies)
    return removed, added, regrouped


def meeting_cancel(*, by: Official, meeting_id: object) -> Meeting:
    """Cancel: STATUS:CANCELLED with the same UID and a higher SEQUENCE to every participant;
    the meeting's room becomes read-only."""
    meeting = meeting_editable(by, meeting_id)
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if meeting.is_cancelled:
            return meeting
        meeting.status = Meeting.Status.CANCELLED
        meeting.sequence += 1
        meeting.answers_sequence = meeting.sequence
        meeting.version += 1
        meeting.updated_at = timezone.now()
        meeting.save(
            update_fields=["status", "sequence", "answers_sequence", "version", "updated_at"]
        )
        everyone = participants_of(meeting)
        _sync_room(meeting, everyone)
        video_provider(meeting.video).end(meeting)
        invitations.queue(
            meeting, everyone, recipients=everyone, method="CANCEL", kind="cancellation"
        )
        audit_record("meeting_cancelled", actor=by, target=meeting, sequence=meeting.sequence)
        events.meeting_changed_on_commit(meeting, everyone)
    return meeting


ANSWERS = (Participant.Rsvp.ACCEPTED, Participant.Rsvp.DECLINED, Participant.Rsvp.TENTATIVE)


def meeting_rsvp(*, official: Official, meeting_id: object, response: object) -> Participant:
    """A participant answers for themselves: accepted, declined or tentative."""
    meeting = meeting_visible(official, meeting_id)
    response = _clean_choice(response, "response", ANSWERS)
    participant = Participant.objects.filter(meeting=meeting, official=official).first()
    if participant is None:
        raise Forbidden(_("You are not a participant of this meeting."))
    return rsvp_by_attendee(meeting=meeting, participant=participant, response=response)


def rsvp_link_target(token: str) -> tuple[Meeting, Participant]:
    """The meeting and participant a one-click answer link is for. BadLink when the link is
    forged, damaged or expired, or its participant is no longer invited."""
    data = invitations.rsvp_token_read(token)
    participant = (
        Participant.objects.select_related("official", "meeting__organiser")
        .filter(pk=data["p"], meeting_id=data["m"], official_id=data["o"])
        .first()
    )
    if participant is None or not participant.official.is_active:
        raise invitations.BadLink("participant gone")
    return participant.meeting, participant


def rsvp_by_link(*, token: str, response: object) -> Participant:
    """An answer through the link in the invitation mail (confirmed with a POST)."""
    meeting, participant = rsvp_link_target(token)
    response = _clean_choice(response, "response", ANSWERS)
    return rsvp_by_attendee(meeting=meeting, participant=participant, response=response)


def rsvp_by_attendee(*, meeting: Meeting, participant: Participant, response: str) -> Participant:
    """Record an answer for `participant` (checked by the caller: the official themselves, a
    signed link, or a matched iTIP REPLY). A cancelled meeting takes no answers."""
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if meeting.is_cancelled:
            raise Conflict(_("This meeting is cancelled."), current={"status": meeting.status})
        participant = (
            Participant.objects.select_for_update()
            .select_related("official")
            .filter(pk=participant.pk)
            .first()
        )
        if participant is None:
            raise Forbidden(_("You are not a participant of this meeting."))
        if participant.rsvp != response:
            participant.rsvp = response
            participant.rsvp_at = timezone.now()
            participant.save(update_fields=["rsvp", "rsvp_at"])
            events.rsvp_changed_on_commit(meeting, participant)
    return participant


def meeting_join(*, official: Official, meeting_id: object) -> str:
    """Where a participant joining the video meeting goes; each join is recorded. Only
    participants and the organiser join, and only a scheduled meeting with a video room."""
    meeting = meeting_visible(official, meeting_id)
    is_participant = any(p.official_id == official.pk for p in meeting.participants.all())
    if not is_participant and meeting.organiser_id != official.pk:
        raise Forbidden(_("Only the meeting's participants can join its video meeting."))
    if meeting.is_cancelled:
        raise Conflict(_("This meeting is cancelled."), current={"status": meeting.status})
    if meeting.video == Meeting.Video.NONE:
        raise Conflict(_("This meeting has no video room."), current={"video": meeting.video})
    Attendance.objects.create(meeting=meeting, official=official)
    return video_provider(meeting.video).join_url(meeting, official)


def _sync_room(meeting: Meeting, participants: list[Participant]) -> None:
    meeting_room_sync(
        source_key=f"meeting:{meeting.pk}",
        name=meeting.title,
        official_ids=[p.official_id for p in participants],
        classification=meeting.classification,
        archived=meeting.is_cancelled,
    )


def _video_room(video: str) -> str:
    return video_provider(video).create_room()


def _uid_domain() -> str:
    from urllib.parse import urlsplit

    return urlsplit(settings.RAKOR_SITE_URL).hostname or "rakor.localhost"


def agency_member_moved(*, official_id: int, old_agency_id: int | None, new_agency_id: int | None):
    """An official joined or left an agency: upcoming meetings that invited the agency whole
    follow. Leaving: a participant through the old agency only is removed (with a CANCEL).
    Joining: the official is invited to the new agency's upcoming meetings."""
    official = Official.objects.filter(pk=official_id).first()
    if official is None:
        return
    upcoming = Meeting.objects.filter(status=Meeting.Status.SCHEDULED, end__gt=timezone.now())
    if old_agency_id is not None:
        leaving = Participant.objects.filter(
            official_id=official_id,
            named=False,
            via_agency_id=old_agency_id,
            meeting__in=upcoming,
        ).values_list("meeting_id", flat=True)
        for meeting_id in list(leaving):
            with transaction.atomic():
                meeting = Meeting.objects.select_for_update().get(pk=meeting_id)
                gone = list(
                    Participant.objects.select_related("official").filter(
                        meeting=meeting, official_id=official_id, named=False
                    )
                )
                if not gone:
                    continue
                Participant.objects.filter(pk__in=[p.pk for p in gone]).delete()
                meeting.sequence += 1
                meeting.version += 1
                meeting.updated_at = timezone.now()
                meeting.save(update_fields=["sequence", "version", "updated_at"])
                everyone = participants_of(meeting)
                _sync_room(meeting, everyone)
                invitations.queue(meeting, gone, recipients=gone, method="CANCEL", kind="removal")
                events.meeting_changed_on_commit(meeting, everyone, removed=gone)
    if new_agency_id is not None and official.is_active:
        joining = upcoming.filter(agencies__agency_id=new_agency_id).exclude(
            participants__official_id=official_id
        )
        for meeting_id in list(joining.values_list("pk", flat=True)):
            with transaction.atomic():
                meeting = Meeting.objects.select_for_update().get(pk=meeting_id)
                if Participant.objects.filter(meeting=meeting, official_id=official_id).exists():
                    continue
                Participant.objects.create(
                    meeting=meeting,
                    official_id=official_id,
                    role=Participant.Role.REQUIRED,
                    named=False,
                    via_agency_id=new_agency_id,
                )
                meeting.version += 1
                meeting.save(update_fields=["version"])
                everyone = participants_of(meeting)
                newcomer = [p for p in everyone if p.official_id == official_id]
                _sync_room(meeting, everyone)
                invitations.queue(
                    meeting, everyone, recipients=newcomer, method="REQUEST", kind="invitation"
                )
                events.meeting_changed_on_commit(meeting, newcomer)
