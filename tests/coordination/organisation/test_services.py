"""coordination.organisation.services: API tokens, roles and the access that follows them
(the admin site, audited changes, the apps told of an official's move, sockets closed),
sessions and passwords, preferences."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.utils import timezone

from coordination.organisation import hooks, services
from coordination.organisation.models import ApiToken, AuditEntry, Official, Role
from coordination.platform import realtime
from coordination.platform.errors import InvalidInput, NotFound
from tests.factories import AgencyFactory, OfficialFactory

pytestmark = pytest.mark.django_db


def test_token_is_stored_only_as_a_digest():
    official = OfficialFactory()
    token, raw = services.token_create(official=official, name="agenda sync")
    stored = ApiToken.objects.get(pk=token.pk)
    assert raw.startswith("rkr_") and len(raw) > 40
    assert stored.digest == services.token_digest(raw)
    assert raw not in {stored.digest, stored.prefix, stored.name}
    assert raw.startswith(stored.prefix)
    assert not ApiToken.objects.filter(digest=raw).exists()


def test_valid_token_authenticates_and_records_last_use():
    official = OfficialFactory()
    token, raw = services.token_create(official=official, name="bot")
    assert services.token_authenticate(raw) == official
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_last_use_is_written_at_most_once_a_minute(django_assert_num_queries):
    official = OfficialFactory()
    token, raw = services.token_create(official=official, name="bot")
    services.token_authenticate(raw)
    with django_assert_num_queries(1):  # the lookup only: no write within the minute
        services.token_authenticate(raw)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now() - timedelta(hours=1))
    with django_assert_num_queries(2):
        services.token_authenticate(raw)


@pytest.mark.parametrize("raw", ["", None, "rkr_wrong", "not-a-token", "rkr_" + "x" * 300])
def test_wrong_tokens_authenticate_nobody(raw):
    OfficialFactory()
    assert services.token_authenticate(raw) is None


def test_revoked_token_and_deactivated_official_authenticate_nobody():
    official = OfficialFactory()
    token, raw = services.token_create(official=official, name="bot")
    services.token_revoke(by=official, token_id=token.pk)
    assert services.token_authenticate(raw) is None

    other = OfficialFactory()
    _, raw2 = services.token_create(official=other, name="bot")
    Official.objects.filter(pk=other.pk).update(is_active=False)
    assert services.token_authenticate(raw2) is None


def test_officials_cannot_revoke_each_others_tokens():
    owner, stranger = OfficialFactory(), OfficialFactory()
    token, raw = services.token_create(official=owner, name="bot")
    with pytest.raises(NotFound):
        services.token_revoke(by=stranger, token_id=token.pk)
    assert services.token_authenticate(raw) == owner
    admin = OfficialFactory(role=Role.ADMINISTRATOR)
    services.token_revoke(by=admin, token_id=token.pk)
    assert services.token_authenticate(raw) is None


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
def test_token_names_are_required_and_bounded(name):
    official = OfficialFactory()
    with pytest.raises(InvalidInput):
        services.token_create(official=official, name=name)
    assert not ApiToken.objects.exists()


def test_role_decides_admin_site_access():
    official = OfficialFactory()
    admin = OfficialFactory(role=Role.ADMINISTRATOR)
    services.official_set_role(official=official, role=Role.ADMINISTRATOR, by=admin)
    official.refresh_from_db()
    assert official.is_staff and official.role == Role.ADMINISTRATOR
    services.official_set_role(official=official, role=Role.MEMBER, by=admin)
    official.refresh_from_db()
    assert not official.is_staff
    with pytest.raises(InvalidInput):
        services.official_set_role(official=official, role="emperor", by=admin)


def test_only_administrators_change_roles():
    from django.core.exceptions import PermissionDenied

    official = OfficialFactory()
    coordinator = OfficialFactory(role=Role.COORDINATOR)
    with pytest.raises(PermissionDenied):
        services.official_set_role(official=official, role=Role.ADMINISTRATOR, by=coordinator)
    with pytest.raises(PermissionDenied):
        services.official_set_role(official=coordinator, role=Role.ADMINISTRATOR, by=coordinator)
    official.refresh_from_db()
    coordinator.refresh_from_db()
    assert (official.role, coordinator.role) == (Role.MEMBER, Role.COORDINATOR)


def test_preferences_are_validated_and_bad_input_changes_nothing():
    official = OfficialFactory(timezone="")
    services.official_update_preferences(
        official=official,
        by=official,
        language="en",
        timezone="Asia/Jayapura",
        work_days=[0, 2, 4],
    )
    official.refresh_from_db()
    assert (official.language, official.zone_name, official.work_days) == (
        "en",
        "Asia/Jayapura",
        [0, 2, 4],
    )
    for bad in (
        {"timezone": "Mars/Olympus"},
        {"work_start": time(17), "work_end": time(8)},
        {"work_days": [0, 9]},
        {"language": "fr"},
    ):
        with pytest.raises(InvalidInput):
            services.official_update_preferences(official=official, by=official, **bad)
        official.refresh_from_db()
        assert official.zone_name == "Asia/Jayapura" and official.work_days == [0, 2, 4]
    with pytest.raises(InvalidInput):
        services.official_update_preferences(
            official=official, by=official, role=Role.ADMINISTRATOR
        )


def test_nobody_edits_someone_elses_preferences_but_an_administrator():
    from django.core.exceptions import PermissionDenied

    official, other = OfficialFactory(language="id"), OfficialFactory()
    with pytest.raises(PermissionDenied):
        services.official_update_preferences(official=official, by=other, language="en")
    official.refresh_from_db()
    assert official.language == "id"
    admin = OfficialFactory(role=Role.ADMINISTRATOR)
    services.official_update_preferences(official=official, by=admin, language="en")
    official.refresh_from_db()
    assert official.language == "en"


def test_zone_defaults_to_the_agencys():
    official = OfficialFactory(timezone="", agency__timezone="Asia/Makassar")
    assert official.zone_name == "Asia/Makassar"
    official.timezone = "Europe/Amsterdam"
    assert official.zone_name == "Europe/Amsterdam"


# --- access kept in step, sessions, passwords -----------------------------------------------


@pytest.fixture
def sent_to_sockets(monkeypatch):
    """What the services send to officials' sockets after commit: (group, event) pairs."""
    sent = []
    monkeypatch.setattr(realtime, "_group_send", lambda group, event: sent.append((group, event)))
    return sent


def test_a_token_lookup_gives_the_token_with_its_official(django_assert_max_num_queries):
    official = OfficialFactory()
    token, raw = services.token_create(official=official, name="bot")
    services.token_authenticate(raw)  # its last use is recorded now: the next lookup reads only
    with django_assert_max_num_queries(1):
        found = services.token_lookup(raw)
        assert found.official.agency == official.agency  # read with the token
    assert found == token
    assert services.token_lookup(raw.upper()) is None  # exactly the secret, nothing like it


def test_access_follows_the_role_and_every_change_is_audited(
    django_capture_on_commit_callbacks, sent_to_sockets
):
    admin = OfficialFactory(role=Role.ADMINISTRATOR)
    official = OfficialFactory()
    official.role = Role.ADMINISTRATOR
    official.save(update_fields=["role"])
    services.official_apply_access(official=official, by=admin, previous={"role": Role.MEMBER})
    official.refresh_from_db()
    assert official.is_staff  # administrators, and only they, reach the admin site
    entry = AuditEntry.objects.get(event="role_changed", target_id=str(official.pk))
    assert entry.actor == admin and entry.details == {"old": "member", "new": "administrator"}
    official.is_superuser = True
    official.role = Role.MEMBER
    official.save(update_fields=["is_superuser", "role"])
    services.official_apply_access(
        official=official, by=admin, previous={"role": Role.ADMINISTRATOR, "is_superuser": False}
    )
    official.refresh_from_db()
    assert official.is_staff  # a superuser stays staff
    assert AuditEntry.objects.filter(event="role_changed", target_id=str(official.pk)).count() == 3
    with django_capture_on_commit_callbacks(execute=True):
        services.official_apply_access(official=official, by=admin, previous={})
    assert sent_to_sockets == []  # nothing changed: no socket is touched
    assert AuditEntry.objects.filter(target_id=str(official.pk)).count() == 3


def test_a_deactivated_official_loses_every_open_socket(
    django_capture_on_commit_callbacks, sent_to_sockets
):
    official = OfficialFactory()
    official.is_active = False
    official.save(update_fields=["is_active"])
    with django_capture_on_commit_callbacks(execute=True):
        services.official_apply_access(official=official, previous={"is_active": True})
    [(group, event)] = sent_to_sockets
    assert group == f"official.{official.pk}"
    assert event["type"] == "auth.revoked" and event["everything"] is True
    entry = AuditEntry.objects.get(event="access_changed")
    assert entry.details == {"active": False}


def test_a_new_or_moved_official_is_announced_to_the_apps_after_commit(
    django_capture_on_commit_callbacks,
):
    moves = []

    def listener(sender, signal, **kwargs):
        moves.append(kwargs)

    hooks.official_agency_changed.connect(listener, dispatch_uid="test-listener")
    try:
        official = OfficialFactory()
        with django_capture_on_commit_callbacks() as callbacks:
            services.official_apply_access(official=official, previous=None)
        assert moves == []  # not before commit
        for callback in callbacks:
            callback()
        assert moves == [
            {"official_id": official.pk, "old_agency_id": None, "new_agency_id": official.agency_id}
        ]
        old = official.agency_id
        official.agency = AgencyFactory()
        official.save(update_fields=["agency"])
        with django_capture_on_commit_callbacks(execute=True):
            services.official_apply_access(official=official, previous={"agency_id": old})
        assert moves[-1]["old_agency_id"] == old
        assert moves[-1]["new_agency_id"] == official.agency_id
        with django_capture_on_commit_callbacks(execute=True):
            services.official_apply_access(official=official, previous={"role": official.role})
        assert len(moves) == 2  # the agency did not change
    finally:
        hooks.official_agency_changed.disconnect(dispatch_uid="test-listener")


def test_signing_out_closes_one_sessions_sockets_a_password_change_all(
    django_capture_on_commit_callbacks, sent_to_sockets
):
    official = OfficialFactory()
    with django_capture_on_commit_callbacks(execute=True):
        services.official_sessions_revoked(official=official, session_key="abc")
    [(_group, event)] = sent_to_sockets
    assert event["session_key"] == "abc" and event["all_sessions"] is False
    with django_capture_on_commit_callbacks(execute=True):
        services.official_password_changed(official=official)
    _group, event = sent_to_sockets[-1]
    assert event["session_key"] is None and event["all_sessions"] is True
    changed = AuditEntry.objects.get(event="password_changed")
    assert changed.actor == official and changed.target_id in ("", None)
    admin = OfficialFactory(role=Role.ADMINISTRATOR)
    with django_capture_on_commit_callbacks(execute=True):
        services.official_password_changed(official=official, reset=True, by=admin)
    reset = AuditEntry.objects.get(event="password_reset")
    assert reset.actor == admin and reset.target_id == str(official.pk)
    assert len(sent_to_sockets) == 3
