"""Pages: sign-in, lockout, password change and reset, profile with tokens, language."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.db.models.functions import Now
from django.urls import reverse
from django.utils import timezone

from coordination.organisation.models import ApiToken
from coordination.organisation.services import token_authenticate
from coordination.platform.models import Job, OutboundMail, PeriodicJobState
from coordination.platform.worker import Worker
from tests.factories import TEST_PASSWORD, OfficialFactory

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


@pytest.fixture
def official():
    return OfficialFactory(username="dewi", email="dewi@example.test", language="id")


def login_attempt(client, username, password, ip="10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_login_page_is_in_bahasa_indonesia_by_default(client):
    response = client.get(LOGIN)
    assert response.status_code == 200
    assert response["Content-Language"] == "id"
    assert 'lang="id"' in response.content.decode()


def test_anonymous_visitors_get_indonesian_whatever_the_browser_says(client, settings):
    response = client.get(LOGIN, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "id" and "Masuk ke Rakor" in response.content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(LOGIN)
    assert response["Content-Language"] == "en" and "Sign in to Rakor" in response.content.decode()


def test_sign_in_with_the_form_reaches_the_dashboard(client, official):
    response = login_attempt(client, "dewi", TEST_PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"
    page = client.get("/")
    assert page.status_code == 200
    assert official.agency.name in page.content.decode()


def test_wrong_password_gets_a_clear_message(client, official):
    response = login_attempt(client, "dewi", "wrong")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert response.context["form"].non_field_errors()


def test_pages_need_sign_in(client):
    for path in ("/", "/profile/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_repeated_failures_lock_the_account_from_that_address(client, settings, official):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login_attempt(client, "dewi", "wrong")
    locked = login_attempt(client, "dewi", TEST_PASSWORD)
    assert locked.status_code == 429
    text = locked.content.decode()
    assert "15" in text and "_auth_user_id" not in client.session
    assert "Masuk dikunci sementara" in text or "temporarily locked" in text
    # Another address is not locked out of the same account.
    assert login_attempt(client, "dewi", TEST_PASSWORD, ip="10.0.0.2").status_code == 302


def test_lockout_ends_after_the_cooloff(client, settings, official):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login_attempt(client, "dewi", "wrong")
    assert login_attempt(client, "dewi", TEST_PASSWORD).status_code == 429
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(minutes=1)
    )
    assert login_attempt(client, "dewi", TEST_PASSWORD).status_code == 302


def test_logout_is_a_post(client, official):
    client.force_login(official)
    assert client.get("/accounts/logout/").status_code == 405
    client.post("/accounts/logout/")
    assert "_auth_user_id" not in client.session


def test_password_change(client, official):
    client.force_login(official)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": TEST_PASSWORD,
            "new_password1": "a-much-longer-passphrase",
            "new_password2": "a-much-longer-passphrase",
        },
    )
    assert response.status_code == 302
    official.refresh_from_db()
    assert official.check_password("a-much-longer-passphrase")


def test_password_reset_mail_goes_through_the_worker_over_smtp(client, official, smtp_server):
    response = client.post(reverse("password_reset"), {"email": "DEWI@example.test"})
    assert response.status_code == 302
    assert smtp_server.messages == []  # queued, not sent inside the request
    queued = OutboundMail.objects.get()
    assert queued.state == "queued" and queued.recipient == "dewi@example.test"
    assert queued.kind == "password_reset" and queued.official == official

    Worker().tick()
    assert len(smtp_server.messages) == 1
    mail = smtp_server.messages[0]
    assert mail["To"] == "dewi@example.test"
    assert mail["Message-ID"]
    assert "Rakor" in mail["Subject"]
    text = mail.get_body(preferencelist=("plain",)).get_content()
    html = mail.get_body(preferencelist=("html",)).get_content()
    assert "Halo" in text  # the official's language
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", text).group(1)
    assert link in html

    form = client.get(link, follow=True)
    assert form.status_code == 200 and form.context["validlink"]
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a-new-long-passphrase", "new_password2": "a-new-long-passphrase"},
    )
    assert done.status_code == 302
    official.refresh_from_db()
    assert official.check_password("a-new-long-passphrase")
    # The link works once, and is not kept in the queue once the mail is sent.
    assert not client.get(link, follow=True).context["validlink"]
    sent = OutboundMail.objects.get()
    assert sent.state == "sent" and sent.payload == {} and sent.message_id == mail["Message-ID"]


def test_password_reset_requests_are_rate_limited_per_address(client, official):
    for _ in range(3):
        assert (
            client.post(reverse("password_reset"), {"email": "dewi@example.test"}).status_code
            == 302
        )
    response = client.post(reverse("password_reset"), {"email": "Dewi@Example.test"})
    assert response.status_code == 429
    assert "Terlalu banyak" in response.content.decode()
    assert OutboundMail.objects.count() == 3


def test_the_login_form_needs_its_csrf_token(official):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    response = browser.post(LOGIN, {"username": "dewi", "password": TEST_PASSWORD})
    assert response.status_code == 403
    assert "_auth_user_id" not in browser.session


def test_password_reset_for_an_unknown_address_sends_nothing_and_says_the_same(client, official):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.test"})
    assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")
    assert not OutboundMail.objects.exists() and not Job.objects.exists()


def test_reset_mail_is_kept_while_smtp_is_down_and_sent_once_it_is_up(
    client, official, smtp_settings, smtp_port
):
    from tests.conftest import SmtpServer

    client.post(reverse("password_reset"), {"email": "dewi@example.test"})
    Worker().tick()  # nothing listens on the port
    mail = OutboundMail.objects.get()
    assert mail.state == "queued" and mail.attempts == 1 and mail.last_error
    assert mail.next_attempt_at > timezone.now()  # backing off

    server = SmtpServer(smtp_port).start()
    try:
        OutboundMail.objects.filter(pk=mail.pk).update(next_attempt_at=Now())
        PeriodicJobState.objects.filter(name="mail.outbox").update(next_run_at=Now())
        Worker().tick()  # the periodic run retries
        Worker().tick()
        assert len(server.messages) == 1
        assert server.messages[0]["Message-ID"] == mail.message_id
        mail.refresh_from_db()
        assert mail.state == "sent" and mail.attempts == 2
    finally:
        server.stop()


def test_profile_creates_a_token_shown_once_and_revokes_it(client, official):
    client.force_login(official)
    response = client.post(reverse("token_create"), {"name": "agenda sync"})
    assert response.status_code == 201
    secret = response.context["new_token_secret"]
    assert secret in response.content.decode()
    assert response["Cache-Control"].startswith("max-age=0")
    assert token_authenticate(secret) == official

    page = client.get(reverse("profile")).content.decode()
    assert "agenda sync" in page and secret not in page

    token = ApiToken.objects.get()
    response = client.post(reverse("token_revoke", args=[token.pk]))
    assert response.status_code == 302
    assert token_authenticate(secret) is None


def test_profile_refuses_a_nameless_token(client, official):
    client.force_login(official)
    response = client.post(reverse("token_create"), {"name": ""})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_nobody_revokes_someone_elses_token_from_the_profile(client, official):
    other = OfficialFactory()
    from coordination.organisation.services import token_create

    token, raw = token_create(official=other, name="theirs")
    client.force_login(official)
    client.post(reverse("token_revoke", args=[token.pk]))
    assert token_authenticate(raw) == other


def test_profile_saves_preferences_and_rejects_bad_ones(client, official):
    client.force_login(official)
    good = {
        "language": "en",
        "timezone": "Asia/Jayapura",
        "work_start": "07:30",
        "work_end": "16:00",
        "work_days": ["0", "1", "2", "3", "4"],
        "phone": "+62 812 0000 0000",
    }
    assert client.post(reverse("profile"), good).status_code == 302
    official.refresh_from_db()
    assert (official.language, official.zone_name) == ("en", "Asia/Jayapura")
    bad = {**good, "timezone": "Mars/Olympus", "work_end": "06:00"}
    response = client.post(reverse("profile"), bad)
    assert response.status_code == 400
    official.refresh_from_db()
    assert official.zone_name == "Asia/Jayapura" and official.work_end.hour == 16


def test_language_switch_is_remembered_on_the_profile(client, official):
    client.force_login(official)
    response = client.post(reverse("language_switch"), {"language": "en", "next": "/profile/"})
    assert response.status_code == 302 and response["Location"] == "/profile/"
    official.refresh_from_db()
    assert official.language == "en"
    page = client.get("/")
    assert page["Content-Language"] == "en"
    assert "Welcome" in page.content.decode()


def test_language_switch_refuses_unknown_languages_and_foreign_redirects(client, official):
    client.force_login(official)
    response = client.post(
        reverse("language_switch"), {"language": "xx", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"
    official.refresh_from_db()
    assert official.language == "id"


def test_dashboard_shows_the_official_and_the_time_in_their_zone(
    client, official, django_assert_max_num_queries
):
    official.agency.timezone = "Asia/Makassar"
    official.agency.save()
    client.force_login(official)
    with django_assert_max_num_queries(14):  # +1 invitations, actions due, bell, unread
        page = client.get("/")
    text = page.content.decode()
    assert "WITA" in text and official.agency.name in text
    assert "Selamat datang" in text
