"""meetings.services.notulen and the exports: written by the note taker, approved by the
chair (or returned), read-only once approved (a correction is a new revision that keeps the
old text), the seal hook, who reads what, and the PDF and Markdown documents."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from coordination.platform.errors import Conflict, Forbidden, InvalidInput, NotFound
from meetings import notulen_export, selectors, signals
from meetings.models import NotulenRevision
from meetings.services import agenda, meeting_mode, notulen
from meetings.services.attendance import meeting_join

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting(schedule):
    """budi organises; andi chairs; sari takes the notes; nurul takes part."""
    return schedule(
        participants=[
            {"username": "andi", "role": "chair"},
            {"username": "sari", "role": "note_taker"},
            {"username": "nurul", "role": "required"},
        ]
    )


@pytest.fixture
def items(world, meeting):
    return [
        agenda.agenda_item_add(by=world["budi"], meeting_id=meeting.pk, title=title)
        for title in ("Harga beras di Sulawesi Selatan", "Cadangan pangan daerah")
    ]


def save(world, meeting, items, version, text, **kwargs):
    return notulen.notulen_save(
        by=world["sari"],
        meeting_id=meeting.pk,
        version=version,
        items={items[0].pk: text},
        sections={"decisions": "Operasi pasar di 5 kabupaten", "actions": "Dinas: laporan"},
        **kwargs,
    )


def test_written_submitted_approved_and_then_read_only(
    world, meeting, items, django_capture_on_commit_callbacks
):
    with pytest.raises(Forbidden):  # the chair approves; the note taker writes
        save({**world, "sari": world["nurul"]}, meeting, items, 0, "x")
    first = save(world, meeting, items, 0, "Harga naik 12% sejak Oktober.")
    assert first.number == 1 and first.status == "draft"
    # Participants read the notes as they are written; the organising agency's other
    # officials do not, until approved.
    assert selectors.notulen_for_reader(world["nurul"], meeting.pk)["items"] == [
        {"item": items[0].pk, "notes": "Harga naik 12% sejak Oktober."}
    ]
    with pytest.raises(Conflict) as stale:
        save(world, meeting, items, 0, "Ditulis di halaman lama")
    assert stale.value.current["version"] == first.version
    submitted = notulen.notulen_submit(by=world["sari"], meeting_id=meeting.pk, version=1)
    with pytest.raises(Conflict):  # waiting for the chair: no changes
        save(world, meeting, items, submitted.version, "Diubah")
    with pytest.raises(Forbidden):
        notulen.notulen_approve(by=world["sari"], meeting_id=meeting.pk, version=2)
    sealed = []

    def seal(sender, revision, **kwargs):
        sealed.append(revision.number)

    signals.notulen_approved.connect(seal)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            approved = notulen.notulen_approve(by=world["andi"], meeting_id=meeting.pk, version=2)
    finally:
        signals.notulen_approved.disconnect(seal)
    assert approved.status == "approved" and sealed == [1]
    # Read-only: saving over it without saying what it corrects is refused.
    with pytest.raises(InvalidInput):
        save(world, meeting, items, approved.version, "Harga naik 15%")
    correction = save(
        world, meeting, items, approved.version, "Harga naik 15%", corrects="Angka kenaikan"
    )
    assert correction.number == 2 and correction.corrects == "Angka kenaikan"
    old = NotulenRevision.objects.get(meeting=meeting, number=1)
    assert old.content["items"][str(items[0].pk)] == "Harga naik 12% sejak Oktober."
    assert old.status == "approved"
    # Until the correction is approved, those outside read the approved first revision.
    outside = selectors.notulen_for_reader(world["budi"], meeting.pk)  # organiser: takes part
    assert outside["revision"] == 2
    history = selectors.notulen_for_reader(world["nurul"], meeting.pk)["history"]
    assert [h["revision"] for h in history] == [1]


def test_returned_with_a_comment_then_approved(world, meeting, items):
    save(world, meeting, items, 0, "Catatan")
    notulen.notulen_submit(by=world["sari"], meeting_id=meeting.pk, version=1)
    with pytest.raises(InvalidInput):
        notulen.notulen_return(by=world["andi"], meeting_id=meeting.pk, version=2, comment=" ")
    returned = notulen.notulen_return(
        by=world["andi"], meeting_id=meeting.pk, version=2, comment="Lengkapi angka BPS"
    )
    assert returned.status == "returned" and returned.returned_comment == "Lengkapi angka BPS"
    again = save(world, meeting, items, returned.version, "Catatan dengan angka BPS")
    notulen.notulen_submit(by=world["sari"], meeting_id=meeting.pk, version=again.version)
    revision = NotulenRevision.objects.get(meeting=meeting)
    notulen.notulen_approve(by=world["andi"], meeting_id=meeting.pk, version=revision.version)
    assert NotulenRevision.objects.get(meeting=meeting).number == 1  # still one revision


def test_who_reads_what(world, meeting, items):
    from tests.factories import OfficialFactory

    colleague = OfficialFactory(agency=world["ministry"])  # sees the meeting, takes no part
    assert selectors.notulen_for_reader(world["nurul"], meeting.pk)["revision"] == 0
    with pytest.raises(NotFound):
        selectors.notulen_for_reader(colleague, meeting.pk)
    with pytest.raises(NotFound):
        selectors.notulen_for_reader(world["outsider"], meeting.pk)
    save(world, meeting, items, 0, "Belum disahkan")
    with pytest.raises(NotFound):  # a draft is not theirs to read
        selectors.notulen_for_reader(colleague, meeting.pk)
    notulen.notulen_submit(by=world["sari"], meeting_id=meeting.pk, version=1)
    notulen.notulen_approve(by=world["andi"], meeting_id=meeting.pk, version=2)
    read = selectors.notulen_for_reader(colleague, meeting.pk)
    assert read["status"] == "approved" and read["may_write"] is False
    with pytest.raises(NotFound):  # notes for an item not on the agenda
        notulen.notulen_save(
            by=world["sari"],
            meeting_id=meeting.pk,
            version=3,
            items={999_999: "no such item"},
            sections={},
            corrects="x",
        )


def test_the_pdf_and_markdown_hold_the_agenda_attendance_and_notes(
    world, meeting, items, about_to_start
):
    about_to_start(meeting)
    meeting_join(official=world["nurul"], meeting_id=meeting.pk)
    meeting_mode.meeting_open(by=world["andi"], meeting_id=meeting.pk)
    meeting_mode.meeting_close(by=world["andi"], meeting_id=meeting.pk)
    save(world, meeting, items, 0, "Harga naik 12% sejak Oktober; stok aman 3 bulan.")
    notulen.notulen_submit(by=world["sari"], meeting_id=meeting.pk, version=1)
    notulen.notulen_approve(by=world["andi"], meeting_id=meeting.pk, version=2)
    with pytest.raises(NotFound):
        selectors.notulen_approved_get(world["outsider"], meeting.pk)
    found, revision = selectors.notulen_approved_get(world["sari"], meeting.pk)
    document = selectors.notulen_document(found, revision)
    pdf = notulen_export.notulen_pdf(document)
    reader = PdfReader(io.BytesIO(pdf))
    words = " ".join(page.extract_text() for page in reader.pages)
    words = " ".join(words.split())
    for expected in (
        "NOTULA RAPAT",
        "Rakor pengendalian inflasi daerah",
        "Harga beras di Sulawesi Selatan",
        "Cadangan pangan daerah",
        "Harga naik 12% sejak Oktober; stok aman 3 bulan.",
        "Operasi pasar di 5 kabupaten",
        "Provinsi Sulawesi Selatan",  # the attendance table, by agency
        world["nurul"].display_name,
        "WIB",
    ):
        assert expected in words, expected
    markdown = notulen_export.notulen_markdown(document)
    assert markdown.startswith("# NOTULA RAPAT")
    assert "### 1. Harga beras di Sulawesi Selatan" in markdown
    assert "| Provinsi Sulawesi Selatan |" in markdown
    assert "Harga naik 12% sejak Oktober" in markdown


def test_approved_notulen_keep_the_agenda_they_were_approved_with(world, meeting, items):
    save(world, meeting, items, 0, "Harga naik 12%")
    notulen.notulen_submit(by=world["sari"], meeting_id=meeting.pk, version=1)
    notulen.notulen_approve(by=world["andi"], meeting_id=meeting.pk, version=2)
    renamed = agenda.agenda_item_update(
        by=world["budi"], item_id=items[0].pk, version=items[0].version, changes={"title": "X"}
    )
    agenda.agenda_item_remove(by=world["budi"], item_id=items[1].pk, version=items[1].version)
    assert renamed.title == "X"
    found, revision = selectors.notulen_approved_get(world["sari"], meeting.pk)
    document = selectors.notulen_document(found, revision)
    assert [item["title"] for item in document["items"]] == [
        "Harga beras di Sulawesi Selatan",
        "Cadangan pangan daerah",
    ]
    assert document["items"][0]["notes"] == "Harga naik 12%"
