"""The decision log's pages through Django's test client, in Indonesian: recording a
decision on its meeting's decisions page, assigning an action and changing a status on the
decision's page, reporting progress (with a file) on the action's page, the Tindak lanjut
page with its summary per province; a refused form comes back with what was typed."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from meetings.models import ActionUpdate, Decision, FollowUpAction
from meetings.services import decisions

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_(client):
    def login(official):
        client.force_login(official)
        client.cookies["django_language"] = "id"
        return client

    return login


def test_the_navigation_leads_to_the_decisions_and_the_actions(world, as_):
    page = as_(world["sari"]).get("/").content.decode()
    assert 'href="/decisions/"' in page and 'href="/actions/"' in page
    assert "site-nav__soon" not in page


def test_recording_a_decision_on_the_meetings_page(world, regions, decided, as_):
    meeting = decided["meeting"]
    client = as_(world["nurul"])
    page = client.get(f"/decisions/?meeting={meeting.pk}")
    assert page.status_code == 200 and 'id="record"' in page.content.decode()
    refused = client.post(
        f"/decisions/?meeting={meeting.pk}",
        {"text": "   ", "tags": "pangan, beras", "classification": "biasa"},
    )
    assert refused.status_code == 400
    assert 'value="pangan, beras"' in refused.content.decode()  # what was typed stays
    done = client.post(
        f"/decisions/?meeting={meeting.pk}",
        {"text": "Stok beras dipantau harian", "tags": "pangan, beras", "classification": "biasa"},
    )
    decision = Decision.objects.get(text="Stok beras dipantau harian")
    assert done.status_code == 302 and done["Location"] == f"/decisions/{decision.pk}"
    assert decision.tags == ["pangan", "beras"]
    # Participants without the right read the page but get no form.
    reader = as_(world["andi"]).get(f"/decisions/?meeting={meeting.pk}").content.decode()
    assert "Stok beras dipantau harian" in reader
    other = as_(world["sari"]).get(f"/decisions/?meeting={meeting.pk}")
    assert 'id="record"' not in other.content.decode()
    assert "Stok beras" not in other.content.decode()  # she sees the meeting, not its record


def test_assigning_an_action_and_superseding_on_the_decisions_page(world, regions, decided, as_):
    decision = decided["decision"]
    client = as_(world["nurul"])
    due = (timezone.localdate() + datetime.timedelta(days=5)).isoformat()
    refused = client.post(
        f"/decisions/{decision.pk}",
        {
            "form": "action",
            "action-description": "Laporan penyaluran",
            "action-agency": "gowa",
            "action-assignee": "andi",  # of Sulawesi Selatan, not Gowa
            "action-due": due,
        },
    )
    assert refused.status_code == 400 and "Laporan penyaluran" in refused.content.decode()
    assert not FollowUpAction.objects.exists()
    done = client.post(
        f"/decisions/{decision.pk}",
        {
            "form": "action",
            "action-description": "Laporan penyaluran",
            "action-agency": "gowa",
            "action-assignee": "wulan",
            "action-due": due,
        },
    )
    assert done.status_code == 302
    assert FollowUpAction.objects.get().assignee == regions["wulan"]
    later = decisions.decision_record(by=world["nurul"], meeting_id=decision.meeting_id, text="B")
    client.post(
        f"/decisions/{decision.pk}",
        {"form": "status", "status-status": "superseded", "status-superseded_by": later.pk},
    )
    decision.refresh_from_db()
    assert decision.status == "superseded" and decision.superseded_by == later
    page = client.get(f"/decisions/{decision.pk}").content.decode()
    assert "Riwayat dalam log keputusan" in page or "History in the decision log" in page
    assert 'name="form" value="status"' not in page  # no longer in force: nothing to change
    # An official who may only read is refused a change and nothing changes.
    refused = as_(regions["wulan"]).post(
        f"/decisions/{later.pk}", {"form": "status", "status-status": "revoked"}
    )
    assert refused.status_code in (302, 404)
    assert Decision.objects.get(pk=later.pk).status == "adopted"


def test_reporting_progress_with_evidence_on_the_actions_page(world, regions, decided, as_):
    action = decisions.action_assign(
        by=world["nurul"],
        decision_id=decided["decision"].pk,
        description="Foto penyaluran",
        agency_code="gowa",
        assignee_username="wulan",
        due=timezone.localdate(),
    )
    client = as_(regions["wulan"])
    page = client.get(f"/actions/{action.pk}").content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert 'value="cancelled"' not in page  # the assignee does not cancel
    refused = client.post(f"/actions/{action.pk}", {"status": "done", "comment": ""})
    assert refused.status_code == 400 and not ActionUpdate.objects.exists()
    done = client.post(
        f"/actions/{action.pk}",
        {
            "status": "done",
            "comment": "Terlampir",
            "files": [SimpleUploadedFile("foto.png", _png(), "image/png")],
        },
    )
    assert done.status_code == 302, done.content.decode()[-3000:]
    update = ActionUpdate.objects.get()
    [file] = update.attachments.all()
    page = client.get(f"/actions/{action.pk}").content.decode()
    assert f"/actions/files/{file.pk}" in page
    assert client.get(f"/actions/files/{file.pk}").status_code == 200
    assert as_(regions["maria"]).get(f"/actions/files/{file.pk}").status_code == 404


def test_the_tindak_lanjut_page_with_its_summary(world, regions, decided, as_):
    for agency, days in (("gowa", -2), ("gowa", 3), ("jayapura", 1)):
        decisions.action_assign(
            by=world["budi"],
            decision_id=decided["decision"].pk,
            description=f"Tugas {agency} {days}",
            agency_code=agency,
            due=timezone.localdate() + datetime.timedelta(days=days),
        )
    page = as_(world["budi"]).get("/actions/").content.decode()
    assert '<tr data-province="sulsel">' in page and '<tr data-province="papua">' in page
    assert "<svg" in page and "chart__overdue" in page
    mine = as_(regions["rahmat"]).get("/actions/?scope=agency&overdue=1").content.decode()
    assert "Tugas gowa -2" in mine and "Tugas gowa 3" not in mine and "Tugas jayapura" not in mine
    nothing = as_(regions["maria"]).get("/actions/?province=sulsel").content.decode()
    assert "Tugas gowa" not in nothing
    csv = as_(world["budi"]).get("/actions/export.csv?province=papua")
    assert csv.status_code == 200 and "Tugas jayapura 1" in csv.content.decode("utf-8-sig")


def test_the_decisions_page_shows_whether_the_log_is_intact(world, regions, decided, as_, settings):
    from django.db import connection

    settings.RAKOR_DECISION_LOG_PAGE_CHECK_SECONDS = 0  # the chain checked on every view

    from coordination.organisation.models import Notification, Role
    from tests.factories import OfficialFactory

    admin = OfficialFactory(username="admin", agency=world["ministry"], role=Role.ADMINISTRATOR)
    page = as_(world["andi"]).get("/decisions/").content.decode()
    assert "log-state--ok" in page and "Rantai log keputusan utuh." in page
    # A row changed behind the log: the worker's full check finds it, the page shows it, and
    # the administrators are told once.
    Decision.objects.filter(pk=decided["decision"].pk).update(text="diubah")
    assert not decisions.log_check().intact
    decisions.log_check()
    page = as_(world["andi"]).get("/decisions/").content.decode()
    assert "log-state--bad" in page and "TIDAK utuh, entri rusak pertama 1" in page
    assert Notification.objects.filter(official=admin, kind="decision_log_broken").count() == 1
    # An entry changed: the page's own check of the chain finds it at once.
    with connection.cursor() as cursor:
        cursor.execute("UPDATE meetings_decisionlogentry SET content = '{}' WHERE position = 1")
    page = as_(world["andi"]).get("/decisions/").content.decode()
    assert "Log keputusan TIDAK utuh." in page and "Entri rusak pertama adalah 1" in page


def _png() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, "PNG")
    return buffer.getvalue()


def test_the_chart_is_drawn_in_indonesian_too(world, regions, decided, as_):
    decisions.action_assign(
        by=world["budi"],
        decision_id=decided["decision"].pk,
        description="Satu",
        agency_code="gowa",
        due=timezone.localdate(),
    )
    page = as_(world["budi"]).get("/actions/").content.decode()
    # SVG wants "100.00", never the Indonesian "100,00".
    assert 'class="chart__open" x="0.00" y="0" width="100.00"' in page


def test_the_pages_check_of_the_chain_is_kept_a_minute_for_one_head(
    world, regions, decided, as_, django_assert_max_num_queries
):
    from django.core.cache import cache

    cache.clear()
    client = as_(world["andi"])
    client.get("/decisions/")
    with django_assert_max_num_queries(30) as captured:
        client.get("/decisions/")
    assert not any(
        "meetings_decisionlogentry" in q["sql"] and "prev_hash" in q["sql"]
        for q in captured.captured_queries
    )  # not read again
    decisions.decision_record(by=world["nurul"], meeting_id=decided["meeting"].pk, text="Baru")
    page = client.get("/decisions/").content.decode()  # a new head: checked again
    assert "2 entri" in page
