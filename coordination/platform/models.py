"""The platform's tables: the worker's queued and periodic jobs, and the mail outbox (app label
`coordination`). They know officials only by id: the outbox's `official` is a reference by
name, so that the platform imports nothing of the organisation."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Job(models.Model):
    """A queued job for the worker: run once, retried with backoff when it fails."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    name = models.CharField(_("job"), max_length=100)
    payload = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    # The database's clock, as every "due" comparison of the worker (`run_at <= Now()`): a row
    # written with the Python clock could be a fraction of a millisecond "ahead" of it.
    run_at = models.DateTimeField(_("run at"), db_default=Now())
    attempts = models.PositiveIntegerField(default=0)
    max_attempts = models.PositiveIntegerField(default=8)
    locked_by = models.CharField(max_length=200, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("queued job")
        verbose_name_plural = _("queued jobs")
        ordering = ["run_at", "id"]
        indexes = [models.Index(fields=["status", "run_at"], name="job_due_idx")]

    def __str__(self) -> str:
        return f"{self.name} #{self.pk} ({self.status})"


class PeriodicJobState(models.Model):
    """When each periodic job next falls due; the row every worker races to claim."""

    name = models.CharField(max_length=100, primary_key=True)
    next_run_at = models.DateTimeField(default=timezone.now)
    locked_by = models.CharField(max_length=200, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_status = models.CharField(max_length=10, blank=True)
    last_error = models.TextField(blank=True)
    runs = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("periodic job")
        verbose_name_plural = _("periodic jobs")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OutboundMail(models.Model):
    """One e-mail to one recipient, written in the transaction of the change that needs it
    and delivered by the worker (coordination.platform.mail): in order per recipient, with
    retries and backoff, once even with several workers. `message_id` is fixed when queued, so
    a repeat after a crash between the SMTP server's acceptance and the commit is a duplicate
    that mail clients drop."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Waiting to be sent")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    recipient = models.EmailField(_("recipient"), max_length=254)
    official = models.ForeignKey(
        "coordination.Official",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("official"),
    )
    kind = models.CharField(_("kind"), max_length=40, blank=True)
    # What the mail is about ("meeting:12"), so its sender can see how delivery went.
    topic = models.CharField(_("about"), max_length=100, blank=True, db_index=True)
    subject = models.CharField(_("subject"), max_length=300)
    message_id = models.CharField(max_length=255, unique=True)
    payload = models.JSONField(default=dict, blank=True)
    # Blank the payload once sent (a password-reset link).
    sensitive = models.BooleanField(default=False)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    max_attempts = models.PositiveIntegerField(default=12)
    next_attempt_at = models.DateTimeField(db_default=Now())  # the database's clock, as run_at
    locked_by = models.CharField(max_length=200, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mail")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="mail_due_idx"),
            models.Index(fields=["recipient", "id"], name="mail_recipient_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.recipient} ({self.state})"
