"""Answers to invitations: by the participant in Rakor, through the one-click link in the
invitation mail, or as an iTIP REPLY (parsed by meetings.itip) handed in through the API, an
upload on the meeting page or the mail inbox. Every one is recorded by `rsvp_record`, with the
meeting locked once.

For a recurring meeting, an answer to the series stands for every occurrence, except those
answered alone (or asked again after a move); an answer for one occurrence (in Rakor, through
its link, or a REPLY with RECURRENCE-ID) makes the occurrence's row (meetings.services.
occurrences) and is kept there."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from coordination.organisation import permissions
from coordination.organisation.models import Official
from coordination.organisation.notifications import notify
from coordination.organisation.timefmt import format_in_zone
from coordination.platform.errors import Conflict, Forbidden, InvalidInput, NotFound
from meetings import events, ical, invitations, itip, recurrence, selectors
from meetings.models import Meeting, Participant
from meetings.services.occurrences import occurrence_for_writing, occurrence_row

ANSWERS = (Participant.Rsvp.ACCEPTED, Participant.Rsvp.DECLINED, Participant.Rsvp.TENTATIVE)


def check_response(response: str) -> None:
    if response not in ANSWERS:
        raise InvalidInput(
            _("response is one of: %(choices)s") % {"choices": ", ".join(ANSWERS)},
            fields={"response": [_("Unknown value.")]},
        )


def meeting_rsvp(*, official: Official, meeting_id: int, response: str) -> Participant:
    """A participant answers for themselves: accepted, declined or tentative (for a series:
    for all its occurrences not answered alone)."""
    meeting = selectors.meeting_get_visible(official, meeting_id)
    participant = Participant.objects.filter(meeting=meeting, official=official).first()
    if participant is None:
        raise Forbidden(_("You are not a participant of this meeting."))
    return rsvp_record(meeting=meeting, participant=participant, response=response)


def occurrence_rsvp(*, official: Official, series_id: int, key: str, response: str) -> Participant:
    """A participant answers for one occurrence alone (its row is made for it)."""
    occurrence = selectors.occurrence_get_visible(official, series_id, key)
    if not Participant.objects.filter(meeting_id=occurrence.pk, official=official).exists():
        raise Forbidden(_("You are not a participant of this meeting."))
    check_response(response)
    with transaction.atomic():
        row, _made = occurrence_for_writing(
            by=official, series_id=series_id, key=key, editing=False
        )
        participant = Participant.objects.filter(meeting=row, official=official).first()
        if participant is None:
            raise Forbidden(_("You are not a participant of this meeting."))
        return rsvp_record(meeting=row, participant=participant, response=response)


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


def rsvp_by_link(*, token: str, response: str, occurrence: str = "") -> Participant:
    """An answer through the link in the invitation mail (confirmed with a POST). A series'
    link answers the whole series, or with `occurrence` (its key) that occurrence alone."""
    meeting, participant = rsvp_link_target(token)
    if not occurrence:
        return rsvp_record(meeting=meeting, participant=participant, response=response)
    check_response(response)
    original = recurrence.key_parse(occurrence)
    if not meeting.rrule or original is None:
        raise NotFound(_("No such occurrence."), fields={"occurrence": [_("Unknown.")]})
    with transaction.atomic():  # a refused answer leaves no occurrence row behind
        row = occurrence_row(series=meeting, original_start=original)
        mine = Participant.objects.select_related("official").filter(
            meeting=row, official_id=participant.official_id
        )
        found = mine.first()
        if found is None:
            raise Forbidden(_("You are not a participant of this meeting."))
        return rsvp_record(meeting=row, participant=found, response=response)


def rsvp_record(
    *,
    meeting: Meeting,
    participant: Participant,
    response: str,
    sequence: int | None = None,
) -> Participant:
    """Record an answer for `participant` (checked by the caller: the official themselves, a
    signed link, or a matched iTIP REPLY) with the meeting locked, so that no change raising
    SEQUENCE (and asking everyone to answer again) commits in between. A cancelled meeting
    takes no answers; a reply (`sequence`) must answer the last significant change or later
    (removing someone raises SEQUENCE for them, but does not make the others' stale)."""
    check_response(response)
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if not meeting.accepts_changes:
            raise Conflict(
                _("This meeting is cancelled."),
                current={"status": meeting.status, "sequence": meeting.sequence},
            )
        if sequence is not None and not meeting.answers_sequence <= sequence <= meeting.sequence:
            raise Conflict(
                _(
                    "This reply answers version %(theirs)s of the invitation; the meeting is "
                    "now at version %(ours)s. Answer the latest invitation."
                )
                % {"theirs": sequence, "ours": meeting.sequence},
                current={"sequence": meeting.sequence},
            )
        participant = (
            Participant.objects.select_for_update()
            .select_related("official")
            .filter(pk=participant.pk)
            .first()
        )
        if participant is None:
            raise Forbidden(_("You are not a participant of this meeting."))
        own = meeting.series_id is not None
        if participant.rsvp != response or participant.answer_own != own:
            answered = participant.rsvp != response
            participant.rsvp = response
            participant.rsvp_at = timezone.now()
            participant.answer_own = own
            participant.save(update_fields=["rsvp", "rsvp_at", "answer_own"])
            events.rsvp_changed_on_commit(meeting, participant)
            if answered:  # not when only whose answer it is changed (series, occurrence)
                _tell_organiser(meeting, participant)
        if meeting.rrule:
            _series_answer_spread(meeting, participant)
    return participant


ANSWERED = {
    Participant.Rsvp.ACCEPTED: lambda: _("%(name)s accepted %(title)s, %(when)s"),
    Participant.Rsvp.DECLINED: lambda: _("%(name)s declined %(title)s, %(when)s"),
    Participant.Rsvp.TENTATIVE: lambda: _("%(name)s may attend %(title)s, %(when)s"),
    Participant.Rsvp.NEEDS_ACTION: lambda: _("%(name)s withdrew their answer to %(title)s"),
}


def _tell_organiser(meeting: Meeting, participant: Participant) -> None:
    """The organiser learns of each answer (not of their own), in their language."""
    organiser = meeting.organiser
    if organiser is None or organiser.pk == participant.official_id:
        return
    with translation.override(organiser.language or settings.LANGUAGE_CODE):
        text = ANSWERED[participant.rsvp]()
        facts = {
            "name": participant.official.display_name,
            "when": format_in_zone(meeting.start, organiser.zone_name, kind="short"),
        }
        notify(
            organiser,
            "rsvp",
            text % {**facts, "title": meeting.title[:200]},
            meeting.get_absolute_url(),
            mail_text=text
            % {**facts, "title": ical.public_title(meeting, in_active_language=True)[:200]},
        )


def _series_answer_spread(series: Meeting, participant: Participant) -> None:
    """The series' answer stands for its occurrences to come that have rows of their own,
    except those answered alone."""
    rows = Participant.objects.filter(
        meeting__series=series,
        meeting__status=Meeting.Status.SCHEDULED,
        meeting__end__gt=timezone.now(),
        official_id=participant.official_id,
        answer_own=False,
    ).exclude(rsvp=participant.rsvp)
    changed = list(rows.select_related("meeting", "official"))
    rows.update(rsvp=participant.rsvp, rsvp_at=participant.rsvp_at)
    for row in changed:
        row.rsvp, row.rsvp_at = participant.rsvp, participant.rsvp_at
        events.rsvp_changed_on_commit(row.meeting, row)


def reply_receive(
    *, by: Official | None, body: bytes, content_type: str, mail_from: str | None = None
) -> Participant:
    """Read an iTIP REPLY as it arrived (meetings.itip) and record its answer (reply_apply):
    the API, the upload on the meeting page and the mail inbox all hand replies in here."""
    reply = itip.reply_read(body=body, content_type=content_type)
    return reply_apply(by=by, reply=reply, mail_from=mail_from)


def reply_apply(
    *, by: Official | None, reply: itip.Reply, mail_from: str | None = None
) -> Participant:
    """Record the answer of a REPLY (read by meetings.itip). `by` is the official handing it
    in (API, page): the attendee, those who may edit the meeting, administrators
    (`permissions.may_hand_in_reply`). For a reply that came by mail, `by` is None and
    `mail_from` (the message's From) must be the attendee or an official who may hand the
    reply in. SENT-BY grants nothing by itself: anyone can write it."""
    meeting = Meeting.objects.filter(uid=reply.uid, series__isnull=True).first()
    if meeting is None or (
        by is not None
        and not permissions.is_administrator(by)
        and not permissions.may_view_meeting(by, selectors.meeting_facts(meeting))
    ):
        raise NotFound(_("No meeting has this UID."), fields={"UID": [_("Unknown to Rakor.")]})
    matches = list(
        Participant.objects.select_related("official").filter(
            meeting=meeting, official__email__iexact=reply.attendee
        )[:2]
    )
    if len(matches) > 1:
        # A shared mailbox (a secretariat's, say): the reply cannot tell whose answer it is.
        raise Conflict(
            _(
                "%(address)s belongs to more than one participant of this meeting; they answer "
                "in Rakor instead."
            )
            % {"address": reply.attendee},
            fields={"ATTENDEE": [_("Shared by several participants.")]},
        )
    participant = matches[0] if matches else None
    if participant is None:
        raise NotFound(
            _("%(address)s is not a participant of this meeting.") % {"address": reply.attendee},
            fields={"ATTENDEE": [_("Not a participant.")]},
        )
    if by is not None:
        allowed = permissions.may_hand_in_reply(
            by, selectors.meeting_facts(meeting), attendee_id=participant.official_id
        )
        if not allowed:
            permissions.permission_denied(official=by, action="hand in reply", target=meeting)
            raise Forbidden(
                _("Only the attendee, the organiser or an administrator may hand in this reply.")
            )
    elif not _mail_sender_may_answer(mail_from, reply, meeting, participant):
        raise Forbidden(_("The reply was not sent by its attendee."))
    with transaction.atomic():  # a refused answer leaves no occurrence row behind
        if reply.recurrence_id is not None:
            meeting, participant = _occurrence_of_reply(meeting, participant, reply)
        return rsvp_record(
            meeting=meeting,
            participant=participant,
            response=reply.answer,
            sequence=reply.sequence,
        )


def _mail_sender_may_answer(
    mail_from: str | None, reply: itip.Reply, meeting: Meeting, participant: Participant
) -> bool:
    sender = itip.address_of(mail_from or "")
    if not sender:
        return False
    if sender == reply.attendee:
        return True
    facts = selectors.meeting_facts(meeting)
    return any(
        permissions.may_hand_in_reply(official, facts, attendee_id=participant.official_id)
        for official in Official.objects.filter(email__iexact=sender, is_active=True)[:10]
    )


def _occurrence_of_reply(
    series: Meeting, participant: Participant, reply: itip.Reply
) -> tuple[Meeting, Participant]:
    """The occurrence a REPLY with RECURRENCE-ID answers (its row, made now when it has none)
    and the attendee's place in it."""
    if not series.rrule:
        raise InvalidInput(
            _("This meeting does not repeat: the reply's RECURRENCE-ID names no occurrence."),
            fields={"RECURRENCE-ID": [_("Not an occurrence.")]},
        )
    original = reply.recurrence_id
    zone = recurrence.zone(series)
    if not isinstance(original, datetime.datetime):  # a date: the series' hour that day
        original = datetime.datetime.combine(original, series.start.astimezone(zone).time())
    if original.tzinfo is None:  # a floating time: the meeting's zone
        original = original.replace(tzinfo=zone)
    original = original.astimezone(datetime.UTC)
    row = occurrence_row(series=series, original_start=original)
    mine = Participant.objects.select_related("official").filter(
        meeting=row, official_id=participant.official_id
    )
    found = mine.first()
    if found is None:
        raise NotFound(
            _("%(address)s is not a participant of this occurrence.") % {"address": reply.attendee},
            fields={"ATTENDEE": [_("Not a participant.")]},
        )
    return row, found
