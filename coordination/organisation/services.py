"""Every write of the organisation domain: officials' roles, access and profiles, API tokens.

Permission checks come before the transaction begins, so that the audit entry of a refusal is
not rolled back with the refused change.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coordination.organisation import hooks, permissions
from coordination.organisation.audit import Event, audit_record
from coordination.organisation.models import Agency, ApiToken, Official, Role
from coordination.platform import realtime
from coordination.platform.errors import InvalidInput, NotFound

TOKEN_PREFIX = "rkr_"
TOKEN_NAME_MAX = 100


def token_digest(raw: str) -> str:
    """The stored form of a token: its SHA-256, never the token itself."""
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def token_create(*, official: Official, name: str, request=None) -> tuple[ApiToken, str]:
    """Create a named API token for `official`; return it with the secret, shown only once."""
    name = (name or "").strip()
    if not name:
        raise InvalidInput(_("Give the token a name."), fields={"name": [_("Required.")]})
    if len(name) > TOKEN_NAME_MAX:
        raise InvalidInput(
            _("A token name has at most %(max)d characters.") % {"max": TOKEN_NAME_MAX},
            fields={"name": [_("Too long.")]},
        )
    if not official.is_active:
        raise InvalidInput(_("A deactivated official cannot hold tokens."))
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            official=official,
            name=name,
            prefix=raw[: len(TOKEN_PREFIX) + 6],
            digest=token_digest(raw),
        )
        audit_record(Event.TOKEN_CREATED, actor=official, target=token, request=request)
    return token, raw


def token_revoke(*, by: Official, token_id: int, request=None) -> ApiToken:
    """Revoke a token; its owner or an administrator may. Sockets it opened are closed."""
    token = ApiToken.objects.filter(pk=token_id).first()
    # Someone else's token is "not found", not "forbidden": its existence is not revealed.
    if token is None:
        raise NotFound(_("No such token."))
    if not permissions.may_revoke_token(by, owner_id=token.official_id):
        permissions.permission_denied(official=by, action="revoke token", target=token)
        raise NotFound(_("No such token."))
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token_id)
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            audit_record(Event.TOKEN_REVOKED, actor=by, target=token, request=request)
            realtime.revoke_sockets_on_commit(token.official_id, token_id=token.pk)
    return token


def token_lookup(raw: str | None) -> ApiToken | None:
    """The unrevoked token `raw` of an active official (with the official), or None.

    Records the last use, at most once a minute per token so that a busy client does not
    turn every request into a write.
    """
    if not raw or not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    token = (
        ApiToken.objects.select_related("official", "official__agency")
        .filter(digest=token_digest(raw), revoked_at__isnull=True)
        .first()
    )
    if token is None or not permissions.is_active(token.official):
        return None
    now = timezone.now()
    stale_before = now - timedelta(seconds=settings.RAKOR_TOKEN_TOUCH_SECONDS)
    if token.last_used_at is None or token.last_used_at < stale_before:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def token_authenticate(raw: str | None) -> Official | None:
    """The active official holding the unrevoked token `raw`, or None."""
    token = token_lookup(raw)
    return None if token is None else token.official


def official_set_role(
    *, official: Official, role: str, by: Official | None, request=None
) -> Official:
    """Give `official` a role (administrators decide; `by=None` is the system itself, for
    management commands)."""
    if by is not None:
        permissions.require(
            permissions.may_manage_organisation(by),
            official=by,
            action="change the role of",
            target=official,
        )
    if role not in Role.values:
        raise InvalidInput(_("Unknown role %(role)s.") % {"role": role}, fields={"role": [role]})
    with transaction.atomic():
        previous = Official.objects.filter(pk=official.pk).values_list("role", flat=True).first()
        official.role = role
        official.save(update_fields=["role"])
        return official_apply_access(
            official=official, by=by, request=request, previous={"role": previous}
        )


def official_apply_access(
    *,
    official: Official,
    by: Official | None = None,
    request=None,
    previous: dict | None = None,
) -> Official:
    """After any change to an official (role, agency, active flag), by whatever path: keep
    access in step and record what changed.

    Administrators, and only they, reach the Django admin; a deactivated official's open
    sockets are closed. `previous` holds the old values of the fields that changed; None
    means the official is new.
    """
    created = previous is None
    if created:
        # Everything about a new official is a change from nothing.
        previous = {"role": None, "agency_id": None, "is_superuser": False}
    old_agency_id = previous.get("agency_id", official.agency_id)
    if old_agency_id != official.agency_id:
        # robust: the change has committed; a listener's failure is logged, not raised (the
        # periodic agency-room job catches up).
        transaction.on_commit(
            lambda: hooks.official_agency_changed.send_robust(
                sender=Official,
                official_id=official.pk,
                old_agency_id=old_agency_id,
                new_agency_id=official.agency_id,
            ),
            robust=True,
        )
    with transaction.atomic():
        is_staff = official.role == Role.ADMINISTRATOR or official.is_superuser
        if official.is_staff != is_staff:
            official.is_staff = is_staff
            official.save(update_fields=["is_staff"])
        if "role" in previous and previous["role"] != official.role:
            audit_record(
                Event.ROLE_CHANGED,
                actor=by,
                target=official,
                request=request,
                old=previous["role"],
                new=official.role,
            )
        if "agency_id" in previous and previous["agency_id"] != official.agency_id:
            audit_record(
                Event.MEMBERSHIP_CHANGED,
                actor=by,
                target=official,
                request=request,
                old_agency=_agency_code(previous["agency_id"]),
                new_agency=_agency_code(official.agency_id),
            )
        if previous.get("is_superuser", official.is_superuser) != official.is_superuser:
            audit_record(
                Event.ROLE_CHANGED,
                actor=by,
                target=official,
                request=request,
                superuser=official.is_superuser,
            )
        if "is_active" in previous and previous["is_active"] != official.is_active:
            audit_record(
                Event.ACCESS_CHANGED,
                actor=by,
                target=official,
                request=request,
                active=official.is_active,
            )
        if not official.is_active:
            realtime.revoke_sockets_on_commit(official.pk, everything=True)
    return official


def _agency_code(agency_id: int | None) -> str | None:
    if agency_id is None:
        return None
    return Agency.objects.filter(pk=agency_id).values_list("code", flat=True).first()


def official_sessions_revoked(*, official: Official, session_key: str | None = None) -> None:
    """Close sockets opened with the official's sessions: one session (`session_key`, at
    sign-out) or all of them (after a password change or reset)."""
    realtime.revoke_sockets_on_commit(
        official.pk, session_key=session_key, all_sessions=session_key is None
    )


def official_password_changed(
    *, official: Official, request=None, reset: bool = False, by: Official | None = None
) -> None:
    """After a password change or reset (by the official, or set by an administrator):
    record it and close the sockets of the official's sessions."""
    audit_record(
        Event.PASSWORD_RESET if reset else Event.PASSWORD_CHANGED,
        actor=by or official,
        target=official if by is not None and by.pk != official.pk else None,
        request=request,
    )
    official_sessions_revoked(official=official)


PREFERENCE_FIELDS = (
    "language",
    "timezone",
    "work_start",
    "work_end",
    "work_days",
    "reminder_minutes",
    "phone",
)


def official_update_preferences(*, official: Official, by: Official, **changes: object) -> Official:
    """Change an official's preferences (their own, or anyone's for an administrator);
    validates like the model does and saves nothing on error."""
    permissions.require(
        permissions.may_edit_profile(by, official),
        official=by,
        action="edit the profile of",
        target=official,
    )
    unknown = set(changes) - set(PREFERENCE_FIELDS)
    if unknown:
        raise InvalidInput(_("Unknown fields: %(names)s") % {"names": ", ".join(sorted(unknown))})
    for name, value in changes.items():
        setattr(official, name, value)
    try:
        official.full_clean(exclude=["password"])
    except DjangoValidationError as exc:
        official.refresh_from_db()
        raise InvalidInput(
            _("Some preferences are not valid."),
            fields={
                name: [str(m) for m in messages] for name, messages in exc.message_dict.items()
            },
        ) from exc
    with transaction.atomic():
        official.save(update_fields=list(changes))
    return official
