"""Meetings' worker jobs."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings

from coordination.platform.jobqueue import registry
from meetings import decision_log
from meetings.services.agenda import agenda_updates_send
from meetings.services.decisions import actions_remind, log_check
from meetings.services.reminders import reminders_send


@registry.periodic("meetings.agenda_updates", every=timedelta(minutes=1))
def send_agenda_updates() -> None:
    """The invitation update for agenda changes, once per burst of changes
    (RAKOR_AGENDA_RESEND_MINUTES after the first of them)."""
    agenda_updates_send()


@registry.periodic("meetings.remind", every=timedelta(minutes=1))
def remind_meetings() -> None:
    """Reminders before meetings and occurrences, at each participant's lead times, each once."""
    reminders_send()


@registry.periodic("decisions.remind", every=timedelta(minutes=5))
def remind_actions() -> None:
    """Follow-up actions due soon, and overdue ones (told once, escalated once)."""
    actions_remind()


@registry.periodic(
    "decisions.anchor", every=timedelta(minutes=settings.RAKOR_DECISION_LOG_ANCHOR_MINUTES)
)
def anchor_decision_log() -> None:
    """The decision log's head, written outside the database (when a setting says where)."""
    decision_log.anchor_write()


@registry.periodic(
    "decisions.check", every=timedelta(minutes=settings.RAKOR_DECISION_LOG_CHECK_MINUTES)
)
def check_decision_log() -> None:
    """The full check of the decision log (rows and files too), for the decisions page; the
    administrators are told when it fails."""
    log_check()
