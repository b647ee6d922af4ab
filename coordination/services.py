"""Every write of the organisation domain: officials' roles and profiles, API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coordination import permissions, realtime
from coordination.errors import InvalidInput, NotFound
from coordination.models import ApiToken, Official, Role

TOKEN_PREFIX = "rkr_"
TOKEN_NAME_MAX = 100


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


@transaction.atomic
def token_create(*, official: Official, name: str) -> tuple[ApiToken, str]:
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
    token = ApiToken.objects.create(
        official=official, name=name, prefix=raw[: len(TOKEN_PREFIX) + 6], digest=token_digest(raw)
    )
    return token, raw


@transaction.atomic
def token_revoke(*, by: Official, token_id: int) -> ApiToken:
    """Revoke a token; its owner or an administrator may. Sockets it opened are closed."""
    token = ApiToken.objects.select_for_update().filter(pk=token_id).first()
    # Someone else's token is "not found", not "forbidden": its existence is not revealed.
    if token is None or not permissions.may_revoke_token(by, owner_id=token.official_id):
        raise NotFound(_("No such token."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
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


@transaction.atomic
def official_set_role(*, official: Official, role: str, by: Official | None) -> Official:
    """Give `official` a role (administrators decide; `by=None` is the system itself, for
    management commands)."""
    if by is not None:
        permissions.require(
            permissions.may_manage_organisation(by), official=by, action="change roles"
        )
    if role not in Role.values:
        raise InvalidInput(_("Unknown role %(role)s.") % {"role": role}, fields={"role": [role]})
    official.role = role
    official.save(update_fields=["role"])
    return official_apply_access(official=official)


@transaction.atomic
def official_apply_access(*, official: Official) -> Official:
    """Bring an official's access in step with their role and active flag, after any change
    to them (a role, deactivation): administrators, and only they, reach the Django admin;
    a deactivated official's open sockets are closed."""
    is_staff = official.role == Role.ADMINISTRATOR or official.is_superuser
    if official.is_staff != is_staff:
        official.is_staff = is_staff
        official.save(update_fields=["is_staff"])
    if not official.is_active:
        realtime.revoke_sockets_on_commit(official.pk, everything=True)
    return official


def official_sessions_revoked(*, official: Official, session_key: str | None = None) -> None:
    """Close sockets opened with the official's sessions: one session (`session_key`, at
    sign-out) or all of them (after a password change or reset)."""
    realtime.revoke_sockets_on_commit(
        official.pk, session_key=session_key, all_sessions=session_key is None
    )


PREFERENCE_FIELDS = ("language", "timezone", "work_start", "work_end", "work_days", "phone")


@transaction.atomic
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
    official.save(update_fields=list(changes))
    return official
