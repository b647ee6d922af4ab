"""The optional second factor: TOTP authenticator apps, with single-use recovery codes.

Built on django-otp. An official who has set up an authenticator must confirm a code after
every sign-in; administrators can require the second factor per role, and then an official of
that role must set it up before using anything. Until a session is verified it cannot use
any page but the verification and set-up pages, cannot use the API with its cookie, and
cannot open the socket (`session_state`, checked by SecondFactorMiddleware and by the
socket handshake).
"""

from __future__ import annotations

import base64
from enum import StrEnum

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from coordination.organisation import permissions
from coordination.organisation.audit import Event, audit_record
from coordination.organisation.models import Official, Role, RoleSecurityPolicy
from coordination.platform.errors import Forbidden, InvalidInput

RECOVERY_DEVICE_NAME = "recovery"
TOTP_DEVICE_NAME = "Rakor"
_POLICY_CACHE_KEY = "rakor:second-factor:required-roles"


class State(StrEnum):
    OK = "ok"  # no second factor needed, or this session has passed it
    VERIFY = "verify"  # the official has an authenticator: this session must confirm a code
    SETUP = "setup"  # the official's role requires one and none is set up yet


# --- policy ------------------------------------------------------------------------------


def required_roles() -> frozenset[str]:
    """Roles whose officials must use a second factor (cached: read on every request)."""
    roles = cache.get(_POLICY_CACHE_KEY)
    if roles is None:
        roles = sorted(
            RoleSecurityPolicy.objects.filter(require_second_factor=True).values_list(
                "role", flat=True
            )
        )
        cache.set(_POLICY_CACHE_KEY, roles, timeout=60)
    return frozenset(roles)


def required_for(official: Official) -> bool:
    """Whether the official's role must use a second factor (the administrators' policy)."""
    return official.role in required_roles()


def policy_set(*, role: str, required: bool, by: Official, request=None) -> RoleSecurityPolicy:
    """Require (or stop requiring) a second factor for every official of `role`."""
    permissions.require(
        permissions.may_manage_organisation(by), official=by, action="change security policy"
    )
    if role not in Role.values:
        raise InvalidInput(_("Unknown role %(role)s.") % {"role": role})
    with transaction.atomic():
        policy, _created = RoleSecurityPolicy.objects.update_or_create(
            role=role, defaults={"require_second_factor": required}
        )
        audit_record(
            Event.POLICY_CHANGED,
            actor=by,
            target=policy,
            request=request,
            require_second_factor=required,
        )
        transaction.on_commit(lambda: cache.delete(_POLICY_CACHE_KEY))
    return policy


# --- state of an official and a session --------------------------------------------------


def enrolled(official: Official) -> bool:
    """Whether the official has a confirmed authenticator app."""
    return TOTPDevice.objects.filter(user=official, confirmed=True).exists()


def session_verified(official: Official, session) -> bool:
    """Whether this session confirmed the official's second factor."""
    persistent_id = session.get(DEVICE_ID_SESSION_KEY)
    if not persistent_id:
        return False
    device = Device.from_persistent_id(persistent_id)
    return device is not None and device.user_id == official.pk and device.confirmed


def session_state(official: Official, session, *, verified: bool | None = None) -> State:
    """Where a session stands. `verified`, when the caller knows it already (django-otp's
    middleware has loaded the session's device), saves looking the device up again."""
    if verified if verified is not None else session_verified(official, session):
        return State.OK
    if enrolled(official):
        return State.VERIFY
    if required_for(official):
        return State.SETUP
    return State.OK


# --- setting up ---------------------------------------------------------------------------


def _require_verified_session_to_replace(official: Official, request) -> None:
    """An official who has an authenticator may replace it only from a session that has
    passed it: a stolen password alone must not be enough to swap in another phone."""
    if enrolled(official) and not session_verified(official, request.session):
        permissions.permission_denied(
            official=official, action="replace the second factor from an unverified session"
        )
        raise Forbidden(_("Confirm your current second factor first."))


def totp_begin(*, official: Official, request, code: str = "") -> TOTPDevice:
    """Start setting up an authenticator: a new, unconfirmed TOTP device. Replacing one that
    is already set up (a new phone) needs a verified session and a current code."""
    if enrolled(official):
        _require_verified_session_to_replace(official, request)
        _require_current_code(official, code, request)
    with transaction.atomic():
        TOTPDevice.objects.filter(user=official, confirmed=False).delete()
        return TOTPDevice.objects.create(user=official, name=TOTP_DEVICE_NAME, confirmed=False)


def totp_pending(official: Official) -> TOTPDevice | None:
    """The authenticator app the official is setting up and has not confirmed yet, if any."""
    return TOTPDevice.objects.filter(user=official, confirmed=False).order_by("-id").first()


def totp_secret(device: TOTPDevice) -> str:
    """The key in base32, for typing into an app that cannot scan the QR code."""
    return base64.b32encode(device.bin_key).decode("ascii").rstrip("=")


def totp_confirm(*, official: Official, code: str, request) -> list[str]:
    """Finish setting up: the first code from the app confirms the device. Returns fresh
    recovery codes (shown once) and marks this session verified."""
    _require_verified_session_to_replace(official, request)
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=official, confirmed=False)
            .order_by("-id")
            .first()
        )
        if device is None:
            raise InvalidInput(_("Start the set-up again: it has expired."))
        accepted = device.verify_token(_normalise(code))
        if accepted:
            # One authenticator at a time: setting up a new one replaces the old.
            TOTPDevice.objects.filter(user=official, confirmed=True).delete()
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            codes = _renew_recovery_codes(official)
            audit_record(Event.SECOND_FACTOR_ENABLED, actor=official, request=request)
    if not accepted:
        audit_record(Event.SECOND_FACTOR_FAILED, actor=official, request=request, stage="setup")
        raise InvalidInput(
            _("That code is not right. Check the time on your phone and try the next code."),
            fields={"code": [_("Wrong code.")]},
        )
    otp_login(request, device)
    return codes


def recovery_codes_renew(*, official: Official, code: str, request) -> list[str]:
    """New recovery codes (the old ones stop working), after a current code from the app."""
    _require_verified_session_to_replace(official, request)
    _require_current_code(official, code, request)
    with transaction.atomic():
        codes = _renew_recovery_codes(official)
        audit_record(Event.RECOVERY_CODES_RENEWED, actor=official, request=request)
    return codes


def recovery_codes_left(official: Official) -> int:
    """How many unused recovery codes the official holds."""
    return StaticToken.objects.filter(
        device__user=official, device__name=RECOVERY_DEVICE_NAME
    ).count()


def second_factor_disable(*, official: Official, code: str, request) -> None:
    """Turn the second factor off, after a current code; refused when the role requires it."""
    if required_for(official):
        raise Forbidden(_("Your role requires a second factor; it cannot be turned off."))
    _require_verified_session_to_replace(official, request)
    _require_current_code(official, code, request)
    with transaction.atomic():
        TOTPDevice.objects.filter(user=official).delete()
        StaticDevice.objects.filter(user=official).delete()
        audit_record(Event.SECOND_FACTOR_DISABLED, actor=official, request=request)
    request.session.pop(DEVICE_ID_SESSION_KEY, None)


def second_factor_reset(*, official: Official, by: Official, request=None) -> None:
    """An administrator removes an official's authenticator and recovery codes (a lost phone
    and lost codes). The official sets up a new one at the next sign-in if their role
    requires it."""
    permissions.require(
        permissions.may_manage_organisation(by),
        official=by,
        action="reset the second factor of",
        target=official,
    )
    with transaction.atomic():
        TOTPDevice.objects.filter(user=official).delete()
        StaticDevice.objects.filter(user=official).delete()
        audit_record(
            Event.SECOND_FACTOR_DISABLED,
            actor=by,
            target=official,
            request=request,
            reset_by_administrator=True,
        )


def _renew_recovery_codes(official: Official) -> list[str]:
    device, _created = StaticDevice.objects.get_or_create(
        user=official, name=RECOVERY_DEVICE_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(settings.RAKOR_RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def _require_current_code(official: Official, code: str, request) -> None:
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update().filter(user=official, confirmed=True).first()
        )
        accepted = device is not None and device.verify_token(_normalise(code))
    if not accepted:
        audit_record(Event.SECOND_FACTOR_FAILED, actor=official, request=request, stage="manage")
        raise InvalidInput(_("That code is not right."), fields={"code": [_("Wrong code.")]})


# --- signing in ---------------------------------------------------------------------------


def second_factor_verify(*, official: Official, code: str, request) -> bool:
    """Check a code from the app, or a recovery code, and mark the session verified. False,
    and an audit entry, when it is wrong.

    The device's row is locked while its code is checked, so one code cannot verify two
    sessions that send it at the same moment: a TOTP code is accepted once (django-otp keeps
    the last accepted time step), a recovery code is deleted by its first use.
    """
    code = _normalise(code)
    device = None
    with transaction.atomic():
        # Six digits are a code from the app; anything else a recovery code. Each kind is
        # tried on its own device only, so a mistyped recovery code does not throttle the app.
        if code.isdigit() and len(code) == 6:
            devices = TOTPDevice.objects.select_for_update().filter(user=official, confirmed=True)
            device = next((d for d in devices if d.verify_token(code)), None)
            used_recovery = False
        elif code:
            devices = StaticDevice.objects.select_for_update().filter(user=official, confirmed=True)
            device = next((d for d in devices if d.verify_token(code)), None)
            used_recovery = device is not None
    if device is None:
        audit_record(Event.SECOND_FACTOR_FAILED, actor=official, request=request, stage="sign-in")
        return False
    if used_recovery:
        audit_record(
            Event.RECOVERY_CODE_USED,
            actor=official,
            request=request,
            remaining=recovery_codes_left(official),
        )
        # The session counts as verified by the authenticator itself.
        device = TOTPDevice.objects.filter(user=official, confirmed=True).first() or device
    otp_login(request, device)
    return True


def _normalise(code: str) -> str:
    return "".join((code or "").split()).lower()[:32]
