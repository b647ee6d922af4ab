"""API endpoints of the organisation domain: who am I, and the agencies."""

from __future__ import annotations

import datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import translation
from ninja import Query, Router, Schema
from pydantic import ConfigDict, Field, create_model

from coordination.organisation import notifications, selectors
from coordination.organisation.models import Agency
from coordination.platform.pagination import (
    CURSOR_PATTERN,
    DEFAULT_LIMIT,
    MAX_LIMIT,
    paginate_by_id,
)
from coordination.platform.schemas import AUTH_ERRORS, ErrorOut, Id, Text

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


# --- notifications -----------------------------------------------------------------------


class NotificationOut(Schema):
    id: int
    kind: str
    text: str
    link: str = Field(description="Where it points (a page of Rakor); empty: nowhere.")
    open: str = Field(description="The same page through Rakor, marking it read on the way.")
    created_at: datetime.datetime
    read: bool


class NotificationPage(Schema):
    items: list[NotificationOut]
    next: str | None
    unread: int = Field(description="How many of the official's notifications are unread.")


class NotificationFilter(Schema):
    unread: bool = Field(False, description="Only the unread ones.")
    cursor: str | None = Field(
        None, pattern=CURSOR_PATTERN, description="The `next` of the previous page."
    )
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


def notification_out(notification) -> dict:
    return {
        "id": notification.pk,
        "kind": notification.kind,
        "text": notification.text,
        "link": notification.link,
        "open": notifications.notification_link(notification),
        "created_at": notification.created_at,
        "read": notification.read_at is not None,
    }


@router.get(
    "/notifications",
    response={200: NotificationPage, 400: ErrorOut, **AUTH_ERRORS},
    summary="Your notifications, newest first, a page at a time",
)
def notification_list(request: HttpRequest, filters: Query[NotificationFilter]):
    rows, next_cursor = notifications.notifications_page(
        request.auth, cursor=filters.cursor, limit=filters.limit, unread_only=filters.unread
    )
    return {
        "items": [notification_out(n) for n in rows],
        "next": next_cursor,
        "unread": notifications.unread_count(request.auth),
    }


class MarkSomeReadIn(Schema):
    model_config = ConfigDict(extra="forbid")
    ids: list[Id] = Field(
        min_length=1, max_length=MAX_LIMIT, description="The notifications to mark read."
    )


class MarkAllReadIn(Schema):
    model_config = ConfigDict(extra="forbid")
    all: Literal[True] = Field(description="Mark every notification read.")


class MarkReadOut(Schema):
    marked: int = Field(description="How many were unread and are read now.")
    unread: int


@router.post(
    "/notifications/read",
    response={200: MarkReadOut, 400: ErrorOut, 404: ErrorOut, **AUTH_ERRORS},
    summary="Mark notifications read (some by id, or all)",
)
def notifications_read(request: HttpRequest, body: MarkSomeReadIn | MarkAllReadIn):
    everything = isinstance(body, MarkAllReadIn)
    marked = notifications.notifications_mark_read(
        official=request.auth, ids=None if everything else list(body.ids), everything=everything
    )
    return {"marked": marked, "unread": notifications.unread_count(request.auth)}


HOUR_MINUTE = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
DAY_MINUTES = 24 * 60


def _mail_field(group: notifications.Group) -> tuple[Any, Any]:
    choices = group.choices or ("invitation",)
    with translation.override(None):  # the schema is in English, whoever imports it first
        label = str(group.label)
    return (Literal[choices] | None, Field(None, description=label))


# One field per preference group, each taking only that group's choices.
MailIn = create_model(
    "MailIn",
    __config__=ConfigDict(extra="forbid"),
    **{name: _mail_field(group) for name, group in notifications.GROUPS.items()},
)
MailOut = create_model(
    "MailOut",
    **{
        name: (Literal[group.choices or ("invitation",)], ...)
        for name, group in notifications.GROUPS.items()
    },
)


class QuietHours(Schema):
    model_config = ConfigDict(extra="forbid")
    start: str = Field(pattern=HOUR_MINUTE, description="HH:MM in the official's zone.")
    minutes: int = Field(
        ge=1, lt=DAY_MINUTES, description="How long they last (past midnight if need be)."
    )


class QuietHoursOut(QuietHours):
    end: str = Field(description="HH:MM: when they end.")


class NotificationSettingsOut(Schema):
    mail: MailOut = Field(
        description=(
            "Per group: `immediate`, `digest` or `off`; `invitation` for the group whose mail "
            "is the calendar invitation itself (it cannot be changed)."
        )
    )
    digest_time: str = Field(description="HH:MM in `timezone`: when the daily digest goes.")
    quiet: QuietHoursOut | None = Field(description="Quiet hours; null: none.")
    timezone: str


class NotificationSettingsIn(Schema):
    model_config = ConfigDict(extra="forbid")
    mail: MailIn = Field(
        default_factory=MailIn, description="Groups to change; a group left out keeps its choice."
    )
    digest_time: str = Field(pattern=HOUR_MINUTE, description="HH:MM in your zone.")
    quiet: QuietHours | None = Field(description="Quiet hours; null: none.")


def _settings_out(official) -> dict:
    current = notifications.notification_settings(official)
    start, end = official.quiet_start, official.quiet_end
    quiet = None
    if start is not None and end is not None:
        minutes = (end.hour * 60 + end.minute - start.hour * 60 - start.minute) % DAY_MINUTES
        quiet = {"start": current["quiet_start"], "end": current["quiet_end"], "minutes": minutes}
    return {
        "mail": current["mail"],
        "digest_time": current["digest_time"],
        "quiet": quiet,
        "timezone": current["timezone"],
    }


@router.get(
    "/me/notification-settings",
    response={200: NotificationSettingsOut, **AUTH_ERRORS},
    summary="How your notifications reach you",
)
def notification_settings(request: HttpRequest):
    return _settings_out(request.auth)


@router.put(
    "/me/notification-settings",
    response={200: NotificationSettingsOut, 400: ErrorOut, **AUTH_ERRORS},
    summary="Choose how your notifications reach you",
)
def notification_settings_put(request: HttpRequest, body: NotificationSettingsIn):
    quiet_start = quiet_end = None
    if body.quiet is not None:
        quiet_start = datetime.time.fromisoformat(body.quiet.start)
        end = quiet_start.hour * 60 + quiet_start.minute + body.quiet.minutes
        quiet_end = datetime.time((end // 60) % 24, end % 60)
    official = notifications.notification_settings_update(
        official=request.auth,
        mail={k: v for k, v in body.mail.model_dump().items() if v is not None},
        digest_time=datetime.time.fromisoformat(body.digest_time),
        quiet_start=quiet_start,
        quiet_end=quiet_end,
    )
    return _settings_out(official)
