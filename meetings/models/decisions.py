"""The decision log: decisions, their follow-up actions (tindak lanjut) and progress
updates, and the append-only, hash-chained log that records every one of them.

The log (`DecisionLogEntry`) is the record. A decision's status and an action's status are
cached on their rows for reading and filtering, and `manage.py verify_decision_log` checks
every cached value against the log (meetings.decision_log). Rows are written by
meetings.services.decisions alone; the ORM refuses to change or delete a log entry (and
the verifier finds any change made past it).
"""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.db import models
from django.utils import timezone as dj_timezone
from django.utils.translation import gettext_lazy as _

from coordination.organisation.models import Classification


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("the decision log is append-only")

    def delete(self):
        raise PermissionError("the decision log is append-only")


class Decision(models.Model):
    """What a meeting decided. Its text never changes: a status change (superseded by a
    later decision, revoked with a reason) is a new log entry, cached here."""

    class Status(models.TextChoices):
        ADOPTED = "adopted", _("Adopted")
        SUPERSEDED = "superseded", _("Superseded")
        REVOKED = "revoked", _("Revoked")

    meeting = models.ForeignKey(
        "meetings.Meeting", on_delete=models.PROTECT, related_name="decisions"
    )
    # PROTECT: an agenda item that carries a decision stays on the agenda (the agenda service
    # refuses to remove it with a clear message).
    agenda_item = models.ForeignKey(
        "meetings.AgendaItem",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="decisions",
    )
    text = models.TextField(_("decision"), max_length=5_000)
    decided_at = models.DateTimeField(_("decided at"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=dj_timezone.now)
    tags = models.JSONField(default=list)
    # The tags as "|pangan|kesehatan ibu|", for searching on every database (SQLite writes
    # JSON with \u escapes); kept with `tags` by the service, checked by the verifier.
    tag_index = models.CharField(max_length=500, blank=True)
    # At least the meeting's own classification (a decision may be stricter, never laxer).
    classification = models.CharField(
        _("classification"), max_length=10, choices=Classification.choices
    )
    # Cached from the log.
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ADOPTED)
    status_reason = models.TextField(max_length=2_000, blank=True)
    superseded_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="supersedes"
    )
    status_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["-decided_at", "-id"]
        indexes = [models.Index(fields=["meeting", "decided_at"])]

    def __str__(self) -> str:
        return self.text[:80]

    @staticmethod
    def index_of(tags: list[str]) -> str:
        return "|" + "|".join(tags) + "|" if tags else ""


class FollowUpAction(models.Model):
    """A follow-up action (tindak lanjut) a decision asks of an agency: addressed to the
    agency, so it survives staff changes; an official of it may be named as assignee."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="actions")
    description = models.TextField(_("description"), max_length=2_000)
    agency = models.ForeignKey(
        "coordination.Agency",
        on_delete=models.PROTECT,
        related_name="follow_up_actions",
        verbose_name=_("responsible agency"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="follow_up_actions",
        verbose_name=_("responsible official"),
    )
    due = models.DateField(_("due"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=dj_timezone.now)
    # Cached from the log.
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    updated_at = models.DateTimeField(default=dj_timezone.now)
    # The day it was done, in the owing agency's zone (done on time: completed_on <= due).
    completed_on = models.DateField(null=True, blank=True)
    # The worker's bookkeeping (not part of the record): each reminder goes once.
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    OPEN_STATUSES = (Status.OPEN, Status.IN_PROGRESS)

    class Meta:
        verbose_name = _("follow-up action")
        verbose_name_plural = _("follow-up actions")
        ordering = ["due", "id"]
        indexes = [
            models.Index(fields=["agency", "status", "due"]),
            models.Index(fields=["status", "due"]),
        ]

    def __str__(self) -> str:
        return self.description[:80]

    def overdue_at(self, now) -> bool:
        """Open past its due day in the owing agency's zone (agency loaded with it)."""
        today = now.astimezone(zoneinfo.ZoneInfo(self.agency.timezone)).date()
        return self.status in self.OPEN_STATUSES and self.due < today

    @property
    def overdue(self) -> bool:
        return self.overdue_at(dj_timezone.now())


class ActionUpdate(models.Model):
    """A progress report on an action: its status from then on, a comment, files (the
    evidence when it is done)."""

    action = models.ForeignKey(FollowUpAction, on_delete=models.PROTECT, related_name="updates")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=dj_timezone.now)
    status = models.CharField(max_length=12, choices=FollowUpAction.Status.choices)
    comment = models.TextField(_("comment"), max_length=5_000, blank=True)

    class Meta:
        verbose_name = _("progress update")
        verbose_name_plural = _("progress updates")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.action_id}: {self.status}"


class ActionAttachment(models.Model):
    """A file attached to a progress update; its SHA-256 is in the log entry, so a file
    replaced on disk is detected."""

    update = models.ForeignKey(ActionUpdate, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(upload_to="actions/%Y/%m/")
    name = models.CharField(_("name"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class DecisionLogEntry(models.Model):
    """One entry of the append-only decision log. `hash` is the SHA-256 of the canonical
    JSON of {position, kind, prev, content} (docs/decision-log.md); `prev` is the previous
    entry's hash, so the entries form a chain from the first."""

    class Kind(models.TextChoices):
        DECISION = "decision", _("Decision recorded")
        DECISION_STATUS = "decision_status", _("Decision status changed")
        ACTION = "action", _("Follow-up action assigned")
        ACTION_UPDATE = "action_update", _("Progress reported")
        NOTULEN_APPROVED = "notulen_approved", _("Notulen approved")

    position = models.PositiveBigIntegerField(primary_key=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    meeting = models.ForeignKey(
        "meetings.Meeting", on_delete=models.PROTECT, related_name="log_entries"
    )
    decision = models.ForeignKey(
        Decision, null=True, on_delete=models.PROTECT, related_name="log_entries"
    )
    action = models.ForeignKey(
        FollowUpAction, null=True, on_delete=models.PROTECT, related_name="log_entries"
    )
    action_update = models.OneToOneField(
        ActionUpdate, null=True, on_delete=models.PROTECT, related_name="log_entry"
    )
    notulen = models.ForeignKey(
        "meetings.NotulenRevision", null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=dj_timezone.now)
    content = models.JSONField()
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("decision log entry")
        verbose_name_plural = _("decision log entries")
        ordering = ["position"]

    def __str__(self) -> str:
        return f"{self.position} {self.kind} {self.hash[:12]}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("the decision log is append-only")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("the decision log is append-only")


class DecisionLogHead(models.Model):
    """The log's head, one row: locked by every append, so two writers never fork the
    chain; `entries` and `hash` are compared with the last entry by the verifier."""

    entries = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)
    updated_at = models.DateTimeField(default=dj_timezone.now)
    # How many entries the last anchor written outside the database covered.
    anchored_entries = models.PositiveBigIntegerField(default=0)
    # The worker's last full check (rows, cached states and files too): when, and its result.
    checked_at = models.DateTimeField(null=True, blank=True)
    checked_intact = models.BooleanField(null=True)
    checked_first_bad = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("decision log head")

    def __str__(self) -> str:
        return f"{self.entries} {self.hash[:12]}"
