"""Receivers of Django's and django-axes' signals: thin adapters that call services."""

from __future__ import annotations

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from coordination.organisation import services
from coordination.organisation.audit import Event, audit_record
from coordination.organisation.models import Official


@receiver(user_logged_in, dispatch_uid="rakor-audit-login")
def record_login(sender, request, user, **kwargs) -> None:
    audit_record(Event.LOGIN, actor=user, request=request)


def _known_username(username: object) -> str:
    """The username tried, when an official has it. Anything else is not recorded: people
    type their password into the username box."""
    name = str(username or "")[:150]
    return name if name and Official.objects.filter(username=name).exists() else ""


@receiver(user_login_failed, dispatch_uid="rakor-audit-login-failed")
def record_failed_login(sender, credentials, request=None, **kwargs) -> None:
    username = _known_username(credentials.get("username"))
    audit_record(
        Event.LOGIN_FAILED, username=username, request=request, known_username=bool(username)
    )


@receiver(user_locked_out, dispatch_uid="rakor-audit-lockout")
def record_lockout(sender, request, username, ip_address, **kwargs) -> None:
    username = _known_username(username)
    audit_record(Event.LOCKOUT, username=username, request=request, known_username=bool(username))


@receiver(user_logged_out, dispatch_uid="rakor-close-sockets-on-logout")
def close_sockets_of_ended_session(sender, request, user, **kwargs) -> None:
    if user is None:
        return
    audit_record(Event.LOGOUT, actor=user, request=request)
    if request is not None and request.session.session_key:
        services.official_sessions_revoked(official=user, session_key=request.session.session_key)
