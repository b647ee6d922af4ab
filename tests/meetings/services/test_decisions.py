"""Decisions and follow-up actions through their services: who records what, what is
refused (and changes nothing), each write one entry of the log, reminders and escalation."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from coordination.organisation.models import Notification
from coordination.platform.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from coordination.platform.mail import outbox_deliver
from meetings import decision_log
from meetings.models import Decision, DecisionLogEntry, FollowUpAction
from meetings.services import agenda, decisions

pytestmark = pytest.mark.django_db


def _assign(world, decision, **kwargs):
    fields = {
        "by": world["nurul"],
        "decision_id": decision.pk,
        "description": "Laporkan penyaluran bantuan pangan",
        "agency_code": "gowa",
        "due": timezone.localdate() + datetime.timedelta(days=10),
    }
    fields.update(kwargs)
    return decisions.action_assign(**fields)


def test_recording_a_decision_is_one_entry_of_the_log(world, decided):
    decision = decided["decision"]
    assert decision.tags == ["pangan", "inflasi"]
    assert decision.classification == decided["meeting"].classification
    [entry] = DecisionLogEntry.objects.all()
    assert entry.kind == "decision" and entry.decision_id == decision.pk
    assert entry.content["text"] == decision.text
    assert entry.prev_hash == decision_log.GENESIS and len(entry.hash) == 64
    assert decision_log.head() == (1, entry.hash)
    assert decision_log.verify().intact


def test_only_the_organiser_chair_and_note_takers_record(world, decided):
    meeting = decided["meeting"]
    for who in ("budi", "andi"):
        decisions.decision_record(by=world[who], meeting_id=meeting.pk, text=f"Oleh {who}")
    before = DecisionLogEntry.objects.count()
    with pytest.raises(Forbidden):
        decisions.decision_record(by=world["sari"], meeting_id=meeting.pk, text="Bukan hak")
    with pytest.raises(NotFound):
        decisions.decision_record(by=world["outsider"], meeting_id=meeting.pk, text="Bukan hak")
    assert DecisionLogEntry.objects.count() == before


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"text": "   "}, "text"),
        ({"text": "x" * 5001}, "text"),
        ({"tags": ["a,b"]}, "tags"),
        ({"tags": [f"t{n}" for n in range(11)]}, "tags"),
        ({"classification": "biasa-saja"}, "classification"),
        ({"decided_at": timezone.now() + datetime.timedelta(days=1)}, "decided_at"),
        ({"agenda_item_id": 10**9}, "agenda_item"),
    ],
)
def test_bad_decisions_are_refused_and_change_nothing(world, decided, fields, problem):
    before = (Decision.objects.count(), DecisionLogEntry.objects.count())
    arguments = {"by": world["nurul"], "meeting_id": decided["meeting"].pk, "text": "Sah"}
    arguments.update(fields)
    with pytest.raises(InvalidInput) as refused:
        decisions.decision_record(**arguments)
    assert problem in refused.value.fields
    assert (Decision.objects.count(), DecisionLogEntry.objects.count()) == before


def test_a_decision_is_never_laxer_than_its_meeting(world, schedule):
    meeting = schedule(classification="terbatas")
    with pytest.raises(InvalidInput):
        decisions.decision_record(
            by=world["budi"], meeting_id=meeting.pk, text="x", classification="biasa"
        )
    strict = decisions.decision_record(
        by=world["budi"], meeting_id=meeting.pk, text="x", classification="rahasia"
    )
    assert strict.classification == "rahasia"


def test_an_agenda_item_with_decisions_stays_on_the_agenda(world, decided):
    item = agenda.agenda_item_add(
        by=world["budi"], meeting_id=decided["meeting"].pk, title="Bantuan pangan"
    )
    decisions.decision_record(
        by=world["nurul"], meeting_id=decided["meeting"].pk, text="Ya", agenda_item_id=item.pk
    )
    with pytest.raises(Conflict) as refused:
        agenda.agenda_item_remove(by=world["budi"], item_id=item.pk, version=item.version)
    assert refused.value.code == "has_decisions"


def test_a_cancelled_meeting_records_nothing(world, decided):
    from meetings.services import scheduling

    meeting = decided["meeting"]
    scheduling.meeting_cancel(by=world["budi"], meeting_id=meeting.pk)
    with pytest.raises(Conflict):
        decisions.decision_record(by=world["budi"], meeting_id=meeting.pk, text="Terlambat")


def test_superseding_and_revoking_are_new_entries(world, decided):
    old = decided["decision"]
    new = decisions.decision_record(by=world["nurul"], meeting_id=old.meeting_id, text="Baru")
    with pytest.raises(InvalidInput):
        decisions.decision_status_set(by=world["nurul"], decision_id=old.pk, status="superseded")
    with pytest.raises(InvalidInput):
        decisions.decision_status_set(
            by=world["nurul"], decision_id=old.pk, status="superseded", superseded_by_id=old.pk
        )
    with pytest.raises(InvalidInput):
        decisions.decision_status_set(by=world["nurul"], decision_id=new.pk, status="revoked")
    superseded = decisions.decision_status_set(
        by=world["nurul"], decision_id=old.pk, status="superseded", superseded_by_id=new.pk
    )
    assert superseded.status == "superseded" and superseded.superseded_by_id == new.pk
    with pytest.raises(Conflict):
        decisions.decision_status_set(
            by=world["nurul"], decision_id=old.pk, status="revoked", reason="Salah"
        )
    revoked = decisions.decision_status_set(
        by=world["andi"], decision_id=new.pk, status="revoked", reason="Anggaran tidak ada"
    )
    assert revoked.status_reason == "Anggaran tidak ada"
    kinds = list(DecisionLogEntry.objects.values_list("kind", flat=True))
    assert kinds == ["decision", "decision", "decision_status", "decision_status"]
    assert Decision.objects.get(pk=old.pk).text == old.text  # never edited
    assert decision_log.verify().intact
    with pytest.raises(NotFound):  # sari sees the meeting (her agency's) but not its record
        decisions.decision_status_set(
            by=world["sari"], decision_id=old.pk, status="revoked", reason="x"
        )


def test_an_action_is_owed_by_an_agency_and_maybe_one_of_its_officials(world, regions, decided):
    decision = decided["decision"]
    action = _assign(world, decision, assignee_username="wulan")
    assert action.agency == regions["gowa"] and action.assignee == regions["wulan"]
    assert action.status == "open"
    assert Notification.objects.filter(official=regions["wulan"], kind="action_assigned").exists()
    entry = DecisionLogEntry.objects.get(action=action)
    assert entry.kind == "action" and entry.content["agency"]["code"] == "gowa"
    for fields, problem in [
        ({"agency_code": "nowhere"}, "agency"),
        ({"assignee_username": "andi"}, "assignee"),  # of another agency
        ({"assignee_username": "ghost"}, "assignee"),
        ({"description": " "}, "description"),
        ({"due": datetime.date(1999, 1, 1)}, "due"),
    ]:
        with pytest.raises(InvalidInput) as refused:
            _assign(world, decision, **fields)
        assert problem in refused.value.fields
    assert FollowUpAction.objects.count() == 1
    with pytest.raises(NotFound):  # sari sees the meeting, not its record
        _assign(world, decision, by=world["sari"])


def test_progress_done_needs_evidence_and_closes_the_action(world, regions, decided):
    action = _assign(world, decided["decision"], assignee_username="wulan")
    with pytest.raises(InvalidInput):  # nothing to report
        decisions.action_update(by=regions["wulan"], action_id=action.pk, status="open")
    decisions.action_update(
        by=regions["wulan"], action_id=action.pk, status="in_progress", comment="Mulai"
    )
    with pytest.raises(InvalidInput) as refused:
        decisions.action_update(by=regions["wulan"], action_id=action.pk, status="done")
    assert "comment" in refused.value.fields
    evidence = SimpleUploadedFile("laporan.pdf", b"%PDF-1.4\n%bukti\n", "application/pdf")
    done = decisions.action_update(
        by=regions["rahmat"], action_id=action.pk, status="done", uploads=[evidence]
    )
    [file] = done.attachments.all()
    assert file.name == "laporan.pdf" and len(file.sha256) == 64
    action.refresh_from_db()
    assert action.status == "done" and action.completed_on is not None
    with pytest.raises(Conflict):
        decisions.action_update(
            by=regions["wulan"], action_id=action.pk, status="in_progress", comment="lagi"
        )
    entries = DecisionLogEntry.objects.filter(action=action).order_by("position")
    assert [(e.kind, e.content.get("status")) for e in entries] == [
        ("action", None),
        ("action_update", "in_progress"),
        ("action_update", "done"),
    ]
    assert entries.last().content["attachments"][0]["sha256"] == file.sha256
    assert decision_log.verify().intact


def test_who_reports_and_who_cancels(world, regions, decided):
    action = _assign(world, decided["decision"])
    # Oversight (sulsel's coordinator andi is the chair, so take papua's yohanes: no) and
    # members of the agency read but do not report.
    with pytest.raises(Forbidden):
        decisions.action_update(
            by=regions["wulan"], action_id=action.pk, status="in_progress", comment="x"
        )
    with pytest.raises(NotFound):
        decisions.action_update(
            by=regions["maria"], action_id=action.pk, status="in_progress", comment="x"
        )
    with pytest.raises(Forbidden):  # the owing agency's coordinator reports, not cancels
        decisions.action_update(
            by=regions["rahmat"], action_id=action.pk, status="cancelled", comment="Tidak perlu"
        )
    with pytest.raises(InvalidInput):  # a cancellation says why
        decisions.action_update(by=world["budi"], action_id=action.pk, status="cancelled")
    decisions.action_update(
        by=world["budi"], action_id=action.pk, status="cancelled", comment="Digabung"
    )
    action.refresh_from_db()
    assert action.status == "cancelled"


def test_an_executable_upload_is_refused_and_nothing_is_stored(world, regions, decided):
    action = _assign(world, decided["decision"], assignee_username="wulan")
    bad = SimpleUploadedFile("bukti.pdf", b"MZ\x90\x00" + b"\x00" * 64, "application/pdf")
    with pytest.raises(DomainError):
        decisions.action_update(
            by=regions["wulan"], action_id=action.pk, status="done", uploads=[bad]
        )
    action.refresh_from_db()
    assert action.status == "open" and not action.updates.exists()


def test_reminders_before_the_due_date_and_escalation_once_overdue(
    world, regions, decided, settings
):
    settings.RAKOR_ACTION_REMINDER_DAYS = 3
    for official in (regions["wulan"], regions["rahmat"], world["andi"]):
        official.email = f"{official.username}@example.go.id"
        official.notification_mail = {"actions": "immediate"}  # the default is the digest
        official.save()
    today = timezone.localdate()
    soon = _assign(
        world,
        decided["decision"],
        assignee_username="wulan",
        due=today + datetime.timedelta(days=2),
        description="Segera",
    )
    late = _assign(
        world,
        decided["decision"],
        assignee_username="wulan",
        due=today - datetime.timedelta(days=2),
        description="Terlambat",
    )
    far = _assign(world, decided["decision"], due=today + datetime.timedelta(days=30))
    Notification.objects.all().delete()
    outbox_deliver()
    mail.outbox.clear()
    assert decisions.actions_remind() == 2
    assert decisions.actions_remind() == 0  # once, however often the worker runs
    kinds = sorted(Notification.objects.values_list("official__username", "kind"))
    assert kinds == [
        ("andi", "action_escalated"),  # the coordinator of the province above Gowa
        ("rahmat", "action_escalated"),  # the coordinator of the owing agency
        ("wulan", "action_due_soon"),
        ("wulan", "action_overdue"),
    ]
    outbox_deliver()
    sent = sorted(m.to[0] for m in mail.outbox)
    assert sent == [
        "andi@example.go.id",
        "rahmat@example.go.id",
        "wulan@example.go.id",
        "wulan@example.go.id",
    ]
    overdue = next(m for m in mail.outbox if "Terlambat" in m.body and "wulan" in m.to[0])
    assert "/actions/" in overdue.body
    far.refresh_from_db()
    soon.refresh_from_db()
    late.refresh_from_db()
    assert far.reminded_at is None and soon.reminded_at and late.escalated_at


def test_a_rahasia_action_is_assigned_only_to_someone_named_on_the_meeting(
    world, regions, schedule
):
    meeting = schedule(
        classification="rahasia",
        participants=[{"username": "andi", "role": "chair"}, {"username": "wulan"}],
    )
    decision = decisions.decision_record(by=world["andi"], meeting_id=meeting.pk, text="R")
    with pytest.raises(InvalidInput) as refused:
        decisions.action_assign(
            by=world["andi"],
            decision_id=decision.pk,
            description="x",
            agency_code="gowa",
            assignee_username="rahmat",  # of Gowa, but not named on the meeting
            due=timezone.localdate(),
        )
    assert "assignee" in refused.value.fields
    action = decisions.action_assign(
        by=world["andi"],
        decision_id=decision.pk,
        description="x",
        agency_code="gowa",
        assignee_username="wulan",
        due=timezone.localdate(),
    )
    assert action.assignee == regions["wulan"]


def test_the_chair_cancels_and_the_owing_coordinator_does_not(world, regions, decided):
    action = _assign(world, decided["decision"])
    with pytest.raises(Forbidden):
        decisions.action_update(
            by=regions["rahmat"], action_id=action.pk, status="cancelled", comment="x"
        )
    decisions.action_update(
        by=world["andi"], action_id=action.pk, status="cancelled", comment="Tidak relevan"
    )
    action.refresh_from_db()
    assert action.status == "cancelled"


def test_a_failed_update_leaves_no_file_behind(world, regions, decided, monkeypatch):
    from meetings.models import ActionAttachment

    action = _assign(world, decided["decision"], assignee_username="wulan")
    storage = ActionAttachment.file.field.storage
    before = set(_files(storage, "actions"))

    def broken(**kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(decision_log, "append", broken)
    upload = SimpleUploadedFile("bukti.txt", b"bukti\n", "text/plain")
    with pytest.raises(RuntimeError):
        decisions.action_update(
            by=regions["wulan"], action_id=action.pk, status="done", uploads=[upload]
        )
    assert set(_files(storage, "actions")) == before
    assert not ActionAttachment.objects.exists()


def _files(storage, folder):
    import os

    root = storage.path(folder)
    for base, _dirs, names in os.walk(root):
        for name in names:
            yield os.path.join(base, name)


def test_non_ascii_tags_are_found(world, regions, decided):
    from meetings.selectors import decisions as reads

    decision = decisions.decision_record(
        by=world["nurul"],
        meeting_id=decided["meeting"].pk,
        text="Gizi",
        tags=["kesehatan ibu–anak", "pangan"],
    )
    found = reads.decisions_filtered(world["andi"], reads.DecisionFilters(tag="kesehatan ibu–anak"))
    assert [d.pk for d in found] == [decision.pk]
    assert reads.decisions_filtered(world["andi"], reads.DecisionFilters(tag="ibu")).count() == 0
