"""The meeting form and the reply upload. Forms check what a person typed and turn it into
the values meetings.services takes; the services hold every rule."""

from __future__ import annotations

import datetime
import hashlib
import zoneinfo
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coordination.organisation.models import Agency, Classification, Language, Official
from coordination.organisation.timefmt import zone_label
from coordination.platform.errors import DomainError
from coordination.platform.widgets import (
    IsoDateInput,
    IsoTimeInput,
    PickerSelect,
    PickerSelectMultiple,
)
from meetings import itip, recurrence, selectors
from meetings.models import Meeting, Participant
from meetings.services import scheduling
from meetings.services.scheduling import Invitee

INDONESIAN_ZONES = [
    ("Asia/Jakarta", _("WIB: Western Indonesia (Asia/Jakarta)")),
    ("Asia/Makassar", _("WITA: Central Indonesia (Asia/Makassar)")),
    ("Asia/Jayapura", _("WIT: Eastern Indonesia (Asia/Jayapura)")),
]
SERVICE_FIELDS = {"title", "description", "location", "language", "video", "classification"}
# What an occurrence shares with its series: its own form does not offer them.
SERIES_FIELDS = (
    "timezone",
    "language",
    "classification",
    "chair",
    "note_taker",
    "required",
    "optional",
    "agencies",
    "repeat",
    "interval",
    "weekdays",
    "ends",
    "count",
    "until",
)
REPEATS = [
    ("", _("Does not repeat")),
    ("daily", _("Every day")),
    ("weekly", _("Every week, on the days chosen")),
    ("monthly_date", _("Every month, on the same date")),
    ("monthly_weekday", _("Every month, on the same weekday (such as the second Tuesday)")),
]
WEEKDAYS = [
    ("MO", _("Monday")),
    ("TU", _("Tuesday")),
    ("WE", _("Wednesday")),
    ("TH", _("Thursday")),
    ("FR", _("Friday")),
    ("SA", _("Saturday")),
    ("SU", _("Sunday")),
]


def zone_choices() -> list[Any]:
    indonesian = {name for name, _label in INDONESIAN_ZONES}
    others = sorted(z for z in zoneinfo.available_timezones() if z not in indonesian and "/" in z)
    return [
        (_("Indonesia"), INDONESIAN_ZONES),
        (_("Other zones"), [(z, f"{z.replace('_', ' ')} ({zone_label(z)})") for z in others]),
    ]


@dataclass
class Options:
    """Choices for a picker: (value, label) pairs and each value's name and detail line."""

    choices: list[tuple[str, str]]
    data: dict[str, dict[str, str]]


def official_options() -> Options:
    """Active officials, with their username, position and agency to search by."""
    rows = (
        Official.objects.filter(is_active=True)
        .select_related("agency")
        .order_by("agency__name", "first_name", "last_name", "username")
    )
    choices, data = [], {}
    for o in rows:
        agency = o.agency.name if o.agency_id else "—"
        detail = " · ".join(part for part in (f"@{o.username}", o.position_title, agency) if part)
        choices.append((o.username, f"{o.display_name} ({detail})"))
        data[o.username] = {"name": o.display_name, "detail": detail}
    return Options(choices, data)


def agency_options() -> Options:
    choices, data = [], {}
    for a in Agency.objects.order_by("name"):
        choices.append((a.code, f"{a.name} (@{a.code})"))
        data[a.code] = {"name": a.name, "detail": f"@{a.code} · {a.get_level_display()}"}
    return Options(choices, data)


class MeetingForm(forms.Form):
    title = forms.CharField(
        label=_("Title"), max_length=Meeting._meta.get_field("title").max_length
    )
    description = forms.CharField(
        label=_("Note for the participants"),
        help_text=_("The agenda itself is built item by item on the meeting's page."),
        max_length=Meeting._meta.get_field("description").max_length,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    date = forms.DateField(label=_("Date"), widget=IsoDateInput())
    start_time = forms.TimeField(label=_("Starts at"), widget=IsoTimeInput())
    end_time = forms.TimeField(label=_("Ends at"), widget=IsoTimeInput())
    timezone = forms.ChoiceField(
        label=_("Time zone of the meeting"),
        help_text=_(
            "The date and times above are in this zone. Each participant sees them in "
            "their own zone."
        ),
    )
    repeat = forms.ChoiceField(label=_("Repeats"), choices=REPEATS, required=False)
    interval = forms.IntegerField(
        label=_("Every how many (days, weeks or months)"),
        min_value=1,
        max_value=recurrence.MAX_INTERVAL,
        initial=1,
        required=False,
    )
    weekdays = forms.MultipleChoiceField(
        label=_("On"),
        choices=WEEKDAYS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("For a weekly meeting; the first date must be one of them."),
    )
    ends = forms.ChoiceField(
        label=_("Ends"),
        choices=[
            ("count", _("After a number of meetings")),
            ("until", _("On a date")),
            ("never", _("Never")),
        ],
        initial="count",
        required=False,
    )
    count = forms.IntegerField(
        label=_("Number of meetings"), min_value=1, initial=10, required=False
    )
    until = forms.DateField(label=_("Last date"), required=False, widget=IsoDateInput())
    location = forms.CharField(
        label=_("Place"),
        max_length=Meeting._meta.get_field("location").max_length,
        required=False,
        help_text=_("A room and building, if people meet in person too."),
    )
    video = forms.ChoiceField(label=_("Video meeting"), choices=Meeting.Video.choices)
    language = forms.ChoiceField(label=_("Language of the invitation"), choices=Language.choices)
    classification = forms.ChoiceField(label=_("Classification"), choices=Classification.choices)
    chair = forms.ChoiceField(label=_("Chair"), required=False, widget=PickerSelect())
    note_taker = forms.ChoiceField(label=_("Note taker"), required=False, widget=PickerSelect())
    required = forms.MultipleChoiceField(
        label=_("Participants"),
        required=False,
        help_text=_("Officials invited by name. You take part as the organiser anyway."),
        widget=PickerSelectMultiple(attrs={"size": 8}),
    )
    optional = forms.MultipleChoiceField(
        label=_("Optional participants"),
        required=False,
        widget=PickerSelectMultiple(attrs={"size": 5}),
    )
    agencies = forms.MultipleChoiceField(
        label=_("Whole agencies"),
        required=False,
        help_text=_("Every official of the agency is invited. Not for rahasia meetings."),
        widget=PickerSelectMultiple(attrs={"size": 5}),
    )
    # What the organiser confirmed despite the busy warning: a digest of the times and the
    # people, so changing either checks again.
    confirm_busy = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
    version = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(
        self, *args: Any, official: Official, meeting: Meeting | None = None, **kwargs: Any
    ) -> None:
        if meeting is not None and not args and "initial" not in kwargs:
            kwargs["initial"] = initial_from_meeting(meeting)
        super().__init__(*args, **kwargs)
        self.official = official
        self.meeting = meeting
        # Editing keeps the meeting's organiser (an editing coordinator is not added), and
        # the roles of chairs and note takers beyond the first, listed with the participants.
        self.organiser = meeting.organiser if meeting is not None else official
        self.original_roles = named_roles(meeting) if meeting is not None else {}
        self.busy: list[dict[str, Any]] = []
        # The organiser takes part anyway (as chair unless another is chosen), so is not
        # offered as a participant; they may still take the notes while another chairs.
        everyone = official_options()
        people = [c for c in everyone.choices if c[0] != self.organiser.username]
        self.fields["timezone"].choices = zone_choices()
        organiser_label = (
            _("Me (the organiser)")
            if meeting is None
            else _("The organiser (%(name)s)") % {"name": meeting.organiser.display_name}
        )
        self.fields["chair"].choices = [("", organiser_label), *people]
        self.fields["note_taker"].choices = [("", _("Nobody in particular")), *everyone.choices]
        self.fields["required"].choices = people
        self.fields["optional"].choices = people
        for name in ("chair", "note_taker", "required", "optional"):
            self.fields[name].widget.option_data = everyone.data
        agencies = agency_options()
        self.fields["agencies"].choices = agencies.choices
        self.fields["agencies"].widget.option_data = agencies.data
        self.fields["count"].max_value = recurrence._max_count()
        self.is_occurrence = meeting is not None and meeting.series_id is not None
        if self.is_occurrence:
            for name in SERIES_FIELDS:
                del self.fields[name]
        if meeting is None:
            self.initial.setdefault("timezone", official.zone_name)
            self.initial.setdefault("language", official.language)
            self.initial.setdefault("video", Meeting.Video.JITSI)

    def clean(self) -> dict[str, Any]:
        """Only what the form itself adds: the date and times read in the chosen zone, and
        rules about its own fields. The meeting's rules (end after start, a start ahead,
        rahasia by name only) are the service's, shown on the fields they concern."""
        data = super().clean()
        if self.is_occurrence:
            for name in ("timezone", "language", "classification"):
                data[name] = getattr(self.meeting, name)
        day, start, end, zone = (
            data.get("date"),
            data.get("start_time"),
            data.get("end_time"),
            data.get("timezone"),
        )
        if day and start and end and zone:
            tz = zoneinfo.ZoneInfo(zone)
            data["start"] = datetime.datetime.combine(day, start, tzinfo=tz)
            data["end"] = datetime.datetime.combine(day, end, tzinfo=tz)
            data["rrule"] = "" if self.is_occurrence else self._rule(data)
        both = set(data.get("required", [])) & set(data.get("optional", []))
        if both:
            self.add_error(
                "optional",
                _("%(names)s cannot be both a participant and optional.")
                % {"names": ", ".join(sorted(both))},
            )
        if data.get("chair") and data.get("chair") == data.get("note_taker"):
            self.add_error("note_taker", _("The chair and the note taker are different people."))
        return data

    def _rule(self, data: dict[str, Any]) -> str:
        """The RRULE the repeat fields describe (the service checks it)."""
        repeat = data.get("repeat") or ""
        if not repeat:
            return ""
        local = data["start"]
        parts = {
            "daily": ["FREQ=DAILY"],
            "weekly": ["FREQ=WEEKLY"],
            "monthly_date": ["FREQ=MONTHLY", f"BYMONTHDAY={local.day}"],
            "monthly_weekday": [
                "FREQ=MONTHLY",
                f"BYDAY={(local.day - 1) // 7 + 1 if local.day <= 28 else -1}"
                f"{WEEKDAYS[local.weekday()][0]}",
            ],
        }[repeat]
        if (data.get("interval") or 1) > 1:
            parts.append(f"INTERVAL={data['interval']}")
        if repeat == "weekly":
            days = data.get("weekdays") or [WEEKDAYS[local.weekday()][0]]
            parts.append("BYDAY=" + ",".join(days))
        ends = data.get("ends") or "count"
        if ends == "count":
            if not data.get("count"):
                self.add_error("count", _("How many meetings in all?"))
                return ""
            parts.append(f"COUNT={data['count']}")
        elif ends == "until":
            if not data.get("until"):
                self.add_error("until", _("On which date is the last meeting?"))
                return ""
            parts.append(f"UNTIL={data['until'].strftime('%Y%m%d')}")
        return ";".join(parts)

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        if self.is_occurrence:
            return {
                **{name: data[name] for name in SERVICE_FIELDS},
                "start": data["start"],
                "end": data["end"],
                "timezone_name": data["timezone"],
                "participants": [],
                "agencies": [],
            }
        roles: dict[str, str] = {}
        for username in data.get("optional", []):
            roles[username] = Participant.Role.OPTIONAL
        leading = (Participant.Role.CHAIR, Participant.Role.NOTE_TAKER)
        for username in data.get("required", []):
            kept = self.original_roles.get(username)
            roles[username] = kept if kept in leading else Participant.Role.REQUIRED
        if data.get("note_taker"):
            roles[data["note_taker"]] = Participant.Role.NOTE_TAKER
        organiser = self.organiser.username
        chair = data.get("chair") or organiser
        roles[chair] = Participant.Role.CHAIR
        if chair != organiser:
            roles.setdefault(organiser, Participant.Role.REQUIRED)
        return {
            **{name: data[name] for name in SERVICE_FIELDS},
            "start": data["start"],
            "end": data["end"],
            "timezone_name": data["timezone"],
            "participants": [Invitee(u, r) for u, r in roles.items()],
            "agencies": list(data.get("agencies", [])),
            "rrule": data.get("rrule", ""),
        }

    @staticmethod
    def busy_digest(data: dict[str, Any]) -> str:
        people = sorted(p.username for p in data["participants"])
        text = "|".join(
            [data["start"].isoformat(), data["end"].isoformat(), *people, "#", *data["agencies"]]
        )
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    def busy_confirmed(self, data: dict[str, Any]) -> bool:
        return self.cleaned_data.get("confirm_busy") == self.busy_digest(data)

    def busy_check(self, data: dict[str, Any]) -> bool:
        """Who would be busy; when someone is, the form asks to confirm (True)."""
        try:
            scheduling.check_times(data["start"], data["end"], must_be_future=False)
            self.busy = selectors.clash_list_before_saving(
                viewer=self.official,
                start=data["start"],
                end=data["end"],
                usernames=[p.username for p in data["participants"]],
                agency_codes=data["agencies"],
                exclude=self.meeting.pk if self.meeting else None,
            )
        except DomainError as exc:
            self.add_domain_error(exc)
            return True
        if self.busy:
            self.data = self.data.copy()
            self.data["confirm_busy"] = self.busy_digest(data)
        return bool(self.busy)

    def add_domain_error(self, exc: DomainError) -> None:
        names = {
            "participants": "required",
            "rrule": "repeat",
            "exdates": "repeat",
            "timezone_name": "timezone",
            "start": "date",
            "end": "end_time",
        }
        # The service's message is one whole sentence; it is shown once, on the first field it
        # concerns (the per-field words, "Before the start.", are for API clients).
        fields = [names.get(name, name) for name in (exc.fields or {})]
        field = next((f for f in fields if f in self.fields), None)
        self.add_error(field, exc.message)


def changes(data: dict[str, Any]) -> dict[str, Any]:
    """The form's values as meeting_update's `changes` (participants and agencies apart)."""
    result = {name: data[name] for name in SERVICE_FIELDS}
    result |= {"start": data["start"], "end": data["end"], "timezone": data["timezone_name"]}
    if "rrule" in data:
        result["rrule"] = data["rrule"]
    return result


def initial_repeat(meeting: Meeting) -> dict[str, Any]:
    """The repeat fields of a series' form, read back from its rule."""
    if not meeting.rrule:
        return {"repeat": "", "interval": 1, "ends": "count", "count": 10}
    parts = dict(p.split("=", 1) for p in meeting.rrule.split(";"))
    freq = parts["FREQ"]
    repeat = {"DAILY": "daily", "WEEKLY": "weekly"}.get(freq)
    if freq == "MONTHLY":
        repeat = "monthly_date" if "BYMONTHDAY" in parts else "monthly_weekday"
    initial: dict[str, Any] = {
        "repeat": repeat,
        "interval": int(parts.get("INTERVAL", "1")),
        "weekdays": parts["BYDAY"].split(",") if freq == "WEEKLY" and "BYDAY" in parts else [],
        "ends": "never",
        "count": 10,
    }
    if "COUNT" in parts:
        initial |= {"ends": "count", "count": int(parts["COUNT"])}
    elif "UNTIL" in parts:
        until = datetime.datetime.strptime(parts["UNTIL"], "%Y%m%dT%H%M%SZ").replace(
            tzinfo=datetime.UTC
        )
        initial |= {
            "ends": "until",
            "until": until.astimezone(zoneinfo.ZoneInfo(meeting.timezone)).date(),
        }
    return initial


def named_roles(meeting: Meeting) -> dict[str, str]:
    return dict(
        Participant.objects.filter(meeting=meeting, named=True)
        .order_by("id")
        .values_list("official__username", "role")
    )


def initial_from_meeting(meeting: Meeting) -> dict[str, Any]:
    local_start = meeting.start.astimezone(zoneinfo.ZoneInfo(meeting.timezone))
    local_end = meeting.end.astimezone(zoneinfo.ZoneInfo(meeting.timezone))
    by_role: dict[str, list[str]] = {}
    for username, role in named_roles(meeting).items():
        by_role.setdefault(role, []).append(username)
    chairs = by_role.get(Participant.Role.CHAIR, [])
    organiser = meeting.organiser.username
    chair = organiser if organiser in chairs else next(iter(chairs), "")
    note_takers = by_role.get(Participant.Role.NOTE_TAKER, [])
    # Further chairs and note takers are listed with the participants; they keep their role.
    extra = [u for u in chairs if u not in (chair, organiser)] + note_takers[1:]
    return {
        "title": meeting.title,
        "description": meeting.description,
        "date": local_start.date(),
        "start_time": local_start.time(),
        "end_time": local_end.time(),
        "timezone": meeting.timezone,
        "location": meeting.location,
        "video": meeting.video,
        "language": meeting.language,
        "classification": meeting.classification,
        "chair": "" if chair == organiser else chair,
        "note_taker": next(iter(note_takers), ""),
        "required": [u for u in by_role.get(Participant.Role.REQUIRED, []) if u != organiser]
        + extra,
        "optional": by_role.get(Participant.Role.OPTIONAL, []),
        "agencies": [a.agency.code for a in meeting.agencies.select_related("agency")],
        "version": meeting.version,
        **initial_repeat(meeting),
    }


def initial_for(request: HttpRequest, official: Official) -> dict[str, Any]:
    """A new meeting's form: tomorrow at 09.00 in the organiser's zone; from a messaging room
    (?room=<id>), its name and its members."""
    zone = zoneinfo.ZoneInfo(official.zone_name)
    tomorrow = (timezone.now().astimezone(zone) + datetime.timedelta(days=1)).date()
    initial: dict[str, Any] = {
        "date": tomorrow,
        "start_time": datetime.time(9, 0),
        "end_time": datetime.time(10, 0),
    }
    room_id = request.GET.get("room", "")
    if room_id.isdigit() and len(room_id) < 18:
        from messaging.selectors import room_prefill

        prefill = room_prefill(official, int(room_id))
        if prefill:
            initial["title"] = prefill["title"]
            initial["required"] = [u for u in prefill["usernames"] if u != official.username]
            initial["classification"] = prefill["classification"]
    return initial


class ReplyUploadForm(forms.Form):
    file = forms.FileField(
        label=_("A reply received by mail (.ics)"),
        help_text=_("The invitation answer a participant's calendar sent, as a .ics file."),
        widget=forms.ClearableFileInput(attrs={"accept": ".ics,text/calendar"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > itip.MAX_BYTES:
            raise ValidationError(_("An iTIP reply may not be larger than 1 MB."))
        return upload


# --- decisions and follow-up actions (the rules are meetings.services.decisions') ----------


class DecisionForm(forms.Form):
    text = forms.CharField(
        label=_("What was decided"),
        max_length=5_000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    agenda_item = forms.TypedChoiceField(
        label=_("Agenda item"), required=False, coerce=int, empty_value=None
    )
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=500,
        help_text=_("Short words, separated by commas: anggaran, infrastruktur."),
    )
    classification = forms.ChoiceField(label=_("Classification"), choices=Classification.choices)
    decided_on = forms.DateField(
        label=_("Decided on"),
        required=False,
        widget=IsoDateInput(),
        help_text=_("Leave empty for now; for a decision recorded after the meeting, its day."),
    )
    decided_time = forms.TimeField(
        label=_("at (your time zone)"), required=False, widget=IsoTimeInput()
    )

    def __init__(self, *args, meeting: Meeting, items: list, zone: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.zone = zone
        self.fields["agenda_item"].choices = [("", _("(none)"))] + [
            (item.pk, f"{item.position}. {item.title}") for item in items
        ]
        self.fields["classification"].initial = meeting.classification

    def decided_at(self) -> datetime.datetime | None:
        """The day and time given, in the official's zone (None: now)."""
        day = self.cleaned_data.get("decided_on")
        if day is None:
            return None
        at = self.cleaned_data.get("decided_time") or datetime.time(12)
        return datetime.datetime.combine(day, at, tzinfo=zoneinfo.ZoneInfo(self.zone))

    def clean_tags(self) -> list[str]:
        return [tag for tag in self.cleaned_data["tags"].split(",") if tag.strip()]


class DecisionStatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("New status"),
        choices=[("superseded", _("Superseded by another decision")), ("revoked", _("Revoked"))],
    )
    superseded_by = forms.TypedChoiceField(
        label=_("Superseded by"), required=False, coerce=int, empty_value=None
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=2_000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required to revoke."),
    )

    def __init__(self, *args, others: list, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["superseded_by"].choices = [("", "—")] + [
            (decision.pk, f"#{decision.pk} {decision.text[:80]}") for decision in others
        ]


class ActionForm(forms.Form):
    description = forms.CharField(
        label=_("What must be done"), max_length=2_000, widget=forms.Textarea(attrs={"rows": 3})
    )
    agency = forms.ChoiceField(label=_("Responsible agency"), widget=PickerSelect())
    assignee = forms.ChoiceField(
        label=_("Responsible official"),
        required=False,
        widget=PickerSelect(),
        help_text=_("Optional: an official of that agency."),
    )
    due = forms.DateField(label=_("Due"), widget=IsoDateInput())

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        agencies = list(Agency.objects.order_by("name"))
        self.fields["agency"].choices = [("", "—")] + [(a.code, a.name) for a in agencies]
        self.fields["agency"].widget.option_data = {
            a.code: {"name": a.name, "detail": a.code} for a in agencies
        }
        officials = list(
            Official.objects.filter(is_active=True)
            .select_related("agency")
            .order_by("first_name", "last_name", "username")
        )
        self.fields["assignee"].choices = [("", _("(nobody by name)"))] + [
            (o.username, o.display_name) for o in officials
        ]
        self.fields["assignee"].widget.option_data = {
            o.username: {
                "name": o.display_name,
                "detail": " · ".join(
                    part for part in (o.username, o.agency.name if o.agency else "") if part
                ),
            }
            for o in officials
        }


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's recipe): a list, checked one by one."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [super(MultipleFileField, self).clean(item, initial) for item in data]
        return [super().clean(data, initial)] if data else []


class ActionUpdateForm(forms.Form):
    status = forms.ChoiceField(label=_("Status from now on"))
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=5_000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What was done; when it is done, the evidence (or attach it)."),
    )
    # Checked (type by content, size) by the service.
    files = MultipleFileField(label=_("Files (evidence)"), required=False)

    def __init__(self, *args, choices: list, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = choices
