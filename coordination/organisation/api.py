"""API endpoints of the organisation domain: who am I, and the agencies."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from coordination.organisation import selectors
from coordination.organisation.models import Agency
from coordination.platform.pagination import (
    CURSOR_PATTERN,
    DEFAULT_LIMIT,
    MAX_LIMIT,
    paginate_by_id,
)
from coordination.platform.schemas import AUTH_ERRORS, ErrorOut, Text

router = Router(tags=["organisation"])


class AgencyRef(Schema):
    code: str
    name: str


class AgencyOut(Schema):
    code: str
    name: str
    level: Agency.Level
    timezone: str
    parent: AgencyRef | None


class AgencyPage(Schema):
    items: list[AgencyOut]
    next: str | None


class MeOut(Schema):
    username: str
    name: str
    email: str
    position_title: str
    agency: AgencyRef | None
    timezone: str = Field(description="IANA zone every time is shown in for this official.")
    language: str
    roles: list[str]
    reminder_minutes: list[int] = Field(
        description="Minutes before a meeting's start at which the official is reminded."
    )


class AgencyFilter(Schema):
    q: Text = Field("", max_length=100, description="Part of the name or code.")
    level: Agency.Level | None = None
    parent: Text = Field("", max_length=32, description="Code of the parent agency.")
    cursor: str | None = Field(
        None, pattern=CURSOR_PATTERN, description="The `next` of the previous page."
    )
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


def agency_ref(agency: Agency | None) -> dict | None:
    return None if agency is None else {"code": agency.code, "name": agency.name}


@router.get("/me", response={200: MeOut, **AUTH_ERRORS}, summary="The signed-in official")
def me(request: HttpRequest):
    official = request.auth
    return {
        "username": official.username,
        "name": official.display_name,
        "email": official.email,
        "position_title": official.position_title,
        "agency": agency_ref(official.agency),
        "timezone": official.zone_name,
        "language": official.language,
        "roles": selectors.official_roles(official),
        "reminder_minutes": official.reminder_minutes,
    }


@router.get(
    "/agencies",
    response={200: AgencyPage, 400: ErrorOut, **AUTH_ERRORS},
    summary="Agencies, in id order, a page at a time",
)
def agencies(request: HttpRequest, filters: Query[AgencyFilter]):
    queryset = selectors.agency_list(
        q=filters.q, level=filters.level or "", parent_code=filters.parent
    )
    rows, next_cursor = paginate_by_id(queryset, cursor=filters.cursor, limit=filters.limit)
    return {
        "items": [
            {
                "code": agency.code,
                "name": agency.name,
                "level": agency.level,
                "timezone": agency.timezone,
                "parent": agency_ref(agency.parent),
            }
            for agency in rows
        ],
        "next": next_cursor,
    }


class OfficialOut(Schema):
    username: str
    name: str
    position_title: str
    agency: AgencyRef | None


class OfficialPage(Schema):
    items: list[OfficialOut]
    next: str | None


class OfficialFilter(Schema):
    q: Text = Field("", max_length=100, description="Part of the name, username or position.")
    agency: Text = Field("", max_length=32, description="Code of the agency.")
    cursor: str | None = Field(None, pattern=CURSOR_PATTERN)
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


@router.get(
    "/officials",
    response={200: OfficialPage, 400: ErrorOut, **AUTH_ERRORS},
    summary="Active officials (the directory), a page at a time",
)
def officials(request: HttpRequest, filters: Query[OfficialFilter]):
    queryset = selectors.official_list(q=filters.q, agency_code=filters.agency)
    rows, next_cursor = paginate_by_id(queryset, cursor=filters.cursor, limit=filters.limit)
    return {
        "items": [
            {
                "username": o.username,
                "name": o.display_name,
                "position_title": o.position_title,
                "agency": agency_ref(o.agency),
            }
            for o in rows
        ],
        "next": next_cursor,
    }
