"""Services of the organisation domain: tokens, roles, preferences."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.utils import timezone

from coordination.organisation import services
from coordination.organisation.models import ApiToken, Official, Role
from coordination.platform.errors import InvalidInput, NotFound
from tests.factories import OfficialFactory

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
