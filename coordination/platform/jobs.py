"""The organisation domain's jobs: mail delivery and housekeeping."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from coordination.platform.jobqueue import registry
from coordination.platform.mail import MAIL_JOB, mail_deliver, outbox_deliver
from coordination.platform.models import Job, OutboundMail

DONE_JOBS_KEPT = timedelta(days=7)
FAILED_JOBS_KEPT = timedelta(days=30)
SENT_MAIL_KEPT = timedelta(days=30)


# Queued with outgoing mail, so delivery starts at once; the periodic run retries. A job
# queued before the outbox existed carries its message in the payload (forgotten once run,
# as it may hold a password-reset link): it is delivered as it is.
@registry.queued(MAIL_JOB, max_attempts=3, backoff_base=timedelta(seconds=30), forget_payload=True)
def send_mail(payload: dict[str, Any]) -> None:
    if payload.get("to"):
        mail_deliver(payload)
    outbox_deliver()


@registry.periodic("mail.outbox", every=timedelta(seconds=30))
def deliver_mail_outbox() -> None:
    outbox_deliver()


@registry.periodic("jobs.purge_finished", every=timedelta(hours=1))
def purge_finished_jobs() -> None:
    now = timezone.now()
    Job.objects.filter(status=Job.Status.DONE, finished_at__lt=now - DONE_JOBS_KEPT).delete()
    Job.objects.filter(status=Job.Status.FAILED, finished_at__lt=now - FAILED_JOBS_KEPT).delete()


@registry.periodic("mail.purge_sent", every=timedelta(hours=6))
def purge_sent_mail() -> None:
    """Sent mail is kept 30 days (its delivery state is shown), then deleted."""
    OutboundMail.objects.filter(
        state=OutboundMail.State.SENT, sent_at__lt=timezone.now() - SENT_MAIL_KEPT
    ).delete()
