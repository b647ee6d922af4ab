"""The organisation domain's jobs: mail delivery and housekeeping."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from coordination.jobqueue import registry
from coordination.mail import MAIL_JOB, mail_deliver
from coordination.models import Job

DONE_JOBS_KEPT = timedelta(days=7)
FAILED_JOBS_KEPT = timedelta(days=30)


# Mail may carry secrets (a password-reset link): the payload is blanked once it is sent.
@registry.queued(MAIL_JOB, max_attempts=12, backoff_base=timedelta(seconds=30), forget_payload=True)
def send_mail(payload: dict[str, Any]) -> None:
    mail_deliver(payload)


@registry.periodic("jobs.purge_finished", every=timedelta(hours=1))
def purge_finished_jobs() -> None:
    now = timezone.now()
    Job.objects.filter(status=Job.Status.DONE, finished_at__lt=now - DONE_JOBS_KEPT).delete()
    Job.objects.filter(status=Job.Status.FAILED, finished_at__lt=now - FAILED_JOBS_KEPT).delete()
