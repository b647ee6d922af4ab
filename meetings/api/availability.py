"""The scheduling assistant's API: POST /api/v1/availability. Thin: it calls
meetings.services.availability, as the meeting form's "Find a time" does (through this API)."""

from __future__ import annotations

import datetime
import re
from typing import Annotated, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema
from pydantic import BeforeValidator, StringConstraints, WithJsonSchema

from coordination.platform.schemas import AUTH_ERRORS, ErrorOut
from meetings import availability
from meetings.services import availability as assistant
from meetings.services.scheduling import MAX_PARTICIPANTS

router = Router()

ERRORS = {400: ErrorOut, 404: ErrorOut, 429: ErrorOut, **AUTH_ERRORS}
Username = Annotated[str, StringConstraints(pattern=r"^[\w.@+-]{1,150}$")]
AgencyCode = Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]{1,40}$")]


def _strict_bool(value: object) -> object:
    if not isinstance(value, bool):
        raise ValueError("true or false")
    return value


StrictBool = Annotated[bool, BeforeValidator(_strict_bool)]


DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"


def _iso_date(value: object) -> object:
    # YYYY-MM-DD only (CONTRACT.md), never a number; 2026-02-30 is refused by fromisoformat.
    if not isinstance(value, str) or not re.fullmatch(DATE_PATTERN, value):
        raise ValueError("a date, YYYY-MM-DD")
    return datetime.date.fromisoformat(value)


IsoDate = Annotated[
    datetime.date,
    BeforeValidator(_iso_date),
    WithJsonSchema({"type": "string", "format": "date", "pattern": DATE_PATTERN}),
]


class WantedOfficialIn(Schema):
    username: Username
    required: StrictBool = True


class WantedAgencyIn(Schema):
    code: AgencyCode
    required: StrictBool = True


class AvailabilityIn(Schema):
    participants: list[WantedOfficialIn] = Field(default_factory=list, max_length=MAX_PARTICIPANTS)
    agencies: list[WantedAgencyIn] = Field(default_factory=list, max_length=assistant.MAX_AGENCIES)
    duration_minutes: int = Field(
        ge=assistant.MIN_MINUTES,
        le=assistant.DAY_MINUTES,
        description="15 minutes up to RAKOR_MEETING_MAX_HOURS (a day at most).",
    )
    start_date: IsoDate = Field(description="The first day searched, in your zone.")
    end_date: IsoDate = Field(
        description=f"The last day searched, in your zone: {assistant.MAX_DAYS} days at most."
    )
    limit: int = Field(20, ge=1, le=assistant.MAX_PROPOSALS, description="Proposals at most.")


Reason = Literal[
    availability.Reason.NON_WORKING_DAY,
    availability.Reason.OUTSIDE_HOURS,
    availability.Reason.FRIDAY_PRAYER,
    availability.Reason.BUSY,
    availability.Reason.NO_OFFICIALS,
    availability.Reason.NOBODY_FREE,
]


class LocalTimesOut(Schema):
    start: str
    end: str


class AvailablePersonOut(Schema):
    username: str
    name: str


class WantedOfficialOut(Schema):
    username: str
    name: str
    required: bool
    free: bool
    reason: Reason | None = Field(description="Why they cannot come (null when they can).")


class WantedAgencyOut(Schema):
    code: str
    name: str
    required: bool
    free: bool = Field(description="At least one of its officials can come.")
    reason: Reason | None
    officials: list[AvailablePersonOut] = Field(description="Its officials who can come then.")


class TimeProposalOut(Schema):
    start: str = Field(description="ISO 8601, UTC.")
    end: str
    wib: LocalTimesOut = Field(description="The same times in WIB (Asia/Jakarta).")
    wita: LocalTimesOut = Field(description="In WITA (Asia/Makassar).")
    wit: LocalTimesOut = Field(description="In WIT (Asia/Jayapura).")
    everyone: bool = Field(description="Every required participant and agency can come.")
    required_free: int
    required_total: int
    participants: list[WantedOfficialOut]
    agencies: list[WantedAgencyOut]


class AvailabilityOut(Schema):
    everyone: bool = Field(
        description="The proposals suit every required participant and agency; false: no "
        "time does, and these suit the most of them."
    )
    searched_from: str
    searched_until: str
    proposals: list[TimeProposalOut]


@router.post(
    "/availability",
    response={200: AvailabilityOut, **ERRORS},
    summary="Find times that suit the participants and agencies (earliest first)",
    tags=["meetings"],
)
def availability_find(request: HttpRequest, payload: AvailabilityIn):
    result = assistant.availability_propose(
        by=request.auth,
        participants=[assistant.Wanted(p.username, p.required) for p in payload.participants],
        agencies=[assistant.Wanted(a.code, a.required) for a in payload.agencies],
        duration_minutes=payload.duration_minutes,
        start_date=payload.start_date,
        end_date=payload.end_date,
        limit=payload.limit,
    )
    return availability.result_as_dict(result)
