"""Scheduling, changing and cancelling a meeting.

The rules: only coordinators schedule; the organiser and coordinators of the organising agency
change and cancel (docs/permissions.md); a meeting ends after it starts, lasts at most
RAKOR_MEETING_MAX_HOURS and starts ahead (a meeting under way may still change, but not move
its start into the past); a rahasia meeting invites officials by name only; a cancelled meeting
no longer changes. Significant changes (RFC 5546 §2.1.4: time, place, video, status) raise
SEQUENCE and ask everyone to answer again; every change raises the version (`meeting_bump`).

A recurring meeting is a series (its `rrule`, meetings.recurrence); an occurrence that gains
state of its own becomes a row (`occurrence_row`, meetings.services.occurrences) and changes
like any meeting, except for what belongs to the series (its rule, zone, classification,
language and people). Cancelling a series cancels its occurrences with it.
"""

from __future__ import annotations

import datetime
import uuid
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coordination.organisation import permissions
from coordination.organisation.audit import audit_record
from coordination.organisation.models import Agency, Classification, Official
from coordination.platform.errors import Conflict, Forbidden, InvalidInput, NotFound
from meetings import events, ical, invitations, recurrence, selectors
from meetings.models import Meeting, MeetingAgency, Participant
from meetings.video import provider as video_provider
from messaging.services.rooms import meeting_room_sync

MAX_PARTICIPANTS = 1000
# Changes that RFC 5546 §2.1.4 calls significant (plus the place, per CONTRACT.md): they raise
# SEQUENCE and ask everyone to answer again.
SIGNIFICANT = ("start", "end", "location", "video", "status", "rrule", "exdates")
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
    "rrule",
    "exdates",
)
# What an occurrence shares with its series and changes only there.
SERIES_ONLY = ("timezone", "language", "classification", "rrule", "exdates")


@dataclass(frozen=True)
class Invitee:
    """An official invited by name (their username), in a role (Participant.Role)."""

    username: str
    role: str = Participant.Role.REQUIRED


def check_times(
    start: datetime.datetime, end: datetime.datetime, *, must_be_future: bool
) -> tuple[datetime.datetime, datetime.datetime]:
    """The meeting's start and end in UTC, or a refusal: they are instants (with an offset),
    the end comes after the start, the meeting lasts at most RAKOR_MEETING_MAX_HOURS, and
    (when `must_be_future`) it does not start in the past."""
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidInput(
            _("A meeting's times carry their UTC offset (ISO 8601)."),
            fields={"start": [_("Not an instant.")]},
        )
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


def check_invitees(value: Sequence[Invitee]) -> list[Invitee]:
    """Each official invited once, in a known role, MAX_PARTICIPANTS at most."""
    invitees: dict[str, Invitee] = {}
    for invitee in value:
        if invitee.role not in Participant.Role.values:
            raise InvalidInput(
                _("role is one of: %(choices)s") % {"choices": ", ".join(Participant.Role.values)},
                fields={"participants": [_("Unknown role.")]},
            )
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
    """The active officials invited, by username; NotFound naming unknown ones."""
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


def _agencies(codes: Sequence[str]) -> list[Agency]:
    """The agencies of these codes, in order, each once; NotFound naming unknown codes."""
    found = {a.code: a for a in Agency.objects.filter(code__in=set(codes))}
    missing = sorted(set(codes) - set(found))
    if missing:
        raise NotFound(
            _("Unknown agencies: %(codes)s") % {"codes": ", ".join(missing)},
            fields={"agencies": missing},
        )
    return [found[c] for c in dict.fromkeys(codes)]


def _check_zone(name: str) -> str:
    if name not in zoneinfo.available_timezones():
        raise InvalidInput(
            _("timezone is an IANA time zone, such as Asia/Jakarta."),
            fields={"timezone": [_("Unknown time zone.")]},
        )
    return name


def _check_by_name_only(classification: str, agencies: Sequence[Agency]) -> None:
    """A rahasia meeting invites officials by name only, never an agency whole."""
    if agencies and classification == Classification.RAHASIA:
        raise InvalidInput(
            _("A rahasia meeting invites officials by name only."),
            fields={"agencies": [_("Not allowed.")]},
        )


def meeting_bump(meeting: Meeting, *, significant: bool, resend: bool) -> None:
    """Record a change on the meeting (before it is saved): every change raises the version;
    a significant one (time, place, video, status) also raises SEQUENCE and makes only
    answers from now on current; `resend` (participants removed) raises SEQUENCE alone."""
    if significant or resend:
        meeting.sequence += 1
    if significant:
        meeting.answers_sequence = meeting.sequence
    meeting.version += 1
    meeting.updated_at = timezone.now()


def meeting_create(
    *,
    by: Official,
    title: str,
    start: datetime.datetime,
    end: datetime.datetime,
    description: str = "",
    timezone_name: str | None = None,
    location: str = "",
    language: str | None = None,
    participants: Sequence[Invitee] = (),
    agencies: Sequence[str] = (),
    video: str = Meeting.Video.JITSI,
    classification: str = Classification.BIASA,
    rrule: str = "",
    exdates: Sequence[datetime.datetime] = (),
) -> tuple[Meeting, list[dict[str, Any]]]:
    """Schedule a meeting, invite its participants (mail through the outbox) and open its
    room. Returns the meeting and who among the participants is already busy then (at its
    first occurrence, for a series). With `rrule` (meetings.recurrence's subset) it is a
    series whose first occurrence is `start`; `exdates` removes occurrences from it."""
    if not permissions.may_schedule_meeting(by):
        permissions.permission_denied(official=by, action="schedule meeting")
        raise Forbidden(_("Only coordinators schedule meetings."))
    if by.agency_id is None:
        raise InvalidInput(_("You belong to no agency: a meeting is organised by an agency."))
    if not title.strip():
        raise InvalidInput(_("title is required."), fields={"title": [_("Required.")]})
    fields = {
        "title": title.strip(),
        "description": description.strip(),
        "location": location.strip(),
        "timezone": _check_zone(timezone_name if timezone_name is not None else by.zone_name),
        "language": language if language is not None else by.language,
        "video": video,
        "classification": classification,
    }
    start, end = check_times(start, end, must_be_future=True)
    fields["rrule"] = recurrence.rule_clean(rrule, start=start, zone_name=fields["timezone"])
    if exdates and not fields["rrule"]:
        raise InvalidInput(
            _("Only a repeating meeting has excluded dates."), fields={"exdates": [_("No rule.")]}
        )
    fields["exdates"] = recurrence.exdates_clean(exdates)
    fields["span_end"] = recurrence.span_end(fields["rrule"], start, end, fields["timezone"])
    invitees = check_invitees(participants)
    agency_list = _agencies(agencies)
    _check_by_name_only(fields["classification"], agency_list)
    officials = _officials(invitees)
    with transaction.atomic():
        meeting = Meeting.objects.create(
            uid=f"{uuid.uuid4()}@{ical.uid_domain()}",
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
        everyone = selectors.participant_list(meeting)
        _sync_room(meeting, everyone)
        invitations.invitation_queue(
            meeting, everyone, recipients=everyone, method="REQUEST", kind="invitation", by_id=by.pk
        )
        audit_record("meeting_scheduled", actor=by, target=meeting, uid=meeting.uid)
        events.meeting_changed_on_commit(meeting, everyone)
    clashes = selectors.clash_list(
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
    meeting_id: int,
    changes: dict[str, Any],
    participants: Sequence[Invitee] | None = None,
    agencies: Sequence[str] | None = None,
    version: int | None = None,
) -> tuple[Meeting, list[dict[str, Any]]]:
    """Change a meeting. Significant changes (time, place, video, status) raise SEQUENCE and
    ask everyone to answer again; others are re-sent with the same SEQUENCE. Participants
    added are invited; those removed receive a CANCEL (and SEQUENCE rises for them).

    `version`, when given, is the version the caller edited: a meeting changed since then is
    a Conflict carrying the current version, so no edit silently overwrites another."""
    meeting = selectors.meeting_get_editable(by, meeting_id)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise InvalidInput(
            _("These fields cannot be changed: %(f)s") % {"f": ", ".join(sorted(unknown))},
            fields={f: [_("Not editable.")] for f in sorted(unknown)},
        )
    if meeting.series_id is not None:
        shared = sorted(
            name
            for name in set(changes) & set(SERIES_ONLY)
            if changes[name] != getattr(meeting, name)
        )
        if shared or participants is not None or agencies is not None:
            shared += ["participants"] if participants is not None else []
            shared += ["agencies"] if agencies is not None else []
            raise InvalidInput(
                _("An occurrence shares these with its series; change the series: %(f)s")
                % {"f": ", ".join(shared)},
                fields={f: [_("Change the series.")] for f in shared},
            )
    cleaned: dict[str, Any] = {}
    for name, value in changes.items():
        if name in ("title", "description", "location"):
            cleaned[name] = value.strip()
        elif name == "timezone":
            cleaned[name] = _check_zone(value)
        elif name == "exdates":
            cleaned[name] = recurrence.exdates_clean(value)
        elif name not in ("start", "end", "rrule"):
            cleaned[name] = value
    if "title" in cleaned and not cleaned["title"]:
        raise InvalidInput(_("title is required."), fields={"title": [_("Required.")]})
    if "start" in changes or "end" in changes:
        start_given = changes.get("start", meeting.start)
        # A meeting under way can still be changed (its agenda, its end, its people); only a
        # new start must lie ahead.
        # (A series' first occurrence may lie behind it: moving the series' hour moves the
        # occurrences to come.)
        moved = start_given != meeting.start and not meeting.rrule
        start, end = check_times(start_given, changes.get("end", meeting.end), must_be_future=moved)
        cleaned["start"], cleaned["end"] = start, end
    if meeting.series_id is None and {"rrule", "start", "end", "timezone", "exdates"} & set(
        changes
    ):
        rule = recurrence.rule_clean(
            changes.get("rrule", meeting.rrule),
            start=cleaned.get("start", meeting.start),
            zone_name=cleaned.get("timezone", meeting.timezone),
        )
        if rule or "rrule" in changes:
            cleaned["rrule"] = rule
        if cleaned.get("exdates", meeting.exdates) and not rule:
            raise InvalidInput(
                _("Only a repeating meeting has excluded dates."),
                fields={"exdates": [_("No rule.")]},
            )
    invitees = check_invitees(participants) if participants is not None else None
    agency_list = _agencies(agencies) if agencies is not None else None
    officials = _officials(invitees) if invitees is not None else {}

    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        # Checked under the lock: a cancellation or another edit may have just committed.
        if not meeting.accepts_changes:
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
        _check_by_name_only(
            cleaned.get("classification", meeting.classification),
            agency_list if agency_list is not None else current_agencies,
        )
        changed = [name for name, value in cleaned.items() if getattr(meeting, name) != value]
        if "video" in changed and meeting.series_id is None:
            video_provider(meeting.video).end(meeting)
        previous = {name: getattr(meeting, name) for name in changed}
        for name in changed:
            setattr(meeting, name, cleaned[name])
        if "video" in changed:
            # An occurrence keeps its series' room when it has one; otherwise a room of its own.
            series = meeting.series
            shared = series is not None and series.video == meeting.video and series.video_room
            meeting.video_room = series.video_room if shared else _video_room(meeting.video)
        meeting.span_end = recurrence.span_end(
            meeting.rrule, meeting.start, meeting.end, meeting.timezone
        )
        before = {p.official_id: p for p in selectors.participant_list(meeting)}
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
        meeting_bump(meeting, significant=significant, resend=bool(removed))
        meeting.save()
        if meeting.is_series:
            _occurrences_follow(
                meeting,
                previous,
                invitees=invitees,
                officials=officials,
                agencies=agency_list if agency_list is not None else current_agencies,
                people=invitees is not None or agency_list is not None,
            )
        if significant:
            # Time or place changed: everyone answers again (the organiser keeps theirs).
            # An occurrence asked again is answered for itself, not by the series' answers.
            Participant.objects.filter(meeting=meeting).exclude(
                official_id=meeting.organiser_id
            ).update(
                rsvp=Participant.Rsvp.NEEDS_ACTION,
                rsvp_at=None,
                answer_own=meeting.series_id is not None,
            )
        everyone = selectors.participant_list(meeting)
        _sync_room(meeting, everyone)
        newcomers = [p for p in everyone if p.official_id in added_ids]
        others = [p for p in everyone if p.official_id not in added_ids]
        if newcomers:
            invitations.invitation_queue(
                meeting,
                everyone,
                recipients=newcomers,
                method="REQUEST",
                kind="invitation",
                by_id=by.pk,
            )
        if others:
            invitations.invitation_queue(
                meeting, everyone, recipients=others, method="REQUEST", kind="update", by_id=by.pk
            )
        if removed:
            invitations.invitation_queue(
                meeting, removed, recipients=removed, method="CANCEL", kind="removal", by_id=by.pk
            )
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
        clashes = selectors.clash_list(
            [p.official_id for p in everyone if p.official_id != meeting.organiser_id],
            meeting.start,
            meeting.end,
            viewer=by,
            exclude=meeting.pk,
        )
    return meeting, clashes


# What occurrences with rows take over from their series when it changes, unless they
# changed it themselves (their value is no longer the series' old one).
FOLLOWED = ("title", "description", "location", "video", "timezone", "language", "classification")


def _occurrences_follow(
    series: Meeting,
    previous: dict[str, Any],
    *,
    invitees: list[Invitee] | None,
    officials: dict[str, Official],
    agencies: list[Agency],
    people: bool,
) -> None:
    """The series' occurrences to come that have rows of their own follow its change: the
    fields they did not change themselves, and its participants (answers of those who stay
    are kept). Their calendars learn it from the series' REQUEST, which carries them."""
    followed = [name for name in previous if name in FOLLOWED]
    if not followed and not people:
        return
    rows = Meeting.objects.select_for_update().filter(
        series=series, status=Meeting.Status.SCHEDULED, end__gt=timezone.now()
    )
    for row in rows:
        names = [n for n in followed if getattr(row, n) == previous[n]]
        for name in names:
            setattr(row, name, getattr(series, name))
        if "video" in names:
            row.video_room = series.video_room
        if people:
            before = {p.official_id: p for p in selectors.participant_list(row)}
            _replace_participants(row, before, invitees, officials, agencies)
        if names or people:
            meeting_bump(row, significant=False, resend=False)
            row.save()
            events.meeting_changed_on_commit(row, selectors.participant_list(row))


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


CANCEL_FIELDS = ["status", "sequence", "answers_sequence", "version", "updated_at"]


def meeting_cancel(*, by: Official, meeting_id: int) -> Meeting:
    """Cancel: STATUS:CANCELLED with the same UID and a higher SEQUENCE to every participant;
    the meeting's room becomes read-only. Cancelling a cancelled meeting changes nothing."""
    meeting = selectors.meeting_get_editable(by, meeting_id)
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if meeting.is_cancelled:
            return meeting
        meeting.status = Meeting.Status.CANCELLED
        meeting_bump(meeting, significant=True, resend=False)
        meeting.save(update_fields=CANCEL_FIELDS)
        if meeting.is_series:
            # The series' CANCEL (its UID, no RECURRENCE-ID) removes every occurrence from the
            # calendars; the occurrences with rows of their own are cancelled with it.
            for row in Meeting.objects.select_for_update().filter(
                series=meeting, status=Meeting.Status.SCHEDULED
            ):
                row.status = Meeting.Status.CANCELLED
                meeting_bump(row, significant=True, resend=False)
                row.save(
                    update_fields=[
                        "status",
                        "sequence",
                        "answers_sequence",
                        "version",
                        "updated_at",
                    ]
                )
        everyone = selectors.participant_list(meeting)
        _sync_room(meeting, everyone)
        if meeting.series_id is None:
            video_provider(meeting.video).end(meeting)
        invitations.invitation_queue(
            meeting,
            everyone,
            recipients=everyone,
            method="CANCEL",
            kind="cancellation",
            by_id=by.pk,
        )
        audit_record("meeting_cancelled", actor=by, target=meeting, sequence=meeting.sequence)
        events.meeting_changed_on_commit(meeting, everyone)
    return meeting


def _sync_room(meeting: Meeting, participants: list[Participant]) -> None:
    """The meeting's room in Messages holds its participants, named after it, archived
    once it is cancelled. A series has one room for all its occurrences (the series' own
    changes keep it in step)."""
    if meeting.series_id is not None:
        return
    meeting_room_sync(
        source_key=f"meeting:{meeting.pk}",
        name=meeting.title,
        official_ids=[p.official_id for p in participants],
        classification=meeting.classification,
        archived=meeting.is_cancelled,
    )


def _video_room(video: str) -> str:
    return video_provider(video).create_room()
