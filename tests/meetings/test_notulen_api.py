"""The notulen over the API and the socket: written, approved, exported; conflicts, who
reads what, and `notulen_updated` reaching those who follow the meeting."""

from __future__ import annotations

import io

import pytest
from channels.db import database_sync_to_async
from pypdf import PdfReader

from meetings.services import agenda, notulen
from tests.messaging.test_rooms_socket import connect, frames_until

JSON = "application/json"


@pytest.fixture
def meeting(schedule):
    return schedule(
        participants=[
            {"username": "andi", "role": "chair"},
            {"username": "nurul", "role": "note_taker"},
        ]
    )


@pytest.mark.django_db
def test_the_notulen_over_the_api(world, meeting, api):
    item = agenda.agenda_item_add(by=world["budi"], meeting_id=meeting.pk, title="Harga beras")
    path = f"/api/v1/meetings/{meeting.pk}/notulen"
    assert api("nurul").get(path).json()["revision"] == 0
    assert api("sari").get(path).status_code == 404  # not approved yet, not a participant
    assert api("outsider").get(path).status_code == 404
    body = {"version": 0, "items": [{"item": item.pk, "notes": "Naik 12%"}], "decisions": "Ops"}
    assert api("andi").put(path, body, content_type=JSON).status_code == 403
    saved = api("nurul").put(path, body, content_type=JSON)
    assert saved.status_code == 200 and saved.json()["version"] == 1
    stale = api("nurul").put(path, body, content_type=JSON)
    assert stale.status_code == 409 and stale.json()["current"]["version"] == 1
    bad = api("nurul").put(
        path, {"version": 1, "items": [{"item": 0, "notes": ""}]}, content_type=JSON
    )
    assert bad.status_code == 400
    submitted = api("nurul").post(f"{path}/submit", {"version": 1}, content_type=JSON)
    assert submitted.json()["status"] == "submitted"
    assert api("andi").get(f"{path}.pdf").status_code == 404  # not approved yet
    approved = api("andi").post(f"{path}/approve", {"version": 2}, content_type=JSON)
    assert approved.json()["status"] == "approved"
    read = api("sari").get(path).json()
    assert read["items"] == [{"item": item.pk, "notes": "Naik 12%"}] and read["may_write"] is False
    pdf = api("sari").get(f"{path}.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Harga beras" in text and "Naik 12%" in text
    markdown = api("sari").get(f"{path}.md")
    assert markdown["Content-Type"].startswith("text/markdown")
    assert "Naik 12%" in markdown.content.decode()
    assert api("outsider").get(f"{path}.md").status_code == 404


@pytest.mark.django_db(transaction=True)
async def test_the_note_takers_notes_are_announced_live(world, meeting):
    socket = await connect(world["andi"])
    await socket.send_json_to({"type": "subscribe", "meeting": meeting.pk})
    await frames_until(socket, "subscribed")
    await database_sync_to_async(notulen.notulen_save)(
        by=world["nurul"], meeting_id=meeting.pk, version=0, items={}, sections={"opening": "x"}
    )
    [*_, frame] = await frames_until(socket, "notulen_updated")
    assert frame == {
        "type": "notulen_updated",
        "meeting": meeting.pk,
        "revision": 1,
        "status": "draft",
        "version": 1,
    }
    await socket.disconnect()
