"""The audit log's one service: `audit_record`. Every security-relevant event goes through it.

What is recorded: who (the official, or the username tried), what (an `AuditEntry.Event`),
on what (a target object), from where (address and browser), and small details such as a
role's old and new value. What is never recorded: message bodies, passwords, tokens, codes
or session keys; `details` with such a key is refused, so a careless caller fails in tests
rather than leaking in production.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
from collections.abc import Iterable
from typing import Any

from django.db import models

from coordination.organisation import permissions
from coordination.organisation.models import AuditEntry, Official

logger = logging.getLogger("rakor.audit")

Event = AuditEntry.Event

FORBIDDEN_DETAIL = re.compile(
    r"pass|token|secret|body|html|otp|recovery|session|cookie|authori[sz]ation|csrf|key",
    re.IGNORECASE,
)
TEXT_MAX = 300


def audit_record(
    event: str,
    *,
    actor: Official | None = None,
    username: str = "",
    target: models.Model | None = None,
    request: Any = None,
    **details: Any,
) -> AuditEntry:
    """Append one entry to the audit log and return it."""
    if event not in Event.values:
        raise ValueError(f"unknown audit event {event!r}")
    for name in details:
        if FORBIDDEN_DETAIL.search(name):
            raise ValueError(f"audit details may not hold {name!r}: secrets are never logged")
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    entry = AuditEntry(
        event=event,
        actor=actor,
        actor_username=(actor.get_username() if actor is not None else username)[:150],
        details={name: _plain(value) for name, value in details.items()},
    )
    if target is not None:
        entry.target_type = target._meta.label_lower
        entry.target_id = str(target.pk)
        entry.target_repr = str(target)[:200]
    if request is not None:
        entry.ip_address = _address(request)
        entry.user_agent = request.META.get("HTTP_USER_AGENT", "")[:200]
    entry.save(force_insert=True)
    logger.info("audit %s by %s on %s", event, entry.actor_username or "-", entry.target_repr)
    return entry


def _address(request: Any) -> str | None:
    address = request.META.get("REMOTE_ADDR") or None
    return address if address and len(address) <= 45 else None


def _plain(value: Any) -> Any:
    """JSON-safe and short: details are facts, not payloads."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value[:20]]
    if isinstance(value, dict):
        return {str(k)[:50]: _plain(v) for k, v in list(value.items())[:20]}
    return str(value)[:TEXT_MAX]


# A spreadsheet treats a cell starting with these as a formula; such cells get a leading '.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CSV_HEADER = [
    "time",
    "event",
    "username",
    "target_type",
    "target_id",
    "target",
    "ip_address",
    "details",
]


def audit_export_csv(*, entries: Iterable[AuditEntry], by: Official, request: Any = None) -> str:
    """The entries as CSV (spreadsheet-safe), the export itself recorded first."""
    permissions.require(
        permissions.may_read_audit_log(by), official=by, action="export the audit log"
    )
    rows = list(entries)
    audit_record(Event.EXPORT, actor=by, request=request, what="audit log", rows=len(rows))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for entry in rows:
        writer.writerow(
            _cell(value)
            for value in (
                entry.at.isoformat(),
                entry.event,
                entry.actor_username,
                entry.target_type,
                entry.target_id,
                entry.target_repr,
                entry.ip_address or "",
                json.dumps(entry.details, ensure_ascii=False, sort_keys=True),
            )
        )
    return out.getvalue()


def _cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value
