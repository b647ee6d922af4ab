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

from coordination import permissions
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
def token_revoke(*, official: Official, token_id: int) -> ApiToken:
    """Revoke one of `official`'s tokens (administrators may revoke anyone's)."""
    tokens = ApiToken.objects.select_for_update()
    if not permissions.is_administrator(official):
        tokens = tokens.filter(official=official)
    token = tokens.filter(pk=token_id).first()
    if token is None:
        raise NotFound(_("No such token."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def token_authenticate(raw: str | None) -> Official | None:
    """The active official holding the unrevoked token `raw`, or None.

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
    if token is None or not token.official.is_active:
        return None
    now = timezone.now()
    stale_before = now - timedelta(seconds=settings.RAKOR_TOKEN_TOUCH_SECONDS)
    if token.last_used_at is None or token.last_used_at < stale_before:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.official


@transaction.atomic
def official_set_role(*, official: Official, role: str) -> Official:
    """Give `official` a role. Administrators, and only they, reach the Django admin."""
    if role not in Role.values:
        raise InvalidInput(_("Unknown role %(role)s.") % {"role": role}, fields={"role": [role]})
    official.role = role
    official.is_staff = role == Role.ADMINISTRATOR or official.is_superuser
    official.save(update_fields=["role", "is_staff"])
    return official


PREFERENCE_FIELDS = ("language", "timezone", "work_start", "work_end", "work_days", "phone")


@transaction.atomic
def official_update_preferences(*, official: Official, **changes: object) -> Official:
    """Change an official's own preferences; validates like the model does, saves nothing on
    error."""
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
