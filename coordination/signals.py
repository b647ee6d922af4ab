"""Receivers of Django's signals: thin adapters that call services."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver

from coordination import services


@receiver(user_logged_out, dispatch_uid="rakor-close-sockets-on-logout")
def close_sockets_of_ended_session(sender, request, user, **kwargs) -> None:
    if user is not None and request is not None and request.session.session_key:
        services.official_sessions_revoked(official=user, session_key=request.session.session_key)
