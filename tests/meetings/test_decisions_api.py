"""The decision log over the API and the socket: decisions, actions and progress recorded
and read per the visibility policy; bad input a 400 that changes nothing; the lists and
their filters, the CSV export, the per-province summary, the log's status; `decision` and
`action_updated` frames reaching the meeting's subscribers and the owing agency."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from coordination.organisation.models import Role
from meetings.models import Decision, DecisionLogEntry, FollowUpAction
from meetings.services import decisions
from tests.factories import OfficialFactory
from tests.messaging.test_rooms_socket import connect, frames_until

JSON = "application/json"


def _due(days=10):
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


@pytest.mark.django_db
def test_a_decision_with_an_action_and_its_progress_over_the_api(world, regions, decided, api):
    meeting = decided["meeting"]
    path = f"/api/v1/meetings/{meeting.pk}/decisions"
    made = api("andi").post(
        path, {"text": "Gowa melaporkan stok beras", "tags": ["Beras"]}, content_type=JSON
    )
    assert made.status_code == 201, made.content
    decision = made.json()
    assert decision["tags"] == ["beras"] and decision["status"] == "adopted"
    assert decision["recorded_by"]["username"] == "andi" and decision["actions"] == []
    assigned = api("andi").post(
        f"/api/v1/decisions/{decision['id']}/actions",
        {"description": "Laporan stok", "agency": "gowa", "assignee": "wulan", "due": _due()},
        content_type=JSON,
    )
    assert assigned.status_code == 201, assigned.content
    action = assigned.json()
    assert action["agency"]["code"] == "gowa" and action["assignee"]["username"] == "wulan"
    assert action["status"] == "open" and action["overdue"] is False
    update = api("wulan").post(
        f"/api/v1/actions/{action['id']}/updates",
        {"status": "done", "comment": "Stok 1.200 ton, laporan terlampir"},
        content_type=JSON,
    )
    assert update.status_code == 201 and update.json()["status"] == "done"
    detail = api("wulan").get(f"/api/v1/actions/{action['id']}").json()
    assert detail["status"] == "done" and [u["status"] for u in detail["updates"]] == ["done"]
    read = api("wulan").get(f"/api/v1/decisions/{decision['id']}").json()
    assert [h["kind"] for h in read["history"]] == ["decision", "action", "action_update"]
    listed = api("andi").get(path).json()["items"]
    assert [d["id"] for d in listed] == [decided["decision"].pk, decision["id"]]
    status = api("outsider").get("/api/v1/decision-log/status").json()
    assert status == {
        "intact": True,
        "head": DecisionLogEntry.objects.order_by("-position").first().hash,
        "entries": 4,
        "first_bad": None,
    }


@pytest.mark.django_db
def test_with_files_attached(world, regions, decided, api):
    from django.core.files.uploadedfile import SimpleUploadedFile

    action = decisions.action_assign(
        by=world["nurul"],
        decision_id=decided["decision"].pk,
        description="Foto penyaluran",
        agency_code="gowa",
        assignee_username="wulan",
        due=timezone.localdate(),
    )
    sent = api("wulan").post(
        f"/api/v1/actions/{action.pk}/updates/files",
        {
            "status": "done",
            "comment": "Terlampir",
            "files": [SimpleUploadedFile("bukti.txt", b"bukti penyaluran\n", "text/plain")],
        },
    )
    assert sent.status_code == 201, sent.content
    [file] = sent.json()["attachments"]
    got = api("andi").get(f"/api/v1/action-files/{file['id']}")
    assert got.status_code == 200 and b"".join(got.streaming_content) == b"bukti penyaluran\n"
    assert got["Content-Disposition"].startswith("attachment")
    assert api("maria").get(f"/api/v1/action-files/{file['id']}").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("decisions", {"text": ""}, None),
        ("decisions", {"text": "x", "tags": "pangan"}, None),
        ("decisions", {"text": "x", "agenda_item": 0}, None),
        ("decisions", {"text": "x", "decided_at": "kemarin"}, None),
        ("decisions", {"text": "x", "classification": "top"}, None),
        ("actions", {"description": "x", "agency": "gowa", "due": "2026-13-01"}, None),
        ("actions", {"description": "x", "agency": "atlantis", "due": "2026-12-01"}, "agency"),
        (
            "actions",
            {"description": "x", "agency": "gowa", "assignee": "andi", "due": "2026-12-01"},
            "assignee",
        ),
        ("actions", {"description": "x", "agency": "gowa"}, None),
        ("status", {"status": "revoked"}, "reason"),
        ("status", {"status": "adopted"}, None),
        ("status", {"status": "superseded", "superseded_by": 10**12}, "superseded_by"),
    ],
)
def test_bad_input_is_a_400_and_changes_nothing(world, regions, decided, api, path, body, field):
    base = {
        "decisions": f"/api/v1/meetings/{decided['meeting'].pk}/decisions",
        "actions": f"/api/v1/decisions/{decided['decision'].pk}/actions",
        "status": f"/api/v1/decisions/{decided['decision'].pk}/status",
    }[path]
    before = (
        Decision.objects.count(),
        FollowUpAction.objects.count(),
        DecisionLogEntry.objects.count(),
    )
    answer = api("nurul").post(base, body, content_type=JSON)
    assert answer.status_code == 400, answer.content
    error = answer.json()
    assert error["code"] and error["message"]
    if field:
        assert field in error["fields"]
    after = (
        Decision.objects.count(),
        FollowUpAction.objects.count(),
        DecisionLogEntry.objects.count(),
    )
    assert after == before
    assert Decision.objects.get(pk=decided["decision"].pk).status == "adopted"


@pytest.fixture
def spread(world, regions, decided):
    """Actions owed across the tree: Gowa (a regency of Sulawesi Selatan), Sulawesi Selatan,
    Jayapura (a regency of Papua); one of Gowa overdue, one of Jayapura done."""
    decision = decided["decision"]
    today = timezone.localdate()

    def assign(agency, days, text, assignee=None):
        return decisions.action_assign(
            by=world["budi"],
            decision_id=decision.pk,
            description=text,
            agency_code=agency,
            assignee_username=assignee,
            due=today + datetime.timedelta(days=days),
        )

    actions = {
        "gowa": assign("gowa", 5, "Data stok Gowa"),
        "gowa_late": assign("gowa", -3, "Laporan Gowa terlambat"),
        "sulsel": assign("sulsel", 7, "Rekap provinsi"),
        "jayapura": assign("jayapura", 3, "Data stok Jayapura"),
    }
    decisions.action_update(
        by=regions["maria"], action_id=actions["jayapura"].pk, status="done", comment="Selesai"
    )
    return actions


@pytest.mark.django_db
def test_visibility_by_agency_and_oversight(world, regions, spread, api):
    world["koor_sulsel"] = OfficialFactory(
        username="koor_sulsel", agency=world["sulsel"], role=Role.COORDINATOR
    )

    def seen(who, query=""):
        answer = api(who).get(f"/api/v1/actions{query}")
        assert answer.status_code == 200, answer.content
        return {item["description"] for item in answer.json()["items"]}

    gowa = {"Data stok Gowa", "Laporan Gowa terlambat"}
    assert seen("wulan") == gowa  # her agency's own (biasa)
    assert seen("koor_sulsel") == gowa | {"Rekap provinsi"}  # the province and its regencies
    assert seen("yohanes") == {"Data stok Jayapura"}  # Papua oversees Jayapura only
    assert seen("maria") == {"Data stok Jayapura"}
    assert seen("outsider") == {"Rekap provinsi"}  # a member of Sulawesi Selatan itself
    assert seen("budi") == gowa | {"Rekap provinsi", "Data stok Jayapura"}  # the organiser
    assert seen("koor_sulsel", "?province=gowa") == gowa
    assert seen("koor_sulsel", "?overdue=true") == {"Laporan Gowa terlambat"}
    assert seen("budi", "?status=done") == {"Data stok Jayapura"}
    assert seen("budi", "?province=papua") == {"Data stok Jayapura"}
    unknown = api("budi").get("/api/v1/actions?province=atlantis")
    assert unknown.status_code == 200 and unknown.json()["items"] == []  # a filter matching none
    assert api("maria").get(f"/api/v1/actions/{spread['gowa'].pk}").status_code == 404
    summary = {row["code"]: row for row in api("budi").get("/api/v1/actions/summary").json()}
    assert summary["sulsel"]["open"] == 2 and summary["sulsel"]["overdue"] == 1
    assert summary["papua"]["done_on_time"] == 1


@pytest.mark.django_db
def test_a_rahasia_decision_is_seen_by_named_participants_only(world, regions, schedule, api):
    meeting = schedule(
        classification="rahasia", participants=[{"username": "andi", "role": "chair"}]
    )
    decision = decisions.decision_record(by=world["andi"], meeting_id=meeting.pk, text="Rahasia")
    decisions.action_assign(
        by=world["andi"],
        decision_id=decision.pk,
        description="Tindak rahasia",
        agency_code="gowa",
        due=timezone.localdate(),
    )
    assert api("rahmat").get("/api/v1/actions").json()["items"] == []
    assert api("rahmat").get(f"/api/v1/decisions/{decision.pk}").status_code == 404
    assert [a["description"] for a in api("andi").get("/api/v1/actions").json()["items"]] == [
        "Tindak rahasia"
    ]


@pytest.mark.django_db
def test_the_csv_export(world, regions, spread, api):
    answer = api("budi").get("/api/v1/actions/export.csv?province=sulsel")
    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/csv")
    entries, head = answer["X-Rakor-Decision-Log-Head"].split()
    assert int(entries) == DecisionLogEntry.objects.count() and len(head) == 64
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert sorted(r["description"] for r in rows) == [
        "Data stok Gowa",
        "Laporan Gowa terlambat",
        "Rekap provinsi",
    ]
    late = next(r for r in rows if r["description"] == "Laporan Gowa terlambat")
    assert late["agency"] == "gowa" and late["overdue"] == "yes" and late["status"] == "open"
    assert {r["decision_log_head"] for r in rows} == {f"{entries} {head}"}
    page = api("budi").get("/actions/export.csv?scope=agency")
    assert page.status_code in (200, 302)


@pytest.mark.django_db
def test_the_csv_export_neutralises_formulas(world, regions, decided, api):
    decisions.action_assign(
        by=world["budi"],
        decision_id=decided["decision"].pk,
        description='=HYPERLINK("http://example.com","klik")',
        agency_code="gowa",
        due=timezone.localdate(),
    )
    body = api("budi").get("/api/v1/actions/export.csv").content.decode("utf-8-sig")
    [row] = list(csv.DictReader(io.StringIO(body)))
    assert row["description"].startswith("'=")


@pytest.mark.django_db(transaction=True)
async def test_decisions_and_actions_reach_subscribers_and_the_owing_agency_live(
    world, regions, decided
):
    follower = await connect(world["andi"])
    await follower.send_json_to({"type": "subscribe", "meeting": decided["meeting"].pk})
    await frames_until(follower, "subscribed")
    owing = await connect(regions["wulan"])  # not a participant: reached as Gowa's official
    elsewhere = await connect(regions["maria"])
    action = await database_sync_to_async(decisions.action_assign)(
        by=world["nurul"],
        decision_id=decided["decision"].pk,
        description="Data stok",
        agency_code="gowa",
        due=timezone.localdate(),
    )
    [*_, frame] = await frames_until(follower, "action_updated")
    assert frame["action"]["id"] == action.pk and frame["meeting"] == decided["meeting"].pk
    [*_, frame] = await frames_until(owing, "action_updated")
    assert frame["action"]["agency"]["code"] == "gowa"
    await database_sync_to_async(decisions.decision_record)(
        by=world["nurul"], meeting_id=decided["meeting"].pk, text="Keputusan kedua"
    )
    [*_, frame] = await frames_until(follower, "decision")
    assert frame["decision"]["text"] == "Keputusan kedua"
    assert await elsewhere.receive_nothing(timeout=0.3)
    for socket in (follower, owing, elsewhere):
        await socket.disconnect()


@pytest.mark.django_db
def test_an_agency_sees_a_decision_through_its_action_but_not_the_other_agencies(
    world, regions, spread, api, client
):
    decision = spread["gowa"].decision_id
    read = api("wulan").get(f"/api/v1/decisions/{decision}")
    assert read.status_code == 200
    body = read.json()
    assert {a["agency"]["code"] for a in body["actions"]} == {"gowa"}
    history = str(body["history"])
    assert "Data stok Jayapura" not in history and "Selesai" not in history
    assert {h["kind"] for h in body["history"]} == {"decision", "action"}
    listed = api("wulan").get("/api/v1/decisions").json()["items"]
    assert [{a["agency"]["code"] for a in d["actions"]} for d in listed] == [{"gowa"}]
    client.force_login(regions["wulan"])
    page = client.get(f"/decisions/{decision}")
    assert page.status_code == 200 and "Data stok Gowa" in page.content.decode()
    assert "Data stok Jayapura" not in page.content.decode()


@pytest.mark.django_db
def test_far_away_dates_are_no_bound_not_an_error(world, regions, decided, api, client):
    for query in ("since=0001-01-01", "until=9999-12-31", "since=1970-01-01&until=9000-01-01"):
        answer = api("andi").get(f"/api/v1/decisions?{query}")
        assert answer.status_code == 200, (query, answer.content)
        assert len(answer.json()["items"]) == 1
    client.force_login(world["andi"])
    page = client.get("/decisions/?until=9999-12-31&since=0001-01-01")
    assert page.status_code == 200 and decided["decision"].text in page.content.decode()


@pytest.mark.django_db
def test_the_log_status_is_rate_limited(world, decided, api, settings):
    from django.core.cache import cache

    cache.clear()
    answers = [api("sari").get("/api/v1/decision-log/status").status_code for _ in range(12)]
    assert answers[:10] == [200] * 10 and answers[10:] == [429, 429]
    assert api("andi").get("/api/v1/decision-log/status").status_code == 200  # per official


@pytest.mark.django_db(transaction=True)
async def test_a_subscriber_who_may_not_see_the_decisions_gets_none_of_their_frames(
    world, regions, decided
):
    # sari sees the meeting (her agency organised it) but not its decisions.
    sari = await connect(world["sari"])
    await sari.send_json_to({"type": "subscribe", "meeting": decided["meeting"].pk})
    await frames_until(sari, "subscribed")
    andi = await connect(world["andi"])  # the chair, not subscribed: reached all the same
    await database_sync_to_async(decisions.decision_record)(
        by=world["nurul"], meeting_id=decided["meeting"].pk, text="Hanya peserta"
    )
    [*_, frame] = await frames_until(andi, "decision")
    assert frame["decision"]["text"] == "Hanya peserta" and "actions" not in frame["decision"]
    assert await sari.receive_nothing(timeout=0.3)
    for socket in (sari, andi):
        await socket.disconnect()
