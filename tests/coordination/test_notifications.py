"""The notification centre: notify() and its unread count, live frames to every socket of the
official, the API and pages, preferences, mail at once or in the daily digest through a real
SMTP server, quiet hours, and each mail once with two workers."""

from __future__ import annotations

import datetime
import json
import threading
import uuid
import zoneinfo

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connection
from django.test import Client

from coordination.asgi import application
from coordination.organisation import notifications
from coordination.organisation.models import Notification, Official
from coordination.organisation.services import token_create
from coordination.platform.mail import outbox_deliver
from coordination.platform.models import OutboundMail
from messaging.services import timeline

JSON = "application/json"
JAKARTA = zoneinfo.ZoneInfo("Asia/Jakarta")


def at(hour: int, minute: int = 0, *, days: int = 0) -> datetime.datetime:
    """Today (in Jakarta) + `days` at hour:minute WIB, as an aware instant."""
    day = datetime.datetime.now(JAKARTA).date() + datetime.timedelta(days=days)
    return datetime.datetime.combine(day, datetime.time(hour, minute), JAKARTA)


def jakarta(official: Official, **fields) -> Official:
    """`official` in WIB with an address and the given preferences."""
    official.timezone = "Asia/Jakarta"
    official.email = f"{official.username}@example.go.id"
    for name, value in fields.items():
        setattr(official, name, value)
    official.save()
    return official


def api(official: Official) -> Client:
    raw = token_create(official=official, name="test")[1]
    return Client(headers={"authorization": f"Bearer {raw}"})


# --- notify, the unread count, the list ------------------------------------------------------


@pytest.mark.django_db
def test_a_notification_is_stored_counted_and_framed_with_the_unread_count(world):
    sari = world["sari"]
    first = notifications.notify(sari, "mention", "Budi menyebut Anda", "/messages/1?seq=2")
    notifications.notify(sari, "mention", "Lagi", "/messages/1?seq=3")
    assert notifications.unread_count(sari) == 2
    frame = notifications.notification_frame(first, unread=2)
    assert frame["type"] == "notification" and frame["link"] == "/messages/1?seq=2"
    assert frame["open"] == f"/notifications/{first.pk}/open" and frame["unread"] == 2
    assert notifications.unread_count(world["andi"]) == 0


@pytest.mark.django_db
def test_notify_many_tells_each_official_once_and_skips_the_inactive(world):
    world["nurul"].is_active = False
    world["nurul"].save()
    rows = notifications.notify_many(
        [world["sari"], world["sari"].pk, world["andi"], world["nurul"]], "mention", "x"
    )
    assert sorted(n.official.username for n in rows) == ["andi", "sari"]
    assert Notification.objects.count() == 2


@pytest.mark.django_db
def test_a_mention_by_name_and_through_the_agency_in_one_message_is_one_notification(world):
    timeline.message_post(
        author=world["budi"],
        room_id=world["room"].pk,
        body="@andi dan @sulsel mohon laporan",
        client_id=uuid.uuid4(),
    )
    told = sorted(
        Notification.objects.filter(kind="mention").values_list("official__username", flat=True)
    )
    assert told == ["andi", "nurul"]  # andi once; nurul through @sulsel; outsider not a member


@pytest.mark.django_db
def test_a_directive_that_mentions_someone_is_one_notification_for_them(world):
    from messaging.services.directives import Directive

    timeline.message_post(
        author=world["budi"],
        room_id=world["room"].pk,
        body="@andi segera tindak lanjuti",
        client_id=uuid.uuid4(),
        directive=Directive(ack_by="member", due=None),
    )
    andi = Notification.objects.filter(official=world["andi"])
    assert list(andi.values_list("kind", flat=True)) == ["directive"]


@pytest.mark.django_db
def test_the_api_lists_newest_first_a_page_at_a_time_and_marks_read(world):
    sari = world["sari"]
    made = [notifications.notify(sari, "mention", f"n{i}", "/messages/") for i in range(5)]
    notifications.notify(world["andi"], "mention", "not sari's")
    client = api(sari)
    page = client.get("/api/v1/notifications?limit=2").json()
    assert [n["text"] for n in page["items"]] == ["n4", "n3"] and page["unread"] == 5
    rest = client.get(f"/api/v1/notifications?limit=10&cursor={page['next']}").json()
    assert [n["text"] for n in rest["items"]] == ["n2", "n1", "n0"] and rest["next"] is None

    response = client.post(
        "/api/v1/notifications/read", {"ids": [made[0].pk, made[1].pk]}, content_type=JSON
    )
    assert response.status_code == 200 and response.json() == {"marked": 2, "unread": 3}
    unread = client.get("/api/v1/notifications?unread=true").json()
    assert [n["text"] for n in unread["items"]] == ["n4", "n3", "n2"]
    assert client.post("/api/v1/notifications/read", {"all": True}, content_type=JSON).json() == {
        "marked": 3,
        "unread": 0,
    }


@pytest.mark.django_db
def test_marking_anothers_or_no_notification_read_is_refused_and_changes_nothing(world):
    mine = notifications.notify(world["sari"], "mention", "mine")
    theirs = notifications.notify(world["andi"], "mention", "theirs")
    client = api(world["sari"])
    refused = client.post(
        "/api/v1/notifications/read", {"ids": [mine.pk, theirs.pk]}, content_type=JSON
    )
    assert refused.status_code == 404
    assert client.post("/api/v1/notifications/read", {}, content_type=JSON).status_code == 400
    assert Notification.objects.filter(read_at__isnull=False).count() == 0


@pytest.mark.django_db
def test_opening_a_notification_marks_it_read_and_follows_its_link(client, world):
    mine = notifications.notify(world["sari"], "mention", "m", "/messages/?room=1")
    elsewhere = notifications.notify(world["sari"], "mention", "x", "https://evil.example/")
    theirs = notifications.notify(world["andi"], "mention", "t", "/messages/")
    client.force_login(world["sari"])
    response = client.get(f"/notifications/{mine.pk}/open")
    assert response.status_code == 302 and response["Location"] == "/messages/?room=1"
    assert client.get(f"/notifications/{elsewhere.pk}/open")["Location"] == "/notifications/"
    assert client.get(f"/notifications/{theirs.pk}/open")["Location"] == "/notifications/"
    theirs.refresh_from_db()
    mine.refresh_from_db()
    assert mine.read_at is not None and theirs.read_at is None


@pytest.mark.django_db
def test_the_bell_and_the_centre_agree_in_indonesian(client, world):
    sari = world["sari"]
    sari.language = "id"
    sari.save()
    for i in range(3):
        notifications.notify(sari, "mention", f"Sebutan {i}", "/messages/")
    client.force_login(sari)
    page = client.get("/").content.decode()
    assert 'data-unread="3"' in page and "<title>(3) " in page
    # The dashboard's card counts what the bell counts, and lists the newest unread.
    assert "3 belum dibaca" in page and "Sebutan 2" in page
    centre = client.get("/notifications/").content.decode()
    assert "Sebutan 2" in centre and "3 belum dibaca" in centre
    client.post("/notifications/read", {"all": "1"})
    assert 'data-unread="0"' in client.get("/").content.decode()
    assert notifications.unread_count(sari) == 0


# --- live over the socket --------------------------------------------------------------------


@database_sync_to_async
def _token(official) -> str:
    return token_create(official=official, name="socket")[1]


async def _socket(official) -> WebsocketCommunicator:
    raw = await _token(official)
    socket = WebsocketCommunicator(
        application, "/ws/", headers=[(b"authorization", f"Bearer {raw}".encode())]
    )
    connected, _ = await socket.connect()
    assert connected
    return socket


async def _next_of(socket, kind: str) -> dict:
    while True:
        frame = json.loads(await socket.receive_from(timeout=5))
        if frame["type"] == kind:
            return frame


@pytest.mark.django_db(transaction=True)
async def test_both_sockets_of_an_official_get_the_notification_and_the_read_count(world):
    sari = world["sari"]
    one, two = await _socket(sari), await _socket(sari)
    try:
        made = await database_sync_to_async(notifications.notify)(
            sari, "mention", "Halo", "/messages/"
        )
        for socket in (one, two):
            frame = await _next_of(socket, "notification")
            assert frame["id"] == made.pk and frame["unread"] == 1 and frame["quiet"] is False
        await database_sync_to_async(notifications.notifications_mark_read)(
            official=sari, everything=True
        )
        for socket in (one, two):
            frame = await _next_of(socket, "notifications_read")
            assert frame["unread"] == 0 and frame["all"] is True
    finally:
        await one.disconnect()
        await two.disconnect()


# --- preferences -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_settings_have_sensible_defaults_and_are_saved_through_the_api(world):
    client = api(world["sari"])
    got = client.get("/api/v1/me/notification-settings").json()
    assert got["mail"]["mentions"] == "immediate" and got["mail"]["directives"] == "immediate"
    assert got["mail"]["actions"] == "digest" and got["mail"]["decisions"] == "digest"
    assert got["mail"]["meetings"] == "invitation" and got["digest_time"] == "07:00"
    assert got["quiet"] is None and got["timezone"] == world["sari"].zone_name
    saved = client.put(
        "/api/v1/me/notification-settings",
        {
            "mail": {"mentions": "digest", "actions": "off"},
            "digest_time": "16:30",
            "quiet": {"start": "21:00", "minutes": 9 * 60},
        },
        content_type=JSON,
    )
    assert saved.status_code == 200, saved.content
    body = saved.json()
    assert body["mail"]["mentions"] == "digest" and body["mail"]["actions"] == "off"
    assert body["mail"]["directives"] == "immediate"  # left out: unchanged
    assert body["digest_time"] == "16:30"
    assert body["quiet"] == {"start": "21:00", "end": "06:00", "minutes": 540}
    assert client.get("/api/v1/me/notification-settings").json() == body
    cleared = client.put(
        "/api/v1/me/notification-settings",
        {"digest_time": "16:30", "quiet": None},
        content_type=JSON,
    ).json()
    assert cleared["quiet"] is None and cleared["mail"]["mentions"] == "digest"


@pytest.mark.parametrize(
    "body",
    [
        {"mail": {"teleport": "immediate"}},
        {"mail": {"reminders": "digest"}},  # a reminder in a digest comes too late
        {"mail": {"meetings": "off"}},  # the invitation itself is the mail
        {"mail": {"mentions": "sometimes"}},
        {"digest_time": "25:00"},
        {"quiet": {"start": "22:00"}},  # for how long?
        {"quiet": {"start": "22:00", "minutes": 0}},
        {"quiet": {"start": "22:00", "minutes": 24 * 60}},
        {"quiet": None},  # no digest_time
        {"digest_time": "07:00", "quiet": None, "colour": "red"},
    ],
)
@pytest.mark.django_db
def test_bad_settings_are_refused_and_change_nothing(world, body):
    sari = world["sari"]
    client = api(sari)
    before = client.get("/api/v1/me/notification-settings").json()
    body = {"digest_time": "07:00", "quiet": None, **body} if "mail" in body else body
    response = client.put("/api/v1/me/notification-settings", body, content_type=JSON)
    assert response.status_code == 400 and response.json()["message"]
    assert client.get("/api/v1/me/notification-settings").json() == before


@pytest.mark.django_db
def test_the_profile_saves_the_settings_in_indonesian(client, world):
    sari = world["sari"]
    sari.language = "id"
    sari.save()
    client.force_login(sari)
    page = client.get("/profile/").content.decode()
    assert "Sebutan Anda atau instansi Anda" in page and 'id="notifications"' in page
    data = {
        f"mail_{name}": group.default
        for name, group in notifications.GROUPS.items()
        if group.choices
    }
    data |= {"mail_mentions": "off", "digest_time": "17:00", "quiet_start": "", "quiet_end": ""}
    response = client.post("/profile/notifications/", data)
    assert response.status_code == 302 and response["Location"] == "/profile/#notifications"
    sari.refresh_from_db()
    assert sari.notification_mail["mentions"] == "off"
    assert sari.digest_time == datetime.time(17, 0)
    refused = client.post("/profile/notifications/", {**data, "quiet_start": "22:00"})
    assert refused.status_code == 400 and "Jam tenang" in refused.content.decode()


# --- mail: at once, held by quiet hours, the daily digest ---------------------------------


def _delivered(smtp_server) -> list:
    outbox_deliver()
    return list(smtp_server.messages)


@pytest.mark.django_db
def test_an_immediate_kind_is_mailed_at_once_in_the_officials_language(world, smtp_server):
    sari = jakarta(world["sari"], language="id")
    notifications.notify(sari, "mention", "Budi menyebut Anda di Rakor inflasi", "/messages/")
    mails = _delivered(smtp_server)
    assert [m["To"] for m in mails] == ["sari@example.go.id"]
    body = mails[0].get_body(("plain",)).get_content()
    assert "Budi menyebut Anda" in body and "/notifications/" in body and "Halo" in body


@pytest.mark.django_db
def test_a_digest_kind_waits_for_the_digest_and_an_off_kind_is_never_mailed(world, smtp_server):
    sari = jakarta(
        world["sari"], digest_time=datetime.time(7, 0), notification_mail={"decisions": "off"}
    )
    notifications.notify(sari, "action_assigned", "Tindak lanjut baru", "/actions/1")
    notifications.notify(sari, "decision_recorded", "Keputusan baru", "/decisions/1")
    assert _delivered(smtp_server) == []
    waiting = Notification.objects.get(kind="action_assigned")
    assert waiting.mail_state == Notification.Mail.DIGEST
    # Created before this morning's 07:00: that digest includes it.
    Notification.objects.filter(pk=waiting.pk).update(created_at=at(6, 0))
    assert notifications.notifications_mail(now=at(6, 59)) == 0
    assert notifications.notifications_mail(now=at(7, 1)) == 1
    assert notifications.notifications_mail(now=at(7, 2)) == 0  # once
    mails = _delivered(smtp_server)
    assert len(mails) == 1 and "ringkasan harian" in mails[0]["Subject"]  # in her language
    assert "Tindak lanjut baru" in mails[0].get_body(("plain",)).get_content()
    assert "Keputusan baru" not in mails[0].get_body(("plain",)).get_content()


@pytest.mark.django_db
def test_a_notification_after_the_digest_time_goes_in_the_next_days(world):
    sari = jakarta(world["sari"], digest_time=datetime.time(7, 0))
    late = notifications.notify(sari, "action_assigned", "Sore", "/actions/1")
    Notification.objects.filter(pk=late.pk).update(created_at=at(9, 0))
    assert notifications.notifications_mail(now=at(12, 0)) == 0
    assert notifications.notifications_mail(now=at(7, 0, days=1)) == 1


@pytest.mark.django_db
def test_in_quiet_hours_mail_waits_until_they_end_and_the_frame_says_quiet(
    world, smtp_server, monkeypatch
):
    sari = jakarta(world["sari"], quiet_start=datetime.time(21, 0), quiet_end=datetime.time(6, 0))
    night = at(23, 0)
    monkeypatch.setattr(notifications.timezone, "now", lambda: night)
    assert notifications.in_quiet_hours(sari)
    held = notifications.notify(sari, "mention", "Larut malam", "/messages/")
    assert held.mail_state == Notification.Mail.HELD
    assert notifications.notification_frame(held, unread=1, quiet=True)["quiet"] is True
    assert notifications.unread_count(sari) == 1  # the centre still counts it
    assert _delivered(smtp_server) == []
    assert notifications.notifications_mail(now=at(5, 59, days=1)) == 0
    assert notifications.notifications_mail(now=at(6, 0, days=1)) == 1
    mails = _delivered(smtp_server)
    assert len(mails) == 1 and "Larut malam" in mails[0].get_body(("plain",)).get_content()


@pytest.mark.django_db
def test_quiet_hours_within_one_day_and_past_midnight(world):
    sari = jakarta(world["sari"], quiet_start=datetime.time(12, 0), quiet_end=datetime.time(13, 0))
    assert notifications.in_quiet_hours(sari, at(12, 30))
    assert not notifications.in_quiet_hours(sari, at(13, 0))
    sari.quiet_start, sari.quiet_end = datetime.time(22, 0), datetime.time(5, 0)
    assert notifications.in_quiet_hours(sari, at(2, 0)) and notifications.in_quiet_hours(
        sari, at(22, 0)
    )
    assert not notifications.in_quiet_hours(sari, at(5, 0))


@pytest.mark.needs_postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_mail_each_digest_once(world):
    sari = jakarta(world["sari"])
    for i in range(5):
        made = notifications.notify(sari, "action_assigned", f"Aksi {i}", "/actions/1")
        Notification.objects.filter(pk=made.pk).update(created_at=at(6, 0))
    results: list[int] = []
    start = threading.Barrier(2)

    def worker():
        start.wait()
        try:
            results.append(notifications.notifications_mail(now=at(7, 30)))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [0, 1]
    assert OutboundMail.objects.filter(kind="notification_digest").count() == 1


# --- what mail may carry, and what is no longer worth mailing --------------------------------


@pytest.mark.django_db
def test_a_mention_in_a_rahasia_room_leaves_its_name_out_of_the_mail(world, smtp_server):
    from coordination.organisation.models import Classification
    from messaging.models import Room

    Room.objects.filter(pk=world["room"].pk).update(
        name="Operasi Rahasia X", classification=Classification.RAHASIA
    )
    sari = jakarta(world["sari"])
    timeline.message_post(
        author=world["budi"], room_id=world["room"].pk, body="@sari cek", client_id=uuid.uuid4()
    )
    row = Notification.objects.get(official=sari, kind="mention")
    assert "Operasi Rahasia X" in row.text and row.sensitive
    mail = OutboundMail.objects.get(official=sari)
    assert mail.sensitive and "Operasi Rahasia X" not in json.dumps(mail.payload)
    assert "Operasi Rahasia X" not in _delivered(smtp_server)[0].as_string()


@pytest.mark.django_db
def test_held_mail_keeps_its_sensitivity_and_skips_what_was_read_or_turned_off(world):
    sari = jakarta(world["sari"], quiet_start=datetime.time(21, 0), quiet_end=datetime.time(6, 0))
    notices = [
        notifications.Notice(sari, "mention", "rahasia", "/messages/", sensitive=True),
        notifications.Notice(sari, "mention", "dibaca", "/messages/"),
    ]
    night = at(23, 0)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(notifications.timezone, "now", lambda: night)
        _secret, read = notifications.notify_all(notices)
    notifications.notifications_mark_read(official=sari, ids=[read.pk])
    assert notifications.notifications_mail(now=at(6, 30, days=1)) == 1
    mail = OutboundMail.objects.get(official=sari)
    assert mail.sensitive and "rahasia" in mail.payload["body"]
    assert "dibaca" not in mail.payload["body"]


@pytest.mark.django_db
def test_a_reminder_held_by_quiet_hours_past_the_meetings_start_is_not_mailed(world):
    sari = jakarta(world["sari"], quiet_start=datetime.time(21, 0), quiet_end=datetime.time(6, 0))
    night = at(21, 30)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(notifications.timezone, "now", lambda: night)
        notifications.notify(
            sari, "meeting_reminder", "Rapat 22.00", "/meetings/1", mail_until=at(22, 0)
        )
    assert notifications.notifications_mail(now=at(6, 0, days=1)) == 0
    assert not OutboundMail.objects.exists()
    assert Notification.objects.get().mail_state == Notification.Mail.NONE


@pytest.mark.django_db
def test_a_long_digest_is_one_mail_that_says_how_many_more_wait(world):
    sari = jakarta(world["sari"])
    notifications.notify_all(
        notifications.Notice(sari, "action_assigned", f"Aksi {n}", "/actions/") for n in range(60)
    )
    Notification.objects.update(created_at=at(6, 0))
    assert notifications.notifications_mail(now=at(7, 0)) == 1
    body = OutboundMail.objects.get().payload["body"]
    assert "Aksi 0" in body and "Aksi 49" in body and "Aksi 50" not in body
    assert "10 lagi" in body
