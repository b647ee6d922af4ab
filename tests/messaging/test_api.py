"""The messaging API, through the same services as the socket."""

from __future__ import annotations

import json
import uuid

import pytest

from coordination.organisation.services import token_create
from messaging.models import Membership, Message
from messaging.services import timeline as timeline_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client, world):
    def as_(who):
        raw = token_create(official=world[who], name="api")[1]
        client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
        return client

    return as_


def test_rooms_list_with_unread_counts_and_heads(api, world, django_assert_max_num_queries):
    room = world["room"]
    for _ in range(2):
        timeline_services.message_post(
            author=world["budi"], room_id=room.pk, body="x", client_id=uuid.uuid4()
        )
    client = api("andi")
    with django_assert_max_num_queries(4):
        body = client.get("/api/v1/rooms").json()
    assert body["next"] is None
    (item,) = (r for r in body["items"] if r["id"] == room.pk)
    assert item["unread"] == 2 and item["head"] == 2 and item["kind"] == "coordination"
    assert client.get(f"/api/v1/rooms/{room.pk}").json()["name"] == "Rakor inflasi daerah"


def test_post_is_idempotent_and_reaches_the_timeline(api, world):
    client = api("andi")
    url = f"/api/v1/rooms/{world['room'].pk}/messages"
    client_id = str(uuid.uuid4())
    first = client.post(
        url, {"body": "Data *BPS* terbaru", "client_id": client_id}, content_type="application/json"
    )
    assert first.status_code == 201
    assert first.json()["html"] == "<p>Data <em>BPS</em> terbaru</p>"
    again = client.post(
        url, {"body": "lain", "client_id": client_id}, content_type="application/json"
    )
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert Message.objects.count() == 1
    page = client.get(url, {"after": 0}).json()
    assert [item["seq"] for item in page["items"]] == [1] and page["next"] is None


def test_timeline_pages_forward_and_backward(api, world):
    for n in range(7):
        timeline_services.message_post(
            author=world["budi"], room_id=world["room"].pk, body=f"m{n}", client_id=uuid.uuid4()
        )
    client = api("andi")
    url = f"/api/v1/rooms/{world['room'].pk}/messages"
    page = client.get(url, {"after": 0, "limit": 3}).json()
    assert [i["seq"] for i in page["items"]] == [1, 2, 3] and page["next"] == 3
    page = client.get(url, {"after": page["next"], "limit": 3}).json()
    assert [i["seq"] for i in page["items"]] == [4, 5, 6]
    latest = client.get(url, {"limit": 3}).json()
    assert [i["seq"] for i in latest["items"]] == [5, 6, 7]
    older = client.get(url, {"before": 5, "limit": 3}).json()
    assert [i["seq"] for i in older["items"]] == [2, 3, 4] and older["next"] == 2
    assert [i["seq"] for i in client.get(url, {"before": 2, "limit": 3}).json()["items"]] == [1]


def test_edit_delete_and_read(api, world):
    client = api("budi")
    message, _ = timeline_services.message_post(
        author=world["budi"], room_id=world["room"].pk, body="a", client_id=uuid.uuid4()
    )
    edited = client.patch(
        f"/api/v1/messages/{message.pk}", {"body": "b"}, content_type="application/json"
    )
    assert edited.json() == {"room": world["room"].pk, "seq": 2, "id": message.pk}
    assert client.delete(f"/api/v1/messages/{message.pk}").json()["seq"] == 3
    read = client.post(
        f"/api/v1/rooms/{world['room'].pk}/read", {"seq": 3}, content_type="application/json"
    )
    assert read.json() == {"room": world["room"].pk, "seq": 3}


def test_others_cannot_edit(api, world):
    message, _ = timeline_services.message_post(
        author=world["budi"], room_id=world["room"].pk, body="a", client_id=uuid.uuid4()
    )
    response = api("andi").patch(
        f"/api/v1/messages/{message.pk}", {"body": "b"}, content_type="application/json"
    )
    assert response.status_code == 403 and response.json()["code"] == "forbidden"


def test_coordination_rooms_and_members(api, world):
    client = api("andi")
    created = client.post(
        "/api/v1/rooms",
        {"name": "Rakor stunting", "members": ["nurul"]},
        content_type="application/json",
    )
    assert created.status_code == 201
    room_id = created.json()["id"]
    assert created.json()["is_admin"] is True
    added = client.post(
        f"/api/v1/rooms/{room_id}/members", {"usernames": ["budi"]}, content_type="application/json"
    )
    assert {m["username"] for m in added.json()["items"]} == {"andi", "nurul", "budi"}
    assert client.delete(f"/api/v1/rooms/{room_id}/members/nurul").status_code == 204
    members = client.get(f"/api/v1/rooms/{room_id}/members").json()["items"]
    assert {m["username"] for m in members} == {"andi", "budi"}
    archived = client.post(f"/api/v1/rooms/{room_id}/archive")
    assert archived.json()["archived"] is True


def test_members_cannot_create_rooms_and_non_admins_cannot_manage(api, world):
    assert (
        api("nurul")
        .post("/api/v1/rooms", {"name": "x"}, content_type="application/json")
        .status_code
        == 403
    )
    response = api("nurul").post(
        f"/api/v1/rooms/{world['room'].pk}/members",
        {"usernames": ["outsider"]},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert not Membership.objects.filter(official=world["outsider"]).exists()


def test_direct_conversation_is_the_same_room_both_ways(api, world):
    first = api("budi").post(
        "/api/v1/direct", {"usernames": ["andi"]}, content_type="application/json"
    )
    assert first.status_code == 201
    second = api("andi").post(
        "/api/v1/direct", {"usernames": ["budi"]}, content_type="application/json"
    )
    assert second.status_code == 200 and second.json()["id"] == first.json()["id"]


@pytest.mark.parametrize(
    ("method", "path", "payload", "status", "code"),
    [
        ("get", "/api/v1/rooms/999999", None, 404, "not_found"),
        ("get", "/api/v1/rooms/ROOM/messages?after=-1", None, 400, "invalid"),
        ("post", "/api/v1/rooms/ROOM/messages", {"body": "", "client_id": "x"}, 400, "invalid"),
        (
            "post",
            "/api/v1/rooms/ROOM/messages",
            {"body": "x" * 10_001, "client_id": str(uuid.uuid4())},
            400,
            "body_too_long",
        ),
        (
            "post",
            "/api/v1/rooms/ROOM/messages",
            {"body": "a\\u0000b", "client_id": str(uuid.uuid4())},
            400,
            "invalid",
        ),
        ("post", "/api/v1/rooms", {"name": "x", "members": ["nobody"]}, 404, "not_found"),
        ("delete", "/api/v1/rooms/ROOM/members/budi", None, 409, "conflict"),
        ("post", "/api/v1/direct", {"usernames": []}, 400, "invalid"),
        ("post", "/api/v1/rooms/ROOM/read", {"seq": True}, 400, "invalid"),
        (
            "post",
            "/api/v1/rooms/ROOM/messages",
            {"body": "x", "client_id": str(uuid.uuid4()), "attachments": [1]},
            404,
            "not_found",
        ),
        (
            "post",
            "/api/v1/rooms/ROOM/messages",
            {"body": "\u200b", "client_id": str(uuid.uuid4())},
            400,
            "invalid",
        ),
    ],
)
def test_bad_requests_get_the_error_shape_and_change_nothing(
    api, world, method, path, payload, status, code
):
    client = api("budi")
    path = path.replace("ROOM", str(world["room"].pk))
    kwargs = {"content_type": "application/json"} if payload is not None else {}
    if isinstance(payload, dict) and payload.get("body") == "a\\u0000b":
        payload = json.dumps({"body": "a\x00b", "client_id": str(uuid.uuid4())})
    response = (
        getattr(client, method)(path, payload, **kwargs)
        if payload is not None
        else (getattr(client, method)(path))
    )
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    assert Message.objects.count() == 0


def test_non_members_get_forbidden(api, world):
    response = api("outsider").get(f"/api/v1/rooms/{world['room'].pk}/messages")
    assert response.status_code == 403


def test_a_direct_conversation_has_the_same_name_in_the_api_as_on_the_pages(client, world):
    """One home for the name (selectors.room_display_name): the API's display_name, the
    messages page and the dashboard agree."""
    from messaging.services import rooms as room_services

    room, _ = room_services.direct_room_get_or_create(by=world["budi"], usernames=["andi"])
    notes, _ = room_services.direct_room_get_or_create(by=world["budi"], usernames=[])
    client.force_login(world["budi"])
    items = {r["id"]: r for r in client.get("/api/v1/rooms").json()["items"]}
    assert items[room.pk]["display_name"] == world["andi"].display_name
    assert items[room.pk]["name"] == ""
    assert items[notes.pk]["display_name"] == "Catatan Anda"
    coordination = items[world["room"].pk]
    assert coordination["display_name"] == coordination["name"] == "Rakor inflasi daerah"
    single = client.get(f"/api/v1/rooms/{room.pk}").json()
    assert single["display_name"] == world["andi"].display_name
    page = client.get("/messages/").content.decode()
    assert world["andi"].display_name in page and "Catatan Anda" in page
