"""The approved notulen as documents, in the meeting's language, laid out as a notula rapat
of Indonesian official correspondence: a heading, the meeting's particulars, the attendance
as a table by agency, the points per agenda item (numbered), decisions, follow-up actions,
and the approval with room for the signatures of the chair and the note taker.

`notulen_markdown` and `notulen_pdf` take what `selectors.notulen_document` gives. The PDF is
made by reportlab with the Bitstream Vera fonts it ships (they cover Indonesian); no system
package is needed.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

FONT = "RakorVera"


def _labels() -> dict[str, str]:
    return {
        "heading": _("MINUTES OF THE MEETING"),
        "topic": _("Topic"),
        "day_date": _("Day, date"),
        "time": _("Time"),
        "place": _("Place"),
        "organiser": _("Organised by"),
        "chair": _("Chair"),
        "note_taker": _("Note taker"),
        "opened": _("Opened at"),
        "closed": _("Closed at"),
        "attendance": _("Attendance"),
        "present": _("%(present)s of %(count)s present"),
        "agency": _("Agency"),
        "name": _("Name"),
        "role": _("Role"),
        "was_present": _("Present"),
        "yes": _("yes"),
        "no": _("no"),
        "opening": _("Opening"),
        "discussion": _("Points discussed"),
        "presenter": _("Presenter"),
        "outcome": _("Expected outcome"),
        "no_notes": _("(no notes)"),
        "decisions": _("Decisions"),
        "actions": _("Follow-up actions"),
        "closing": _("Closing"),
        "approval": _("Approval"),
        "approved": _("Approved by %(name)s on %(at)s."),
        "revision": _("Revision %(number)s, correcting: %(corrects)s"),
        "signature": _("Signature"),
        "sealed": _("Sealed in the decision log as entry %(entry)s, SHA-256 %(hash)s."),
        "head": _("Decision log head at export: %(entries)s entries, SHA-256 %(hash)s."),
        "none": _("—"),
    }


def _roles() -> dict[str, str]:
    from meetings.models import Participant

    return {str(value): str(label) for value, label in Participant.Role.choices}


def notulen_markdown(doc: dict[str, Any]) -> str:
    """The notulen as Markdown (UTF-8 text)."""
    with translation.override(doc["language"]):
        label, roles = _labels(), _roles()
        count = sum(len(group["people"]) for group in doc["attendance"])
        lines = [f"# {label['heading']}", "", f"## {doc['topic']}", ""]
        for key in ("day_date", "time", "place", "organiser", "chair", "note_taker"):
            lines.append(f"- **{label[key]}:** {doc[key] or label['none']}")
        lines.append(f"- **{label['opened']}:** {doc['opened_at'] or label['none']}")
        lines.append(f"- **{label['closed']}:** {doc['closed_at'] or label['none']}")
        if doc["corrects"]:
            lines += [
                "",
                f"*{label['revision'] % {'number': doc['revision'], 'corrects': doc['corrects']}}*",
            ]
        lines += ["", f"## {label['attendance']}", ""]
        lines.append(label["present"] % {"present": doc["present"], "count": count})
        lines += [
            "",
            f"| {label['agency']} | {label['name']} | {label['role']} | {label['was_present']} |",
        ]
        lines.append("|---|---|---|---|")
        for group in doc["attendance"]:
            for person in group["people"]:
                present = label["yes"] if person["present"] else label["no"]
                lines.append(
                    f"| {_cell(group['agency'])} | {_cell(person['name'])} | "
                    f"{roles.get(person['role'], person['role'])} | {present} |"
                )
        if doc["opening"]:
            lines += ["", f"## {label['opening']}", "", doc["opening"]]
        lines += ["", f"## {label['discussion']}", ""]
        for item in doc["items"]:
            lines.append(f"### {item['number']}. {item['title']}")
            meta = [f"{label['outcome']}: {item['outcome']}"]
            if item["presenter"]:
                meta.insert(0, f"{label['presenter']}: {item['presenter']}")
            lines += ["", f"*{' · '.join(meta)}*", "", item["notes"] or label["no_notes"], ""]
        for key in ("decisions", "actions", "closing"):
            if doc[key] or key != "closing":
                lines += [f"## {label[key]}", "", doc[key] or label["none"], ""]
        lines += [f"## {label['approval']}", ""]
        if doc["approved_by"]:
            lines.append(label["approved"] % {"name": doc["approved_by"], "at": doc["approved_at"]})
        lines += [
            "",
            f"| {label['chair']} | {label['note_taker']} |",
            "|---|---|",
            f"| {_cell(doc['chair'])} | {_cell(doc['note_taker'])} |",
            f"| {label['signature']}: | {label['signature']}: |",
            "",
            *_seal_lines(doc, label),
        ]
        return "\n".join(lines)


def _seal_lines(doc: dict[str, Any], label: dict[str, str]) -> list[str]:
    lines = []
    if doc.get("sealed"):
        lines.append(label["sealed"] % doc["sealed"])
    if doc.get("log_head"):
        lines.append(label["head"] % doc["log_head"])
    return [line for pair in zip(lines, [""] * len(lines), strict=True) for line in pair]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _fonts() -> tuple[str, str]:
    import reportlab
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    folder = Path(reportlab.__file__).parent / "fonts"
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, str(folder / "Vera.ttf")))
        pdfmetrics.registerFont(TTFont(f"{FONT}-Bold", str(folder / "VeraBd.ttf")))
        pdfmetrics.registerFont(TTFont(f"{FONT}-Italic", str(folder / "VeraIt.ttf")))
    return FONT, f"{FONT}-Bold"


def notulen_pdf(doc: dict[str, Any]) -> bytes:
    """The notulen as a PDF (A4)."""
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import cm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    regular, bold = _fonts()
    base = ParagraphStyle("base", fontName=regular, fontSize=10, leading=13.5)
    small = ParagraphStyle("small", parent=base, fontSize=9, leading=12)
    heading = ParagraphStyle(
        "heading", parent=base, fontName=bold, fontSize=14, leading=18, alignment=1
    )
    title = ParagraphStyle(
        "title", parent=base, fontName=bold, fontSize=12, leading=16, alignment=1
    )
    section = ParagraphStyle(
        "section", parent=base, fontName=bold, fontSize=11, leading=15, spaceBefore=10, spaceAfter=4
    )
    item_style = ParagraphStyle("item", parent=base, fontName=bold, spaceBefore=6)

    def text(value: str, style=base) -> Paragraph:
        return Paragraph(escape(value).replace("\n", "<br/>"), style)

    with translation.override(doc["language"]):
        label, roles = _labels(), _roles()
        count = sum(len(group["people"]) for group in doc["attendance"])
        present = {"present": doc["present"], "count": count}
        story: list[Any] = [
            text(label["heading"], heading),
            text(doc["topic"], title),
            Spacer(1, 0.4 * cm),
        ]
        facts = [
            (label[key], doc[key] or label["none"])
            for key in ("day_date", "time", "place", "organiser", "chair", "note_taker")
        ] + [
            (label["opened"], doc["opened_at"] or label["none"]),
            (label["closed"], doc["closed_at"] or label["none"]),
        ]
        table = Table(
            [[text(k, small), text(f": {v}", small)] for k, v in facts],
            colWidths=[4 * cm, 12.5 * cm],
        )
        table.setStyle(
            TableStyle(
                [("VALIGN", (0, 0), (-1, -1), "TOP"), ("BOTTOMPADDING", (0, 0), (-1, -1), 1)]
            )
        )
        story.append(table)
        if doc["corrects"]:
            story.append(
                text(
                    label["revision"] % {"number": doc["revision"], "corrects": doc["corrects"]},
                    small,
                )
            )
        story.append(
            text(
                f"{label['attendance']} ({label['present'] % present})",
                section,
            )
        )
        rows = [[text(label[key], small) for key in ("agency", "name", "role", "was_present")]]
        for group in doc["attendance"]:
            for person in group["people"]:
                rows.append(
                    [
                        text(group["agency"], small),
                        text(person["name"], small),
                        text(roles.get(person["role"], person["role"]), small),
                        text(label["yes"] if person["present"] else label["no"], small),
                    ]
                )
        attendance = Table(rows, colWidths=[5.5 * cm, 5.5 * cm, 3.5 * cm, 2 * cm], repeatRows=1)
        attendance.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e7f0f5")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        story.append(attendance)
        if doc["opening"]:
            story += [text(label["opening"], section), text(doc["opening"])]
        story.append(text(label["discussion"], section))
        for item in doc["items"]:
            story.append(text(f"{item['number']}. {item['title']}", item_style))
            meta = f"{label['outcome']}: {item['outcome']}"
            if item["presenter"]:
                meta = f"{label['presenter']}: {item['presenter']} · {meta}"
            story += [text(meta, small), text(item["notes"] or label["no_notes"])]
        for key in ("decisions", "actions", "closing"):
            if doc[key] or key != "closing":
                story += [text(label[key], section), text(doc[key] or label["none"])]
        story.append(text(label["approval"], section))
        if doc["approved_by"]:
            story.append(
                text(label["approved"] % {"name": doc["approved_by"], "at": doc["approved_at"]})
            )
        signatures = Table(
            [
                [text(label["chair"], small), text(label["note_taker"], small)],
                [Spacer(1, 2 * cm), Spacer(1, 2 * cm)],
                [text(doc["chair"]), text(doc["note_taker"])],
            ],
            colWidths=[8.25 * cm, 8.25 * cm],
        )
        signatures.setStyle(TableStyle([("LINEBELOW", (0, 1), (-1, 1), 0.5, colors.black)]))
        story += [Spacer(1, 0.5 * cm), signatures, Spacer(1, 0.5 * cm)]
        story += [text(line, small) for line in _seal_lines(doc, label) if line]

        buffer = io.BytesIO()
        document = SimpleDocTemplate(
            buffer,
            pagesize=A4,
            title=f"{label['heading']}: {doc['topic']}",
            author="Rakor",
            leftMargin=2.2 * cm,
            rightMargin=2.2 * cm,
            topMargin=2 * cm,
            bottomMargin=2 * cm,
        )

        def number_pages(canvas, template) -> None:
            canvas.setFont(regular, 8)
            canvas.drawRightString(
                A4[0] - 2.2 * cm, 1.2 * cm, f"{doc['topic'][:80]} · {template.page}"
            )

        document.build(story, onFirstPage=number_pages, onLaterPages=number_pages)
        return buffer.getvalue()
