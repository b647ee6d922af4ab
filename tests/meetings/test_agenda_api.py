"""The agenda over the API and the socket: who may do what (403 and 404), versions (409 with
`current`, 428 without If-Match), proposals, and changes reaching two sockets in order."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from meetings.services import agenda
from tests.messaging.test_rooms_socket import connect, frames_until

JSON = "application/json"


@pytest.fixture
def meeting(schedule):
    return schedule(
        participants=[
            {"username": "andi", "role": "chair"},
            {"username": "nurul", "role": "required"},
        ]
    )


def url(meeting, rest=""):
    return f"/api/v1/meetings/{meeting.pk}/agenda{rest}"


@pytest.mark.django_db
def test_the_agenda_is_written_and_read_over_the_api(world, meeting, api):
    created = api("budi").post(
        url(meeting),
        {"title": "Laporan inflasi", "planned_minutes": 100, "presenter": {"agency": "sulsel"}},
        content_type=JSON,
    )
    assert created.status_code == 201, created.content
    item = created.json()
    assert item["position"] == 0 and item["version"] == 1 and item["status"] == "pending"
    read = api("nurul").get(url(meeting)).json()
    assert [i["title"] for i in read["items"]] == ["Laporan inflasi"]
    assert read["planned_minutes"] == 100 and read["meeting_minutes"] == 90
    assert read["over_by_minutes"] == 10  # the page warns
    assert read["may_edit"] is False and read["may_propose"] is True
    # sari sees the meeting (its organising agency), takes no part: reads, may not propose.
    seen = api("sari").get(url(meeting)).json()
    assert seen["may_propose"] is False and len(seen["items"]) == 1
    refused = api("sari").post(url(meeting, "/proposals"), {"title": "X"}, content_type=JSON)
    assert refused.status_code == 403
    # outsider may not see the meeting: 404 on every path.
    assert api("outsider").get(url(meeting)).status_code == 404
    assert (
        api("outsider")
        .patch(
            f"/api/v1/agenda-items/{item['id']}", {"title": "X", "version": 1}, content_type=JSON
        )
        .status_code
        == 404
    )
    # A participant may not reorder.
    order = {"items": [item["id"]], "version": read["version"]}
    assert api("nurul").post(url(meeting, "/order"), order, content_type=JSON).status_code == 403
    assert api("andi").post(url(meeting, "/order"), order, content_type=JSON).status_code == 200


@pytest.mark.django_db
def test_an_old_version_is_409_with_current_and_delete_needs_if_match(world, meeting, api):
    item = api("budi").post(url(meeting), {"title": "Pembukaan"}, content_type=JSON).json()
    path = f"/api/v1/agenda-items/{item['id']}"
    first = api("andi").patch(path, {"title": "Pembukaan rapat", "version": 1}, content_type=JSON)
    assert first.status_code == 200 and first.json()["version"] == 2
    second = api("budi").patch(path, {"title": "Sambutan", "version": 1}, content_type=JSON)
    assert second.status_code == 409
    assert second.json()["code"] == "conflict"
    assert second.json()["current"]["title"] == "Pembukaan rapat"
    assert second.json()["current"]["version"] == 2
    missing = api("budi").delete(path)  # a DELETE says which version it removes
    assert missing.status_code == 400 and missing.json()["code"] == "invalid"
    assert api("budi").delete(path, HTTP_IF_MATCH="nonsense").status_code == 400
    assert api("budi").delete(path, HTTP_IF_MATCH='"1"').status_code == 409
    assert api("budi").delete(path, HTTP_IF_MATCH='"2"').status_code == 204
    assert api("budi").get(url(meeting)).json()["items"] == []
    stale = api("budi").post(url(meeting, "/order"), {"items": [], "version": 1}, content_type=JSON)
    assert stale.status_code == 409 and stale.json()["current"]["items"] == []


@pytest.mark.django_db
def test_bad_input_is_400_and_changes_nothing(world, meeting, api):
    for bad in (
        {"title": ""},
        {"title": "   "},
        {"title": "A", "planned_minutes": 0},
        {"title": "A", "planned_minutes": 601},
        {"title": "A", "outcome": "vote"},
        {"title": "A", "links": ["javascript:alert(1)"]},
        {"title": "A", "presenter": {"username": "andi", "agency": "sulsel"}},
        {"title": "x" * 201},
    ):
        response = api("budi").post(url(meeting), bad, content_type=JSON)
        assert response.status_code == 400, bad
        assert response.json()["code"] == "invalid"
    assert api("budi").get(url(meeting)).json()["items"] == []


@pytest.mark.django_db
def test_a_proposal_is_accepted_over_the_api(world, meeting, api):
    proposed = api("nurul").post(
        url(meeting, "/proposals"),
        {"title": "Stok beras", "planned_minutes": 15},
        content_type=JSON,
    )
    assert proposed.status_code == 201
    proposal = proposed.json()
    assert proposal["status"] == "pending" and proposal["proposed_by"]["username"] == "nurul"
    assert api("nurul").post(f"/api/v1/agenda-proposals/{proposal['id']}/accept").status_code == 403
    accepted = api("budi").post(f"/api/v1/agenda-proposals/{proposal['id']}/accept")
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    again = api("budi").post(
        f"/api/v1/agenda-proposals/{proposal['id']}/decline", {}, content_type=JSON
    )
    assert again.status_code == 409
    assert [i["title"] for i in api("nurul").get(url(meeting)).json()["items"]] == ["Stok beras"]


@pytest.mark.django_db(transaction=True)
async def test_changes_reach_two_sockets_in_order(world, meeting):
    sockets = [await connect(world["andi"]), await connect(world["sari"])]
    for socket in sockets:
        await socket.send_json_to({"type": "subscribe", "meeting": meeting.pk})
        await frames_until(socket, "subscribed")
    first = await database_sync_to_async(agenda.agenda_item_add)(
        by=world["budi"], meeting_id=meeting.pk, title="Pembukaan"
    )
    second = await database_sync_to_async(agenda.agenda_item_add)(
        by=world["budi"], meeting_id=meeting.pk, title="Laporan", position=0
    )
    await database_sync_to_async(agenda.agenda_item_update)(
        by=world["andi"], item_id=first.pk, version=1, changes={"planned_minutes": 30}
    )
    for socket in sockets:
        received = []
        while len(received) < 5:
            frame = await socket.receive_json_from(5)
            if frame["type"].startswith("agenda"):
                received.append(frame)
        assert [
            (
                f["type"],
                f.get("item", {}).get("title") if f["type"] == "agenda_item" else f.get("items"),
            )
            for f in received
        ] == [
            ("agenda_item", "Pembukaan"),
            ("agenda_order", [first.pk]),
            ("agenda_item", "Laporan"),
            ("agenda_order", [second.pk, first.pk]),
            ("agenda_item", "Pembukaan"),
        ]
        assert received[-1]["item"]["planned_minutes"] == 30
        assert received[-1]["item"]["version"] == 2
    # A late page reads the whole agenda with one frame.
    await sockets[1].send_json_to({"type": "agenda", "meeting": meeting.pk, "ref": 7})
    [state] = [f for f in await frames_until(sockets[1], "agenda")]
    assert state["ref"] == 7 and [i["title"] for i in state["items"]] == ["Laporan", "Pembukaan"]
    for socket in sockets:
        await socket.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_one_who_may_not_see_the_meeting_gets_no_agenda(world, meeting):
    socket = await connect(world["outsider"])
    await socket.send_json_to({"type": "agenda", "meeting": meeting.pk, "ref": 1})
    [error] = await frames_until(socket, "error")
    assert error["code"] == "not_found" and error["ref"] == 1
    await socket.disconnect()


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.mark.django_db
def test_documents_to_read_ahead_follow_the_meetings_visibility(world, meeting, api):
    from django.core.files.uploadedfile import SimpleUploadedFile

    item = api("budi").post(url(meeting), {"title": "Laporan"}, content_type=JSON).json()
    upload = f"/api/v1/agenda-items/{item['id']}/documents"
    refused = api("nurul").post(upload, {"file": SimpleUploadedFile("a.pdf", PDF)})
    assert refused.status_code == 403  # a participant does not edit the agenda
    wrong = api("budi").post(upload, {"file": SimpleUploadedFile("a.pdf", b"MZ\x90\x00binary")})
    assert wrong.status_code == 415
    created = api("budi").post(upload, {"file": SimpleUploadedFile("bahan rapat.pdf", PDF)})
    assert created.status_code == 201, created.content
    document = created.json()
    assert document["name"] == "bahan rapat.pdf" and document["content_type"] == "application/pdf"
    [shown] = api("sari").get(url(meeting)).json()["items"]
    assert shown["documents"] == [document] and shown["version"] == 2
    download = api("sari").get(document["url"])  # sees the meeting: reads the documents
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert download["Cache-Control"] == "private, no-store"
    assert api("outsider").get(document["url"]).status_code == 404
    assert api("nurul").delete(document["url"]).status_code == 403
    assert api("budi").delete(document["url"]).status_code == 204
    assert api("sari").get(document["url"]).status_code == 404


@pytest.mark.django_db
def test_a_template_is_saved_for_the_agency_and_applied(world, meeting, schedule, api):
    for title in ("Pembukaan", "Laporan provinsi", "Penutup"):
        api("budi").post(url(meeting), {"title": title, "planned_minutes": 20}, content_type=JSON)
    saved = api("budi").post(
        url(meeting, "/templates"), {"name": "Rakor bulanan daerah"}, content_type=JSON
    )
    assert saved.status_code == 201 and saved.json()["planned_minutes"] == 60
    template = saved.json()["id"]
    # budi's agency sees it; andi's (another agency) does not.
    assert [t["name"] for t in api("sari").get("/api/v1/agenda-templates").json()["items"]] == [
        "Rakor bulanan daerah"
    ]
    assert api("andi").get("/api/v1/agenda-templates").json()["items"] == []
    other = schedule(title="Rakor bulan depan")
    version = api("budi").get(url(other)).json()["version"]
    applied = api("budi").post(
        url(other, "/apply-template"), {"template": template, "version": version}, content_type=JSON
    )
    assert applied.status_code == 200
    assert [i["title"] for i in applied.json()["items"]] == [
        "Pembukaan",
        "Laporan provinsi",
        "Penutup",
    ]
    stale = api("budi").post(
        url(other, "/apply-template"), {"template": template, "version": version}, content_type=JSON
    )
    assert stale.status_code == 409
    assert api("andi").delete(f"/api/v1/agenda-templates/{template}").status_code == 404
    assert api("sari").delete(f"/api/v1/agenda-templates/{template}").status_code == 403
    assert api("budi").delete(f"/api/v1/agenda-templates/{template}").status_code == 204
