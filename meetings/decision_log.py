"""The decision log's hash chain: canonical content, appending, verification and anchors.

Each entry's hash is the SHA-256 of the canonical JSON (docs/decision-log.md) of
`{"position", "kind", "prev", "content"}`: `prev` is the hash of the entry before it (64
zeros for the first), so changing, inserting or removing any entry breaks every hash after
it. `content` holds everything the entry records, each file by the SHA-256 of its bytes.

Appends lock the head row (`DecisionLogHead`), so two writers never fork the chain.
`verify()` walks the chain, rebuilds the content each row would give and compares it with
its entry (a decision, action or update changed in the database is found), derives every
cached status from the entries, and compares the head with the anchors written outside the
database (a deleted tail is found).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

logger = logging.getLogger("rakor.decision_log")

GENESIS = "0" * 64
FORMAT = 1


# --- canonical content ----------------------------------------------------------------


def canonical_json(value: Any) -> bytes:
    """Keys sorted, no whitespace, UTF-8, no floats (every number here is an integer)."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def entry_hash(*, position: int, kind: str, prev: str, content: dict[str, Any]) -> str:
    envelope = {"v": FORMAT, "position": position, "kind": kind, "prev": prev, "content": content}
    return hashlib.sha256(canonical_json(envelope)).hexdigest()


def instant(value: datetime.datetime | None) -> str | None:
    """A time as the log writes it: UTC, ISO 8601 to the microsecond."""
    if value is None:
        return None
    return value.astimezone(datetime.UTC).isoformat(timespec="microseconds")


def who(official: Any) -> dict[str, Any] | None:
    if official is None:
        return None
    return {"id": official.pk, "username": official.username}


def file_sha256(field_file: Any) -> str:
    digest = hashlib.sha256()
    with field_file.storage.open(field_file.name, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def decision_content(decision: Any) -> dict[str, Any]:
    item = decision.agenda_item
    return {
        "decision": decision.pk,
        "meeting": decision.meeting_id,
        "agenda_item": None if item is None else {"id": item.pk, "title": item.title},
        "text": decision.text,
        "decided_at": instant(decision.decided_at),
        "tags": list(decision.tags),
        "classification": decision.classification,
        "by": who(decision.recorded_by),
        "at": instant(decision.recorded_at),
    }


def status_content(
    decision: Any,
    *,
    status: str,
    reason: str,
    superseded_by: int | None,
    by: Any,
    at: datetime.datetime,
) -> dict[str, Any]:
    return {
        "decision": decision.pk,
        "meeting": decision.meeting_id,
        "status": status,
        "reason": reason,
        "superseded_by": superseded_by,
        "by": who(by),
        "at": instant(at),
    }


def action_content(action: Any) -> dict[str, Any]:
    return {
        "action": action.pk,
        "decision": action.decision_id,
        "meeting": action.decision.meeting_id,
        "description": action.description,
        "agency": {"id": action.agency_id, "code": action.agency.code},
        "assignee": who(action.assignee),
        "due": action.due.isoformat(),
        "by": who(action.created_by),
        "at": instant(action.created_at),
    }


def update_content(
    update: Any, attachments: Iterable[Any], *, previous: str, completed_on: str | None = None
) -> dict[str, Any]:
    """A progress update; `completed_on` (YYYY-MM-DD, in the owing agency's zone) when it
    makes the action done."""
    action = update.action
    content = {
        "update": update.pk,
        "action": action.pk,
        "decision": action.decision_id,
        "meeting": action.decision.meeting_id,
        "status": update.status,
        "previous_status": previous,
        "comment": update.comment,
        "attachments": [
            {
                "id": file.pk,
                "name": file.name,
                "content_type": file.content_type,
                "size": file.size,
                "sha256": file.sha256,
            }
            for file in attachments
        ],
        "by": who(update.by),
        "at": instant(update.at),
    }
    if completed_on is not None:
        content["completed_on"] = completed_on
    return content


def notulen_content(revision: Any) -> dict[str, Any]:
    """An approved revision of the notulen, by the SHA-256 of its canonical notes."""
    return {
        "meeting": revision.meeting_id,
        "revision": revision.number,
        "notulen": revision.pk,
        "corrects": revision.corrects,
        "notes_sha256": hashlib.sha256(canonical_json(revision.content)).hexdigest(),
        "by": who(revision.approved_by),
        "at": instant(revision.approved_at),
    }


# --- appending ------------------------------------------------------------------------


def _head_locked():
    from meetings.models import DecisionLogHead

    head = DecisionLogHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        try:
            with transaction.atomic():
                DecisionLogHead.objects.create(pk=1)
        except IntegrityError:
            pass  # another writer created it first
        head = DecisionLogHead.objects.select_for_update().get(pk=1)
    return head


def append(*, kind: str, meeting_id: int, content: dict[str, Any], by: Any = None, **links):
    """Append one entry (inside the caller's transaction, which holds the head's lock until
    it commits). `links`: decision, action, action_update or notulen it records."""
    from meetings.models import DecisionLogEntry

    with transaction.atomic():
        head = _head_locked()
        position = head.entries + 1
        entry = DecisionLogEntry(
            position=position,
            kind=kind,
            meeting_id=meeting_id,
            recorded_by=by,
            content=content,
            prev_hash=head.hash,
            hash=entry_hash(position=position, kind=kind, prev=head.hash, content=content),
            **links,
        )
        entry.save()
        head.entries = position
        head.hash = entry.hash
        head.updated_at = timezone.now()
        head.save(update_fields=["entries", "hash", "updated_at"])
        return entry


def head() -> tuple[int, str]:
    """(entries, head hash) as the head row says."""
    from meetings.models import DecisionLogHead

    row = DecisionLogHead.objects.filter(pk=1).values_list("entries", "hash").first()
    return row or (0, GENESIS)


# --- anchors --------------------------------------------------------------------------


@dataclass(frozen=True)
class Anchor:
    entries: int
    hash: str
    at: str = ""


def anchor_line(entries: int, digest: str, at: datetime.datetime) -> str:
    return f"{entries} {digest} {instant(at)}\n"


def anchor_write(*, now: datetime.datetime | None = None, force: bool = False) -> bool:
    """Write the head outside the database (RAKOR_DECISION_LOG_ANCHOR_FILE, appended;
    RAKOR_DECISION_LOG_ANCHOR_EMAIL, mailed through the outbox) when it moved since the last
    anchor. Returns whether an anchor was written."""
    from coordination.platform.mail import RakorEmail, mail_queue
    from meetings.models import DecisionLogHead

    path = settings.RAKOR_DECISION_LOG_ANCHOR_FILE
    address = settings.RAKOR_DECISION_LOG_ANCHOR_EMAIL
    if not path and not address:
        return False
    now = now or timezone.now()
    with transaction.atomic():
        head_row = _head_locked()
        if head_row.entries == head_row.anchored_entries and not force:
            return False
        line = anchor_line(head_row.entries, head_row.hash, now)
        if path:
            with open(path, "a", encoding="utf-8") as handle:
                handle.write(line)
        if address:
            mail = RakorEmail(
                subject=f"Rakor decision log head: entry {head_row.entries}",
                body=(
                    "The head of Rakor's decision log, for safekeeping outside its database.\n"
                    "Check it with: manage.py verify_decision_log "
                    f"--anchor-entries {head_row.entries} --anchor-hash {head_row.hash}\n\n" + line
                ),
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[address],
            )
            mail_queue(mail, kind="decision_log_anchor", topic="decision-log")
        DecisionLogHead.objects.filter(pk=head_row.pk).update(anchored_entries=head_row.entries)
    return True


def anchors_read(path: str | Path) -> list[Anchor]:
    """The anchors of a file written by `anchor_write` (lines "<entries> <hash> <time>");
    malformed lines are a ValueError naming the line."""
    anchors = []
    for number, line in enumerate(Path(path).read_text("utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split()
        try:
            entries = int(parts[0])
            digest = parts[1]
        except (IndexError, ValueError):
            raise ValueError(f"{path}:{number}: not an anchor line") from None
        if len(digest) != 64 or entries < 0:
            raise ValueError(f"{path}:{number}: not an anchor line")
        anchors.append(Anchor(entries, digest.lower(), parts[2] if len(parts) > 2 else ""))
    return anchors


# --- verification ---------------------------------------------------------------------


@dataclass
class Report:
    entries: int = 0
    head: str = GENESIS
    problems: list[tuple[int | None, str]] = field(default_factory=list)
    missing_tail: bool = False

    @property
    def intact(self) -> bool:
        return not self.problems

    @property
    def first_bad(self) -> int | None:
        positions = [position for position, _ in self.problems if position is not None]
        if positions:
            return min(positions)
        return None

    def bad(self, position: int | None, problem: str) -> None:
        self.problems.append((position, problem))

    def as_dict(self) -> dict[str, Any]:
        return {
            "intact": self.intact,
            "head": self.head,
            "entries": self.entries,
            "first_bad": self.first_bad,
        }


def comparable(value: Any) -> Any:
    """Content as rows are compared with it: officials, agencies and agenda items by their
    id alone (a username, an agency's code or an item's title may change later; the entry
    keeps them as they were)."""
    if isinstance(value, dict):
        if "id" in value and set(value) <= {"id", "username", "code", "title"}:
            return {"id": value["id"]}
        return {key: comparable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [comparable(item) for item in value]
    return value


# Which link columns each kind of entry has, and the content key each must equal.
LINKS = {
    "decision": {"decision_id": "decision"},
    "decision_status": {"decision_id": "decision"},
    "action": {"decision_id": "decision", "action_id": "action"},
    "action_update": {
        "decision_id": "decision",
        "action_id": "action",
        "action_update_id": "update",
    },
    "notulen_approved": {"notulen_id": "notulen"},
}
LINK_COLUMNS = ("decision_id", "action_id", "action_update_id", "notulen_id")


def verify(
    *,
    anchors: Iterable[Anchor] = (),
    check_rows: bool = True,
    check_files: bool = True,
    anchor_problem: str = "",
) -> Report:
    """Recompute the chain, compare its head with the head row and the anchors, and (with
    `check_rows`) check every row and cached state against it, (with `check_files`) every
    attached file's bytes too. Without rows it reads the entries alone: a few milliseconds
    per thousand entries. Everything is read in one snapshot (a writer appending meanwhile
    is not a false alarm)."""
    from django.db import connection

    fresh = not connection.in_atomic_block
    with transaction.atomic():
        if fresh and connection.vendor == "postgresql":
            # One snapshot for every query of the check (SQLite's transaction is one).
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        return _verify(
            anchors=anchors,
            check_rows=check_rows,
            check_files=check_files,
            anchor_problem=anchor_problem,
        )


def _verify(*, anchors, check_rows: bool, check_files: bool, anchor_problem: str) -> Report:
    from meetings.models import (
        ActionAttachment,
        ActionUpdate,
        Decision,
        DecisionLogEntry,
        FollowUpAction,
        NotulenRevision,
    )

    report = Report()
    head_entries, head_hash = head()
    prev = GENESIS
    expected = 1
    seen_decisions: dict[int, int] = {}
    seen_actions: dict[int, int] = {}
    seen_updates: dict[int, int] = {}
    seen_notulen: dict[int, int] = {}
    contents: dict[int, Any] = {}
    derived_decision: dict[int, tuple[str, str, int | None, int]] = {}
    # action id -> (status, completed_on, position of the entry that set them)
    derived_action: dict[int, tuple[str, str | None, int]] = {}
    hashes: dict[int, str] = {}

    entries = (
        DecisionLogEntry.objects.order_by("position")
        .values_list(
            "position",
            "kind",
            "meeting_id",
            *LINK_COLUMNS,
            "content",
            "prev_hash",
            "hash",
            named=True,
        )
        .iterator(chunk_size=2000)
    )
    for entry in entries:
        position = entry.position
        if position != expected:
            report.bad(expected, f"entry {expected} is missing (the next is {position})")
        expected = position + 1
        if entry.prev_hash != prev:
            report.bad(position, f"entry {position} does not follow the entry before it")
        recomputed = entry_hash(
            position=position, kind=entry.kind, prev=entry.prev_hash, content=entry.content
        )
        if recomputed != entry.hash:
            report.bad(position, f"entry {position} was changed (its hash does not match)")
        prev = entry.hash
        hashes[position] = entry.hash
        report.entries += 1
        report.head = entry.hash
        content = entry.content if isinstance(entry.content, dict) else {}
        contents[position] = content
        kind = entry.kind
        links = LINKS.get(kind)
        if links is None:
            report.bad(position, f"entry {position} is of an unknown kind {kind!r}")
            continue
        # Every link column of the row is the one its (hashed) content names, and no other.
        wrong = content.get("meeting") != entry.meeting_id or any(
            getattr(entry, column) != (content.get(links[column]) if column in links else None)
            for column in LINK_COLUMNS
        )
        if wrong:
            report.bad(position, f"entry {position}'s row points elsewhere than its content")
            continue
        if kind == "decision":
            seen_decisions[entry.decision_id] = position
            derived_decision[entry.decision_id] = ("adopted", "", None, position)
        elif kind == "decision_status":
            if entry.decision_id not in derived_decision:
                report.bad(position, f"entry {position} changes a decision not recorded before")
                continue
            derived_decision[entry.decision_id] = (
                content.get("status"),
                content.get("reason", ""),
                content.get("superseded_by"),
                position,
            )
        elif kind == "action":
            seen_actions[entry.action_id] = position
            derived_action[entry.action_id] = ("open", None, position)
        elif kind == "action_update":
            if entry.action_id not in derived_action:
                report.bad(position, f"entry {position} updates an action not recorded before")
                continue
            status, completed_on, _last = derived_action[entry.action_id]
            if content.get("previous_status") != status:
                report.bad(position, f"entry {position} skips a status of its action")
            seen_updates[entry.action_update_id] = position
            derived_action[entry.action_id] = (
                content.get("status"),
                content.get("completed_on", completed_on),
                position,
            )
        else:
            seen_notulen[entry.notulen_id] = position

    # The head row and the anchors: a tail removed with its head row, or behind an anchor.
    if (head_entries, head_hash) != (report.entries, report.head):
        report.bad(
            report.entries + 1 if head_entries > report.entries else None,
            f"the head says {head_entries} entries ending {head_hash[:16]}; "
            f"the log holds {report.entries} ending {report.head[:16]}",
        )
        report.missing_tail = head_entries > report.entries
    if anchor_problem:
        report.bad(None, anchor_problem)
    for anchor in anchors:
        if anchor.entries == 0:
            continue
        if anchor.entries > report.entries:
            report.missing_tail = True
            report.bad(
                report.entries + 1,
                f"the anchor of {anchor.at or 'an earlier time'} names entry {anchor.entries}; "
                f"the log ends at entry {report.entries}: its tail is missing",
            )
        elif hashes.get(anchor.entries) != anchor.hash:
            report.bad(
                anchor.entries,
                f"entry {anchor.entries} differs from the anchor of "
                f"{anchor.at or 'an earlier time'}",
            )
    if not check_rows:
        return report

    # Rows against their entries, and the cached states against what the entries derive.
    decisions = Decision.objects.select_related("agenda_item", "recorded_by")
    for decision in decisions.iterator(chunk_size=2000):
        position = seen_decisions.get(decision.pk)
        if position is None:
            report.bad(None, f"decision {decision.pk} is not in the log")
            continue
        if comparable(decision_content(decision)) != comparable(
            contents[position]
        ) or decision.tag_index != Decision.index_of(list(decision.tags)):
            report.bad(position, f"decision {decision.pk} differs from entry {position}")
        status, reason, superseded_by, last = derived_decision[decision.pk]
        cached = (decision.status, decision.status_reason, decision.superseded_by_id)
        if cached != (status, reason, superseded_by):
            report.bad(last, f"decision {decision.pk}'s status differs from entry {last}")
    actions = FollowUpAction.objects.select_related("decision", "agency", "assignee", "created_by")
    for action in actions.iterator(chunk_size=2000):
        position = seen_actions.get(action.pk)
        if position is None:
            report.bad(None, f"action {action.pk} is not in the log")
            continue
        if comparable(action_content(action)) != comparable(contents[position]):
            report.bad(position, f"action {action.pk} differs from entry {position}")
        status, completed_on, last = derived_action[action.pk]
        done_on = action.completed_on.isoformat() if action.completed_on else None
        if (action.status, done_on) != (status, completed_on):
            report.bad(last, f"action {action.pk}'s status differs from entry {last}")
    updates = ActionUpdate.objects.select_related("action__decision", "by").prefetch_related(
        "attachments"
    )
    for update in updates.iterator(chunk_size=500):
        position = seen_updates.get(update.pk)
        if position is None:
            report.bad(None, f"progress update {update.pk} is not in the log")
            continue
        recorded = contents[position]
        content = update_content(
            update,
            update.attachments.all(),
            previous=recorded.get("previous_status", ""),
            completed_on=recorded.get("completed_on"),
        )
        if comparable(content) != comparable(recorded):
            report.bad(position, f"update {update.pk} differs from entry {position}")
        if check_files:
            for file in update.attachments.all():
                try:
                    actual = file_sha256(file.file)
                except OSError:
                    report.bad(position, f"file {file.pk} ({file.name}) is missing")
                    continue
                if actual != file.sha256:
                    report.bad(position, f"file {file.pk} ({file.name}) was changed")
    if ActionAttachment.objects.exclude(update_id__in=list(seen_updates)).exists():
        report.bad(None, "a file is attached to an update that is not in the log")
    # Approved notulen: from the entries' side (each still approved, as sealed) and from the
    # rows' (each approval sealed).
    revisions = NotulenRevision.objects.select_related("approved_by").in_bulk(list(seen_notulen))
    for revision_id, position in seen_notulen.items():
        revision = revisions.get(revision_id)
        if revision is None or revision.status != NotulenRevision.Status.APPROVED:
            report.bad(position, f"the notulen sealed in entry {position} are no longer approved")
        elif comparable(notulen_content(revision)) != comparable(contents[position]):
            report.bad(position, f"notulen {revision.pk} differ from entry {position}")
    unsealed = (
        NotulenRevision.objects.filter(
            Q(approved_at__isnull=False) | Q(status=NotulenRevision.Status.APPROVED)
        )
        .exclude(pk__in=list(seen_notulen))
        .values_list("pk", flat=True)
    )
    for revision_id in unsealed:
        report.bad(None, f"the approved notulen {revision_id} are not in the log")
    return report


def anchors_from_settings() -> tuple[list[Anchor], str]:
    """The anchors of RAKOR_DECISION_LOG_ANCHOR_FILE, and what is wrong with the file ("" when
    nothing): unreadable, or gone although anchors were written to it."""
    from meetings.models import DecisionLogHead

    path = getattr(settings, "RAKOR_DECISION_LOG_ANCHOR_FILE", "")
    if not path:
        return [], ""
    if not Path(path).exists():
        anchored = DecisionLogHead.objects.filter(pk=1, anchored_entries__gt=0).exists()
        return [], f"the anchor file {path} is gone" if anchored else ""
    try:
        return anchors_read(path), ""
    except (OSError, ValueError) as exc:
        return [], f"the anchor file cannot be read: {exc}"


def chain_state() -> dict[str, Any]:
    """The chain's check for pages (hashes, links, head, anchors), at most once every
    RAKOR_DECISION_LOG_PAGE_CHECK_SECONDS for one head (it reads every entry: a quarter of a
    second for 4,000 on a busy machine); with the time it was made."""
    from django.core.cache import cache

    seconds = settings.RAKOR_DECISION_LOG_PAGE_CHECK_SECONDS
    entries, digest = head()
    key = f"rakor:decision-log:chain:{entries}:{digest}"
    state = cache.get(key) if seconds else None
    if state is None:
        state = verify_with_settings(check_rows=False).as_dict() | {"at": timezone.now()}
        if seconds:
            cache.set(key, state, seconds)
    return state


def verify_with_settings(**options: Any) -> Report:
    """`verify` against the anchors of the settings (the page, the API, the worker)."""
    anchors, problem = anchors_from_settings()
    return verify(anchors=anchors, anchor_problem=problem, **options)
