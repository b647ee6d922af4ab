"""The optional second factor: set-up, sign-in, recovery codes, per-role requirement, and
what an unverified session may not do."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from coordination.organisation import second_factor
from coordination.organisation.audit import Event
from coordination.organisation.models import AuditEntry, Role
from tests.factories import TEST_PASSWORD, OfficialFactory

pytestmark = pytest.mark.django_db


def code_for(device: TOTPDevice, step: int = 0) -> str:
    """The code the official's phone shows now (`step` 1: the next one, still accepted)."""
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, step):06d}"


def wait_out_throttling(official) -> None:
    """After a wrong code the device refuses every code for a while (growing with each
    failure); move that moment into the past, as if the official had waited."""
    from datetime import timedelta

    from django.utils import timezone
    from django_otp.plugins.otp_static.models import StaticDevice

    past = timezone.now() - timedelta(hours=1)
    for model in (TOTPDevice, StaticDevice):
        model.objects.filter(user=official).update(throttling_failure_timestamp=past)


def enrol(client, official) -> list[str]:
    """Set up an authenticator through the pages; return the recovery codes shown."""
    client.force_login(official)
    client.post(reverse("second_factor_setup"), {"action": "start"})
    device = second_factor.totp_pending(official)
    response = client.post(
        reverse("second_factor_setup"), {"action": "confirm", "code": code_for(device)}
    )
    assert response.status_code == 200
    return re.findall(r"<code>([a-z0-9]+)</code>", response.content.decode())


def sign_in(client, official):
    client.logout()
    response = client.post(
        reverse("login"), {"username": official.username, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    return response


@pytest.fixture
def official():
    return OfficialFactory(username="andi")


def test_setting_up_shows_a_qr_code_and_recovery_codes_once(client, official):
    client.force_login(official)
    page = client.get(reverse("second_factor_setup"))
    assert "Mulai" in page.content.decode()
    client.post(reverse("second_factor_setup"), {"action": "start"})
    page = client.get(reverse("second_factor_setup")).content.decode()
    device = second_factor.totp_pending(official)
    assert second_factor.totp_secret(device) in page
    qr = client.get(reverse("second_factor_qr"))
    assert qr["Content-Type"] == "image/svg+xml" and b"<svg" in qr.content
    codes = enrol(client, official)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert second_factor.enrolled(official)
    assert AuditEntry.objects.filter(event=Event.SECOND_FACTOR_ENABLED, actor=official).exists()
    assert client.get(reverse("second_factor_qr")).status_code == 404  # nothing pending now


def test_a_wrong_first_code_does_not_turn_it_on(client, official):
    client.force_login(official)
    client.post(reverse("second_factor_setup"), {"action": "start"})
    response = client.post(reverse("second_factor_setup"), {"action": "confirm", "code": "000000"})
    assert response.status_code == 400
    assert not second_factor.enrolled(official)
    assert AuditEntry.objects.filter(event=Event.SECOND_FACTOR_FAILED).exists()


def test_after_sign_in_every_page_waits_for_the_code(client, official):
    enrol(client, official)
    sign_in(client, official)
    for path in ("/", "/agencies/", "/profile/", "/admin/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("second_factor_verify"))
    api = client.get("/api/v1/me")
    assert api.status_code == 403 and api.json()["code"] == "second_factor_required"
    device = TOTPDevice.objects.get(user=official)
    wrong = client.post(reverse("second_factor_verify"), {"code": "123456", "next": "/agencies/"})
    assert wrong.status_code == 400
    wait_out_throttling(official)
    right = client.post(
        reverse("second_factor_verify"), {"code": code_for(device, 1), "next": "/agencies/"}
    )
    assert right.status_code == 302 and right["Location"] == "/agencies/"
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/me").status_code == 200


def test_a_recovery_code_works_once(client, official):
    codes = enrol(client, official)
    sign_in(client, official)
    response = client.post(reverse("second_factor_verify"), {"code": codes[0].upper()})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    (used,) = AuditEntry.objects.filter(event=Event.RECOVERY_CODE_USED)
    assert used.details == {"remaining": 9}
    sign_in(client, official)
    again = client.post(reverse("second_factor_verify"), {"code": codes[0]})
    assert again.status_code == 400


def test_a_role_can_require_it_and_then_setup_comes_first(client, official):
    admin = OfficialFactory(role=Role.ADMINISTRATOR)
    second_factor.policy_set(role=Role.MEMBER, required=True, by=admin)
    assert AuditEntry.objects.filter(event=Event.POLICY_CHANGED).exists()
    sign_in(client, official)
    response = client.get("/")
    assert response["Location"].startswith(reverse("second_factor_setup"))
    assert client.get(reverse("second_factor_setup")).status_code == 200
    enrol(client, official)  # the session is verified by the set-up itself
    assert client.get("/").status_code == 200
    # And it cannot be turned off while the role requires it.
    device = TOTPDevice.objects.get(user=official)
    response = client.post(
        reverse("second_factor_setup"), {"action": "disable", "code": code_for(device, 1)}
    )
    assert response.status_code == 400 and second_factor.enrolled(official)


def test_only_administrators_set_the_policy(official):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        second_factor.policy_set(role=Role.MEMBER, required=True, by=official)
    assert not second_factor.required_for(official)


def test_turning_it_off_needs_a_current_code(client, official):
    enrol(client, official)
    response = client.post(reverse("second_factor_setup"), {"action": "disable", "code": "000000"})
    assert response.status_code == 400 and second_factor.enrolled(official)
    wait_out_throttling(official)
    device = TOTPDevice.objects.get(user=official)
    response = client.post(
        reverse("second_factor_setup"), {"action": "disable", "code": code_for(device, 1)}
    )
    assert response.status_code == 302 and not second_factor.enrolled(official)
    assert AuditEntry.objects.filter(event=Event.SECOND_FACTOR_DISABLED).exists()
    sign_in(client, official)
    assert client.get("/").status_code == 200  # no code asked any more


def test_renewing_recovery_codes_replaces_the_old_ones(client, official):
    old = enrol(client, official)
    device = TOTPDevice.objects.get(user=official)
    response = client.post(
        reverse("second_factor_setup"), {"action": "renew", "code": code_for(device, 1)}
    )
    new = re.findall(r"<code>([a-z0-9]+)</code>", response.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    sign_in(client, official)
    assert client.post(reverse("second_factor_verify"), {"code": old[0]}).status_code == 400
    wait_out_throttling(official)
    assert client.post(reverse("second_factor_verify"), {"code": new[0]}).status_code == 302


def test_a_mistyped_recovery_code_does_not_block_the_apps_code(client, official):
    enrol(client, official)
    sign_in(client, official)
    assert client.post(reverse("second_factor_verify"), {"code": "notacode"}).status_code == 400
    device = TOTPDevice.objects.get(user=official)
    response = client.post(reverse("second_factor_verify"), {"code": code_for(device, 1)})
    assert response.status_code == 302


def test_repeated_wrong_codes_are_throttled(client, official):
    enrol(client, official)
    sign_in(client, official)
    device = TOTPDevice.objects.get(user=official)
    for _ in range(3):
        client.post(reverse("second_factor_verify"), {"code": "000000"})
    # Even the right code is refused while the device is throttled.
    response = client.post(reverse("second_factor_verify"), {"code": code_for(device, 1)})
    assert response.status_code == 400
    assert AuditEntry.objects.filter(event=Event.SECOND_FACTOR_FAILED).count() >= 4


def test_token_clients_are_not_asked_for_the_second_factor(client, official):
    from coordination.organisation.services import token_create

    enrol(client, official)
    raw = token_create(official=official, name="bot")[1]
    client.logout()
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200


def test_a_password_alone_cannot_replace_the_authenticator(client, official):
    """An attacker with only the password must not swap in their own phone."""
    from django.test import Client

    enrol(client, official)
    attacker = Client()
    sign_in(attacker, official)
    # The set-up page and the QR code are out of reach until the code is confirmed.
    for name in ("second_factor_setup", "second_factor_qr"):
        response = attacker.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("second_factor_verify"))
    response = attacker.post(reverse("second_factor_setup"), {"action": "start"})
    assert response.status_code == 302 and "verify" in response["Location"]
    assert second_factor.totp_pending(official) is None
    assert attacker.get("/").status_code == 302  # still not verified


def test_the_services_refuse_replacing_from_an_unverified_session(rf, official, client):
    from django.contrib.sessions.backends.db import SessionStore

    from coordination.platform.errors import Forbidden

    enrol(client, official)
    request = rf.post("/")
    request.user, request.session = official, SessionStore()
    with pytest.raises(Forbidden):
        second_factor.totp_begin(official=official, request=request, code="123456")
    with pytest.raises(Forbidden):
        second_factor.totp_confirm(official=official, code="123456", request=request)
    assert second_factor.enrolled(official)


def test_replacing_the_phone_needs_a_current_code(client, official):
    enrol(client, official)
    response = client.post(reverse("second_factor_setup"), {"action": "start", "code": "000000"})
    assert response.status_code == 400 and second_factor.totp_pending(official) is None
    wait_out_throttling(official)
    device = TOTPDevice.objects.get(user=official)
    response = client.post(
        reverse("second_factor_setup"), {"action": "start", "code": code_for(device, 1)}
    )
    assert response.status_code == 302 and second_factor.totp_pending(official) is not None


@pytest.mark.django_db(transaction=True)
def test_one_code_verifies_one_session_even_when_sent_at_once(rf):
    """Six sessions send the same code at the same moment: one is verified."""
    from django.contrib.sessions.backends.db import SessionStore

    from tests.threads import run_together

    official = OfficialFactory(username="race")
    device = TOTPDevice.objects.create(user=official, name="Rakor", confirmed=True)
    codes = second_factor._renew_recovery_codes(official)
    for code in (code_for(device), codes[0]):
        requests = []
        for _ in range(6):
            request = rf.post("/")
            request.user, request.session = official, SessionStore()
            requests.append(request)

        def attempt(request, code=code):
            return second_factor.second_factor_verify(official=official, code=code, request=request)

        results = run_together(attempt, *[(request,) for request in requests], timeout=30)
        assert sorted(results) == [False] * 5 + [True], code
        wait_out_throttling(official)


def test_an_unverified_session_may_switch_the_page_language_but_not_the_profile(client, official):
    enrol(client, official)
    sign_in(client, official)
    response = client.post(reverse("language_switch"), {"language": "en", "next": "/"})
    assert response.cookies["rakor_language"].value == "en"
    official.refresh_from_db()
    assert official.language == "id"


def test_administrators_reset_a_lost_authenticator(client, official):
    admin = OfficialFactory(role=Role.ADMINISTRATOR, is_staff=True)
    enrol(client, official)
    client.force_login(admin)
    response = client.post(
        reverse("admin:coordination_official_changelist"),
        {"action": "reset_second_factor", "_selected_action": [official.pk]},
    )
    assert response.status_code == 302
    assert not second_factor.enrolled(official)
    entry = AuditEntry.objects.get(event=Event.SECOND_FACTOR_DISABLED, actor=admin)
    assert entry.target_id == str(official.pk)


def test_only_administrators_reset_someone_elses_authenticator(client, official):
    from django.core.exceptions import PermissionDenied

    enrol(client, official)
    with pytest.raises(PermissionDenied):
        second_factor.second_factor_reset(official=official, by=OfficialFactory())
    assert second_factor.enrolled(official)
