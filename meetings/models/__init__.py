"""Meetings: when, where, who (officials and whole agencies), their answers, and the video
room. Times are stored in UTC with the meeting's own IANA zone, in which they are shown and
in which recurrence is computed.

A recurring meeting is a series: one row with an `rrule` (and `exdates`), whose start and end
are the first occurrence's. Its occurrences are expanded (meetings.recurrence) and carry the
series' values; an occurrence that gains state of its own (moved, cancelled, answered alone,
its own agenda, notulen, decisions, speakers or attendance) becomes a row of its own, keyed by
`series` and `recurrence_id` (its original start, the iCalendar RECURRENCE-ID), with the
series' UID."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone as dj_timezone
from django.utils.translation import gettext_lazy as _

from coordination.organisation.models import Classification, Language


class Meeting(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        CANCELLED = "cancelled", _("Cancelled")

    class Video(models.TextChoices):
        JITSI = "jitsi", _("Jitsi Meet")
        NONE = "none", _("No video")

    # The iCalendar UID: stable for the meeting's life, so every update replaces the event.
    # An occurrence row shares its series' UID (and is told apart by its RECURRENCE-ID).
    uid = models.CharField(max_length=255)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=10_000, blank=True)
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="organised_meetings",
        verbose_name=_("organiser"),
    )
    agency = models.ForeignKey(
        "coordination.Agency",
        on_delete=models.PROTECT,
        related_name="organised_meetings",
        verbose_name=_("organising agency"),
    )
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    timezone = models.CharField(_("time zone"), max_length=64)
    location = models.CharField(_("place"), max_length=300, blank=True)
    language = models.CharField(
        _("language of its documents"), max_length=2, choices=Language.choices
    )
    classification = models.CharField(
        _("classification"),
        max_length=10,
        choices=Classification.choices,
        default=Classification.BIASA,
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.SCHEDULED
    )
    video = models.CharField(_("video"), max_length=10, choices=Video.choices)
    # The provider's room name: unguessable, never mailed (invitations carry Rakor's join page).
    video_room = models.CharField(max_length=200, blank=True)
    # RFC 5546 SEQUENCE: raised by significant changes (time, place, status).
    sequence = models.PositiveIntegerField(default=0)
    # SEQUENCE of the last significant change: replies to it or later are current (a removal
    # raises SEQUENCE for those removed, but the others' answers stand).
    answers_sequence = models.PositiveIntegerField(default=0)
    # Every saved change raises it: an edit made on an older version is a conflict.
    version = models.PositiveIntegerField(default=1)
    # The agenda's order: raised by every addition, removal and reorder of its items, so a
    # reorder based on an older order is a conflict (each item carries its own version too).
    agenda_version = models.PositiveIntegerField(default=1)
    # When the batched invitation update for agenda changes is due (None: none waiting).
    agenda_resend_due = models.DateTimeField(null=True, blank=True)
    # Meeting mode: when the chair opened and closed the meeting, the item under discussion
    # and since when (the server's clock, so every page shows the same timer).
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    current_item = models.ForeignKey(
        "meetings.AgendaItem", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    current_item_since = models.DateTimeField(null=True, blank=True)
    # Recurrence (a series only): the RRULE value in its canonical form (the subset
    # meetings.recurrence accepts) and the original starts removed from it (EXDATE, UTC ISO).
    rrule = models.CharField(_("repeats"), max_length=300, blank=True)
    exdates = models.JSONField(default=list, blank=True)
    # When the last occurrence ends: `end` for a single meeting or an occurrence, the last
    # occurrence's end for a series, None for a series without end. Range queries use it.
    span_end = models.DateTimeField(null=True, blank=True)
    # An occurrence with a row of its own: its series and its original start (RECURRENCE-ID).
    series = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="occurrences"
    )
    recurrence_id = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=dj_timezone.now)
    updated_at = models.DateTimeField(default=dj_timezone.now)

    # Set on the unsaved copies meetings.recurrence makes of a series for an occurrence that
    # has no row of its own: its original start (the pk stays the series', so the copy reads
    # the series' participants, agencies and agenda).
    virtual_recurrence_id: datetime.datetime | None = None

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["start", "id"]
        indexes = [
            models.Index(fields=["start", "end"], name="meeting_when_idx"),
            models.Index(fields=["start", "span_end"], name="meeting_span_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=F("start")), name="meeting_ends_after_start"
            ),
            models.UniqueConstraint(
                fields=["uid"], condition=Q(series__isnull=True), name="meeting_uid_once"
            ),
            models.UniqueConstraint(fields=["series", "recurrence_id"], name="occurrence_once"),
            models.CheckConstraint(
                condition=Q(series__isnull=True, recurrence_id__isnull=True)
                | Q(series__isnull=False, recurrence_id__isnull=False, rrule=""),
                name="occurrence_keyed",
            ),
        ]

    def __str__(self) -> str:
        # Not the title: this is how logs and the audit log (which administrators read, and
        # administrators do not read content) name a meeting.
        return f"meeting {self.pk}"

    def get_absolute_url(self) -> str:
        if self.virtual_recurrence_id is not None:
            return reverse(
                "meetings:occurrence", args=[self.pk, occurrence_key(self.virtual_recurrence_id)]
            )
        return reverse("meetings:detail", args=[self.pk])

    @property
    def is_series(self) -> bool:
        """A recurring meeting's series row (not one of its occurrences)."""
        return bool(self.rrule) and self.virtual_recurrence_id is None

    @property
    def is_occurrence(self) -> bool:
        """One occurrence of a series, with a row of its own or not."""
        return self.series_id is not None or self.virtual_recurrence_id is not None

    @property
    def occurrence_start(self) -> datetime.datetime | None:
        """The occurrence's original start (its RECURRENCE-ID), or None for other meetings."""
        return self.virtual_recurrence_id or self.recurrence_id

    @property
    def series_pk(self) -> int:
        """The series this meeting belongs to (itself for a single meeting or a series)."""
        return self.series_id or self.pk

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED

    @property
    def accepts_changes(self) -> bool:
        """Whether the meeting may still be changed or answered: not once it is cancelled.
        The services refuse with the meeting locked; pages read this to offer the forms."""
        return not self.is_cancelled


def occurrence_key(instant: datetime.datetime) -> str:
    """An occurrence's key in paths and the API: its original start, ISO 8601 in UTC
    (2026-12-07T02:00:00Z), the same instant as its iCalendar RECURRENCE-ID."""
    return instant.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class MeetingAgency(models.Model):
    """An agency invited whole: its officials are participants; the agency is kept too, so
    officials who join it later are invited as well."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agencies")
    agency = models.ForeignKey(
        "coordination.Agency", on_delete=models.PROTECT, related_name="meeting_invitations"
    )

    class Meta:
        verbose_name = _("invited agency")
        verbose_name_plural = _("invited agencies")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "agency"], name="meeting_agency_once")
        ]

    def __str__(self) -> str:
        return f"{self.agency} @ {self.meeting}"


class Participant(models.Model):
    class Role(models.TextChoices):
        CHAIR = "chair", _("Chair")
        NOTE_TAKER = "note_taker", _("Note taker")
        REQUIRED = "required", _("Required")
        OPTIONAL = "optional", _("Optional")

    class Rsvp(models.TextChoices):
        NEEDS_ACTION = "needs_action", _("No answer yet")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        TENTATIVE = "tentative", _("Tentative")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="participants")
    official = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="participations"
    )
    role = models.CharField(_("role"), max_length=12, choices=Role.choices, default=Role.REQUIRED)
    rsvp = models.CharField(
        _("answer"), max_length=12, choices=Rsvp.choices, default=Rsvp.NEEDS_ACTION
    )
    rsvp_at = models.DateTimeField(null=True, blank=True)
    # On an occurrence's row: the answer is for this occurrence alone (given for it, or asked
    # again after it moved), so an answer for the whole series leaves it as it is.
    answer_own = models.BooleanField(default=False)
    # Invited by name (true), or only through an invited agency (via_agency).
    named = models.BooleanField(default=True)
    via_agency = models.ForeignKey(
        "coordination.Agency", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "official"], name="participant_once")
        ]
        indexes = [models.Index(fields=["official", "meeting"], name="participant_official_idx")]

    def __str__(self) -> str:
        return f"{self.official} @ {self.meeting}"


class Reminder(models.Model):
    """One reminder sent: to an official, for one occurrence (or single meeting) at its start,
    so many minutes before. The unique key makes each reminder go out once, whichever worker
    sends it; an occurrence is keyed by its series and original start, so it stays the same
    reminder when the occurrence gains a row of its own, and a new one when it is moved."""

    official = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    # The series for an occurrence, else the meeting itself.
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="+")
    occurrence = models.DateTimeField(help_text="The occurrence's original start.")
    starts_at = models.DateTimeField()
    minutes_before = models.PositiveIntegerField()
    sent_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "occurrence", "starts_at", "official", "minutes_before"],
                name="reminder_once",
            )
        ]

    def __str__(self) -> str:
        return f"reminder {self.minutes_before} min before {self.meeting} to {self.official}"


class Attendance(models.Model):
    """A click on the meeting's join button: who joined the video meeting, and when."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    official = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    joined_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        ordering = ["joined_at"]

    def __str__(self) -> str:
        return f"{self.official} joined {self.meeting}"


class CalendarFeed(models.Model):
    """An official's subscription URL (/calendar/<token>.ics). The token is an HMAC of the
    official and `generation` (meetings.feeds), so nothing secret is stored; a new URL raises
    the generation, which ends the old one; revoking switches the feed off."""

    official = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    generation = models.PositiveIntegerField(default=1)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=dj_timezone.now)
    last_fetched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("calendar subscription")
        verbose_name_plural = _("calendar subscriptions")

    def __str__(self) -> str:
        return f"calendar of {self.official}"


class AgendaItem(models.Model):
    """One item of a meeting's agenda, in the order of `position` (0, 1, 2, ... without
    gaps). `version` is raised by every change of the item, so an edit made on an older
    version is a conflict."""

    class Outcome(models.TextChoices):
        INFORMATION = "information", _("Information")
        DISCUSSION = "discussion", _("Discussion")
        DECISION = "decision", _("Decision")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        IN_DISCUSSION = "in_discussion", _("In discussion")
        DONE = "done", _("Done")
        DEFERRED = "deferred", _("Deferred")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_items")
    position = models.PositiveIntegerField()
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=5_000, blank=True)
    # The presenter: an official, or an agency (one of the two, or neither).
    presenter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("presenter"),
    )
    presenter_agency = models.ForeignKey(
        "coordination.Agency",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("presenting agency"),
    )
    planned_minutes = models.PositiveSmallIntegerField(_("planned minutes"), default=10)
    outcome = models.CharField(
        _("expected outcome"), max_length=12, choices=Outcome.choices, default=Outcome.DISCUSSION
    )
    status = models.CharField(
        _("status"), max_length=14, choices=Status.choices, default=Status.PENDING
    )
    # Links for reading ahead: a list of absolute http(s) URLs.
    links = models.JSONField(default=list, blank=True)
    # The chat message the item was proposed from, when it was.
    source_message = models.ForeignKey(
        "messaging.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=dj_timezone.now)
    updated_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["meeting", "position"], name="agenda_item_order_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(presenter__isnull=True) | Q(presenter_agency__isnull=True),
                name="agenda_item_one_presenter",
            )
        ]

    def __str__(self) -> str:
        return f"agenda item {self.pk} of {self.meeting}"


class AgendaDocument(models.Model):
    """A document to read ahead of an agenda item (checked on upload as message
    attachments are); served to whoever may see the meeting, never cached."""

    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="documents")
    file = models.FileField(upload_to="agenda/%Y/%m/")
    name = models.CharField(_("name"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.BigIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        verbose_name = _("agenda document")
        verbose_name_plural = _("agenda documents")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class AgendaTemplate(models.Model):
    """A saved agenda (a monthly regional coordination meeting, say), shared with the
    officials of the agency that saved it: `items` are [{title, description,
    planned_minutes, outcome}]."""

    agency = models.ForeignKey(
        "coordination.Agency", on_delete=models.CASCADE, related_name="agenda_templates"
    )
    name = models.CharField(_("name"), max_length=200)
    items = models.JSONField(default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        verbose_name = _("agenda template")
        verbose_name_plural = _("agenda templates")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "name"], name="agenda_template_name_once")
        ]

    def __str__(self) -> str:
        return self.name


class AgendaEditor(models.Model):
    """An official the organiser or the chair allowed to edit the meeting's agenda."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_editors")
    official = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    granted_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        verbose_name = _("agenda editor")
        verbose_name_plural = _("agenda editors")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "official"], name="agenda_editor_once")
        ]

    def __str__(self) -> str:
        return f"{self.official} edits the agenda of {self.meeting}"


class AgendaProposal(models.Model):
    """An item a participant proposes; those who edit the agenda accept it (it becomes an
    item at the end) or decline it (with a reason)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting a decision")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_proposals")
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=5_000, blank=True)
    planned_minutes = models.PositiveSmallIntegerField(_("planned minutes"), default=10)
    outcome = models.CharField(
        _("expected outcome"),
        max_length=12,
        choices=AgendaItem.Outcome.choices,
        default=AgendaItem.Outcome.DISCUSSION,
    )
    source_message = models.ForeignKey(
        "messaging.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    item = models.ForeignKey(
        AgendaItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        verbose_name = _("agenda proposal")
        verbose_name_plural = _("agenda proposals")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"agenda proposal {self.pk} for {self.meeting}"


class SpeakerRequest(models.Model):
    """A participant's turn to speak on an agenda item: asked, called by the chair (with a
    limit, if the chair sets one), finished; or withdrawn. The queue is the waiting turns in
    the order they were asked, kept on the server, so a speaker keeps their place across a
    reconnect."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        SPEAKING = "speaking", _("Speaking")
        DONE = "done", _("Spoke")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="speakers")
    item = models.ForeignKey(
        AgendaItem, null=True, blank=True, on_delete=models.CASCADE, related_name="speakers"
    )
    official = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    asked_at = models.DateTimeField(default=dj_timezone.now)
    called_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    limit_seconds = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("request to speak")
        verbose_name_plural = _("requests to speak")
        ordering = ["asked_at", "id"]
        constraints = [
            # One open turn (waiting or speaking) per official and item.
            models.UniqueConstraint(
                fields=["meeting", "item", "official"],
                condition=Q(status__in=["waiting", "speaking"]),
                name="speaker_one_open_turn",
            )
        ]

    def __str__(self) -> str:
        return f"{self.official} to speak in {self.meeting}"


class AttendanceMark(models.Model):
    """The chair's record of who is present: present from, or gone at, the time the chair
    gives (joins through the join page are `Attendance`)."""

    class Status(models.TextChoices):
        PRESENT = "present", _("Present")
        GONE = "gone", _("Left")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="marks")
    official = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(max_length=8, choices=Status.choices)
    at = models.DateTimeField()
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    marked_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        verbose_name = _("attendance mark")
        verbose_name_plural = _("attendance marks")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.official} {self.status} at {self.meeting}"


class NotulenRevision(models.Model):
    """One revision of a meeting's notulen (notula rapat): written by the note taker,
    submitted, approved by the chair or returned with a comment. An approved revision is
    read-only; a correction is a new revision that says what it corrects. `content` holds
    the notes: {"items": {"<agenda item id>": "notes"}, "opening": "", "decisions": "",
    "actions": "", "closing": ""}."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Awaiting approval")
        RETURNED = "returned", _("Returned for changes")
        APPROVED = "approved", _("Approved")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="notulen")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    content = models.JSONField(default=dict)
    corrects = models.TextField(_("what it corrects"), max_length=2_000, blank=True)
    version = models.PositiveIntegerField(default=1)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=dj_timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    returned_comment = models.TextField(max_length=2_000, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notulen revision")
        verbose_name_plural = _("notulen revisions")
        ordering = ["meeting", "number"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "number"], name="notulen_revision_once")
        ]

    def __str__(self) -> str:
        return f"notulen {self.number} of {self.meeting}"


# The decision log lives in its own module; its models are the app's like the ones above.
from meetings.models.decisions import (  # noqa: E402
    ActionAttachment,
    ActionUpdate,
    Decision,
    DecisionLogEntry,
    DecisionLogHead,
    FollowUpAction,
)

__all__ = [
    "ActionAttachment",
    "ActionUpdate",
    "AgendaDocument",
    "AgendaEditor",
    "AgendaItem",
    "AgendaProposal",
    "AgendaTemplate",
    "Attendance",
    "AttendanceMark",
    "CalendarFeed",
    "Decision",
    "DecisionLogEntry",
    "DecisionLogHead",
    "FollowUpAction",
    "Meeting",
    "MeetingAgency",
    "NotulenRevision",
    "Participant",
    "SpeakerRequest",
]
