"""The messages page."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from messaging.services import rooms as room_services
from messaging.services import timeline as timeline_services
from messaging.services.directives import Directive

pytestmark = pytest.mark.django_db


def config_of(response) -> dict:
    match = re.search(
        r'<script id="messages-config" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    return json.loads(match.group(1))


def catalogue_of(response) -> dict:
    """The page-script words the page carries (the data-catalogue JSON lib/i18n.js reads)."""
    match = re.search(
        r'<script data-catalogue="[^"]*" (?:id="[^"]*" )?type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    assert match, "the page carries no catalogue of page-script words"
    return json.loads(match.group(1))


def test_the_page_lists_the_rooms_and_opens_one(client, world, django_assert_max_num_queries):
    room_services.agency_room_sync(agency=world["ministry"])
    room_services.direct_room_get_or_create(by=world["budi"], usernames=["andi"])
    client.force_login(world["budi"])
    with django_assert_max_num_queries(10):
        response = client.get(reverse("messaging:index"))
    assert response.status_code == 200
    html = response.content.decode()
    for label in ("Ruang instansi", "Ruang koordinasi", "Percakapan langsung"):
        assert label in html
    config = config_of(response)
    assert config["username"] == "budi" and config["zone"] == "Asia/Jakarta"
    assert config["mayOrganise"] is True
    direct = next(r for r in config["rooms"] if r["kind"] == "direct")
    assert direct["display_name"] == world["andi"].display_name  # after the other person
    assert config["room"] in {r["id"] for r in config["rooms"]}


def test_a_room_the_official_is_not_in_is_not_found(client, world):
    client.force_login(world["outsider"])
    response = client.get(reverse("messaging:room", args=[world["room"].pk]))
    assert response.status_code == 404


def test_the_page_speaks_the_officials_language(client, world):
    world["sari"].language = "en"
    world["sari"].save()
    client.force_login(world["sari"])
    response = client.get(reverse("messaging:room", args=[world["room"].pk]))
    assert catalogue_of(response)["messages.connected"] == "Connected"
    assert "Write a message" in response.content.decode()
    client.force_login(world["andi"])
    response = client.get(reverse("messaging:room", args=[world["room"].pk]))
    assert catalogue_of(response)["messages.connected"] == "Terhubung"
    assert "New coordination room" not in response.content.decode()


def test_members_do_not_get_the_organisers_tools(client, world):
    client.force_login(world["nurul"])
    html = client.get(reverse("messaging:room", args=[world["room"].pk])).content.decode()
    assert "directive-ack" not in html and "room-dialog" not in html


def test_the_dashboard_shows_unread_rooms_and_directives(client, world):
    import uuid

    timeline_services.message_post(
        author=world["budi"], room_id=world["room"].pk, body="halo", client_id=uuid.uuid4()
    )
    timeline_services.message_post(
        author=world["budi"],
        room_id=world["room"].pk,
        body="Kirim data",
        client_id=uuid.uuid4(),
        directive=Directive(ack_by="member"),
    )
    client.force_login(world["andi"])
    html = client.get("/").content.decode()
    assert "Rakor inflasi daerah" in html and "Kirim data" in html
    assert "Menunggu tanggapan Anda" in html
