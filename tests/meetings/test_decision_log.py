"""The decision log's hash chain: intact when nothing was touched; every silent change
found (an entry, a cached state, a decision row, a file's bytes, a deleted tail against an
anchor), named by its first bad entry, by `verify_decision_log` (non-zero) and the API;
concurrent appends never fork it; notulen approvals sealed in it."""

from __future__ import annotations

import datetime
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from meetings import decision_log
from meetings.models import ActionAttachment, Decision, DecisionLogEntry, FollowUpAction
from meetings.services import decisions, notulen
from tests.threads import run_together

pytestmark = pytest.mark.django_db


@pytest.fixture
def record(world, regions, decided):
    """A log of six entries: two decisions, a status change, an action, two updates (one
    with a file)."""
    decision = decided["decision"]
    later = decisions.decision_record(
        by=world["andi"], meeting_id=decided["meeting"].pk, text="Anggaran tambahan disetujui."
    )
    decisions.decision_status_set(
        by=world["andi"], decision_id=decision.pk, status="superseded", superseded_by_id=later.pk
    )
    action = decisions.action_assign(
        by=world["nurul"],
        decision_id=later.pk,
        description="Kirim rincian anggaran",
        agency_code="gowa",
        assignee_username="wulan",
        due=timezone.localdate() + datetime.timedelta(days=7),
    )
    decisions.action_update(
        by=regions["wulan"], action_id=action.pk, status="in_progress", comment="Disusun"
    )
    decisions.action_update(
        by=regions["wulan"],
        action_id=action.pk,
        status="done",
        comment="Terkirim",
        uploads=[SimpleUploadedFile("rincian.csv", b"pos,jumlah\nbansos,100\n", "text/csv")],
    )
    return {"decision": decision, "later": later, "action": action}


def _sql(statement: str, *params) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def test_an_untouched_log_is_intact(record):
    report = decision_log.verify()
    assert report.intact and report.entries == 6 and report.first_bad is None
    assert report.head == DecisionLogEntry.objects.get(position=6).hash
    call_command("verify_decision_log")  # exits 0


def test_the_hash_is_the_documented_canonical_json(record):
    entry = DecisionLogEntry.objects.get(position=2)
    envelope = {
        "v": 1,
        "position": 2,
        "kind": entry.kind,
        "prev": entry.prev_hash,
        "content": entry.content,
    }
    canonical = json.dumps(envelope, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    import hashlib

    assert hashlib.sha256(canonical.encode("utf-8")).hexdigest() == entry.hash
    assert entry.prev_hash == DecisionLogEntry.objects.get(position=1).hash


def test_the_orm_refuses_to_change_or_delete_an_entry(record):
    entry = DecisionLogEntry.objects.get(position=1)
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        DecisionLogEntry.objects.filter(position=1).update(kind="x")
    with pytest.raises(PermissionError):
        DecisionLogEntry.objects.all().delete()


def test_an_entry_changed_in_the_database_is_found(record):
    entry = DecisionLogEntry.objects.get(position=3)
    content = dict(entry.content, reason="diubah diam-diam")
    _sql(
        "UPDATE meetings_decisionlogentry SET content = %s WHERE position = %s",
        json.dumps(content),
        3,
    )
    report = decision_log.verify()
    assert not report.intact and report.first_bad == 3
    assert decision_log.verify().as_dict()["first_bad"] == 3
    with pytest.raises(CommandError, match="first bad entry: 3"):
        call_command("verify_decision_log")


def test_a_cached_status_changed_in_the_database_is_found(record):
    Decision.objects.filter(pk=record["later"].pk).update(status="revoked")
    report = decision_log.verify()
    assert not report.intact
    assert (
        report.first_bad
        == DecisionLogEntry.objects.get(decision=record["later"], kind="decision").position
    )


def test_an_action_status_changed_in_the_database_is_found(record):
    FollowUpAction.objects.filter(pk=record["action"].pk).update(status="open")
    report = decision_log.verify()
    assert report.first_bad == 6  # the update that made it done


def test_a_decision_text_changed_in_the_database_is_found(record):
    Decision.objects.filter(pk=record["decision"].pk).update(text="Teks lain")
    assert decision_log.verify().first_bad == 1


def test_a_decision_row_added_behind_the_log_is_found(world, record):
    Decision.objects.create(
        meeting=record["decision"].meeting,
        text="Tidak pernah diputuskan",
        decided_at=timezone.now(),
        recorded_by=world["budi"],
        classification="biasa",
    )
    report = decision_log.verify()
    assert not report.intact
    assert any("not in the log" in problem for _, problem in report.problems)


def test_a_file_replaced_on_disk_is_found(record):
    file = ActionAttachment.objects.get()
    with file.file.storage.open(file.file.name, "wb") as handle:
        handle.write(b"pos,jumlah\nbansos,999\n")
    report = decision_log.verify()
    assert report.first_bad == 6
    assert decision_log.verify(check_files=False).intact


def test_a_deleted_tail_is_found_by_the_head_and_by_an_anchor(record, tmp_path, settings):
    anchors = tmp_path / "anchors.txt"
    settings.RAKOR_DECISION_LOG_ANCHOR_FILE = str(anchors)
    assert decision_log.anchor_write()
    assert not decision_log.anchor_write()  # nothing new: no second line
    assert anchors.read_text().split()[0] == "6"
    # The last two entries deleted by someone with database access, who then also puts the
    # head row back in step: the chain that is left is consistent in itself...
    fifth = DecisionLogEntry.objects.get(position=4)
    _sql("DELETE FROM meetings_decisionlogentry WHERE position > 4")
    _sql("UPDATE meetings_decisionlogentry SET action_update_id = NULL WHERE position > 4")
    _sql("DELETE FROM meetings_actionattachment")
    _sql("DELETE FROM meetings_actionupdate")
    _sql("UPDATE meetings_followupaction SET status = 'open', completed_on = NULL")
    _sql("UPDATE meetings_decisionloghead SET entries = 4, hash = %s", fifth.hash)
    assert decision_log.verify().intact  # ...so only the anchor tells
    report = decision_log.verify(anchors=decision_log.anchors_read(anchors))
    assert not report.intact and report.missing_tail and report.first_bad == 5
    with pytest.raises(CommandError, match="tail is missing"):
        call_command("verify_decision_log")  # reads the anchor file of the settings
    with pytest.raises(CommandError, match="first bad entry: 5"):
        call_command(
            "verify_decision_log",
            "--anchor-entries",
            "6",
            "--anchor-hash",
            anchors.read_text().split()[1],
        )


def test_a_deleted_tail_without_the_head_put_back_is_found_without_an_anchor(record):
    _sql("DELETE FROM meetings_decisionlogentry WHERE position = 6")
    report = decision_log.verify(check_files=False)
    assert not report.intact and report.missing_tail


def test_the_anchor_is_mailed_when_a_mailbox_is_set(record, settings):
    from django.core import mail

    from coordination.platform.mail import outbox_deliver

    settings.RAKOR_DECISION_LOG_ANCHOR_EMAIL = "arsip@example.go.id"
    outbox_deliver()
    mail.outbox.clear()
    assert decision_log.anchor_write()
    outbox_deliver()
    [sent] = mail.outbox
    assert sent.to == ["arsip@example.go.id"]
    assert decision_log.head()[1] in sent.body


def test_approving_the_notulen_is_an_entry(world, decided):
    meeting = decided["meeting"]
    notulen.notulen_save(
        by=world["nurul"], meeting_id=meeting.pk, version=0, items={}, sections={"opening": "x"}
    )
    notulen.notulen_submit(by=world["nurul"], meeting_id=meeting.pk, version=1)
    revision = notulen.notulen_approve(by=world["andi"], meeting_id=meeting.pk, version=2)
    entry = DecisionLogEntry.objects.get(kind="notulen_approved")
    assert entry.notulen_id == revision.pk and entry.recorded_by == world["andi"]
    assert decision_log.verify().intact
    revision.content = {**revision.content, "opening": "diubah"}
    revision.save(update_fields=["content"])
    assert decision_log.verify().first_bad == entry.position


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_never_fork_the_chain(world, regions, schedule):
    meeting = schedule(participants=[{"username": "andi", "role": "chair"}])

    def record(who):
        for n in range(6):
            decisions.decision_record(by=world[who], meeting_id=meeting.pk, text=f"{who} {n}")

    run_together(record, ("budi",), ("andi",), ("budi",), ("andi",), timeout=120)
    positions = list(DecisionLogEntry.objects.values_list("position", flat=True))
    assert positions == list(range(1, 25))
    report = decision_log.verify()
    assert report.intact and report.entries == 24


@pytest.mark.django_db(transaction=True)
def test_the_migration_seals_notulen_approved_before_the_log_in_approval_order(world, schedule):
    from django.db.migrations.executor import MigrationExecutor

    first = schedule(title="Rakor pertama")
    second = schedule(title="Rakor kedua")
    executor = MigrationExecutor(connection)
    executor.migrate([("meetings", "0006_agenda_documents_templates")])
    apps = executor.loader.project_state([("meetings", "0006_agenda_documents_templates")]).apps
    revision = apps.get_model("meetings", "NotulenRevision")
    now = timezone.now()
    # Approved the other way round from their ids: the log follows the approvals.
    revision.objects.create(
        meeting_id=second.pk,
        number=1,
        status="approved",
        content={"opening": "b"},
        approved_by_id=world["budi"].pk,
        approved_at=now - datetime.timedelta(days=2),
    )
    revision.objects.create(
        meeting_id=first.pk,
        number=1,
        status="approved",
        content={"opening": "a"},
        approved_by_id=world["budi"].pk,
        approved_at=now - datetime.timedelta(days=1),
    )
    revision.objects.create(meeting_id=first.pk, number=2, status="draft", content={})
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    entries = list(DecisionLogEntry.objects.order_by("position"))
    assert [(e.kind, e.meeting_id) for e in entries] == [
        ("notulen_approved", second.pk),
        ("notulen_approved", first.pk),
    ]
    assert decision_log.verify().intact


def test_an_entry_moved_to_another_row_is_found(world, regions, record):
    """The link columns are not hashed: each must be the one the hashed content names."""
    other = decisions.action_assign(
        by=world["nurul"],
        decision_id=record["later"].pk,
        description="Lain",
        agency_code="gowa",
        due=timezone.localdate(),
    )
    _sql("UPDATE meetings_decisionlogentry SET action_id = %s WHERE position = 6", other.pk)
    _sql("UPDATE meetings_followupaction SET status = 'done' WHERE id = %s", other.pk)
    _sql(
        "UPDATE meetings_followupaction SET status = 'in_progress' WHERE id = %s",
        record["action"].pk,
    )
    report = decision_log.verify()
    assert not report.intact
    assert (6, "entry 6's row points elsewhere than its content") in report.problems


def test_a_done_date_changed_in_the_database_is_found(record):
    _sql("UPDATE meetings_followupaction SET completed_on = '2000-01-01'")
    assert decision_log.verify().first_bad == 6


def test_notulen_approved_then_quietly_unapproved_are_found(world, decided):
    meeting = decided["meeting"]
    notulen.notulen_save(
        by=world["nurul"], meeting_id=meeting.pk, version=0, items={}, sections={"opening": "x"}
    )
    notulen.notulen_submit(by=world["nurul"], meeting_id=meeting.pk, version=1)
    revision = notulen.notulen_approve(by=world["andi"], meeting_id=meeting.pk, version=2)
    _sql(
        "UPDATE meetings_notulenrevision SET status = 'draft', approved_at = NULL WHERE id = %s",
        revision.pk,
    )
    report = decision_log.verify()
    assert not report.intact
    assert report.first_bad == DecisionLogEntry.objects.get(kind="notulen_approved").position


def test_renaming_an_item_an_official_or_an_agency_is_no_false_alarm(world, regions, decided):
    from meetings.services import agenda

    item = agenda.agenda_item_add(by=world["budi"], meeting_id=decided["meeting"].pk, title="A")
    decisions.decision_record(
        by=world["nurul"], meeting_id=decided["meeting"].pk, text="Ya", agenda_item_id=item.pk
    )
    decisions.action_assign(
        by=world["nurul"],
        decision_id=decided["decision"].pk,
        description="Lapor",
        agency_code="gowa",
        assignee_username="wulan",
        due=timezone.localdate(),
    )
    agenda.agenda_item_update(
        by=world["budi"], item_id=item.pk, version=item.version, changes={"title": "B"}
    )
    world["nurul"].username = "nurul.h"
    world["nurul"].save()
    regions["gowa"].code = "kab-gowa"
    regions["gowa"].save()
    assert decision_log.verify().intact


def test_a_tag_index_changed_in_the_database_is_found(decided):
    Decision.objects.filter(pk=decided["decision"].pk).update(tag_index="|lain|")
    assert decision_log.verify().first_bad == 1


def test_an_anchor_file_that_is_gone_is_a_problem(record, tmp_path, settings):
    anchors = tmp_path / "anchors.txt"
    settings.RAKOR_DECISION_LOG_ANCHOR_FILE = str(anchors)
    assert decision_log.verify_with_settings().intact  # none written yet: nothing to miss
    decision_log.anchor_write()
    anchors.unlink()
    report = decision_log.verify_with_settings()
    assert not report.intact and "is gone" in report.problems[0][1]
    anchors.write_text("not an anchor\n")
    assert not decision_log.verify_with_settings().intact


def test_a_decision_is_not_superseded_by_one_no_longer_in_force(world, schedule):
    from coordination.platform.errors import Conflict

    meeting = schedule(participants=[{"username": "andi", "role": "chair"}])
    a = decisions.decision_record(by=world["budi"], meeting_id=meeting.pk, text="A")
    b = decisions.decision_record(by=world["budi"], meeting_id=meeting.pk, text="B")
    decisions.decision_status_set(
        by=world["budi"], decision_id=b.pk, status="revoked", reason="Salah ketik"
    )
    with pytest.raises(Conflict) as refused:
        decisions.decision_status_set(
            by=world["budi"], decision_id=a.pk, status="superseded", superseded_by_id=b.pk
        )
    assert refused.value.code == "not_in_force"
    assert Decision.objects.get(pk=a.pk).status == "adopted"


@pytest.mark.django_db(transaction=True)
def test_two_decisions_superseding_each_other_at_once_leave_one_in_force(world, schedule):
    from coordination.platform.errors import Conflict

    meeting = schedule(participants=[{"username": "andi", "role": "chair"}])
    a = decisions.decision_record(by=world["budi"], meeting_id=meeting.pk, text="A")
    b = decisions.decision_record(by=world["budi"], meeting_id=meeting.pk, text="B")

    def supersede(old, new):
        try:
            decisions.decision_status_set(
                by=world["budi"], decision_id=old, status="superseded", superseded_by_id=new
            )
            return "done"
        except Conflict:
            return "refused"

    results = run_together(supersede, (a.pk, b.pk), (b.pk, a.pk))
    assert sorted(results) == ["done", "refused"]
    assert sorted(Decision.objects.values_list("status", flat=True)) == ["adopted", "superseded"]
    assert decision_log.verify().intact
