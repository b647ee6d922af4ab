"""Rooms and their members: coordination rooms (managed by their room admins), direct
conversations (the same people always get the same one), and the rooms kept in step with
their source: an agency's officials, a meeting's participants. Every membership change is
announced to the sockets of the official it concerns, after commit."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coordination.organisation import permissions
from coordination.organisation.audit import Event, audit_record
from coordination.organisation.models import Agency, Classification, Official
from coordination.platform.errors import Conflict, Forbidden, InvalidInput, NotFound
from messaging import events
from messaging.models import Membership, Room

DIRECT_MAX_PEOPLE = 10


def _members_by_username(usernames: Iterable[str]) -> list[Official]:
    """The active officials of these usernames; NotFound naming any unknown one."""
    names = list(usernames)
    officials = list(Official.objects.filter(username__in=set(names), is_active=True))
    missing = set(names) - {o.username for o in officials}
    if missing:
        raise NotFound(
            _("Unknown officials: %(names)s") % {"names": ", ".join(sorted(missing))},
            fields={"members": sorted(missing)},
        )
    return officials


def _add_members(
    room: Room, officials: Iterable[Official], *, admin_ids: Iterable[int] = frozenset()
) -> list[Official]:
    """Add those not yet members (announced to their sockets); returns them."""
    admin_ids = set(admin_ids)
    existing = set(Membership.objects.filter(room=room).values_list("official_id", flat=True))
    added = [o for o in officials if o.pk not in existing]
    # ignore_conflicts: a sync that runs at the same time (the periodic job and a signal)
    # may have added the same member; both announce it, which sockets take in their stride.
    Membership.objects.bulk_create(
        [
            Membership(
                room=room, official=o, is_admin=o.pk in admin_ids, last_read_seq=room.last_seq
            )
            for o in added
        ],
        ignore_conflicts=True,
    )
    for official in added:
        events.membership_changed_on_commit(official.pk, room, "added")
    return added


def _remove_members(room: Room, official_ids: Iterable[int]) -> list[int]:
    """Remove these officials (announced to their sockets); returns the ids removed."""
    ids = list(official_ids)
    removed = list(
        Membership.objects.filter(room=room, official_id__in=ids).values_list(
            "official_id", flat=True
        )
    )
    Membership.objects.filter(room=room, official_id__in=removed).delete()
    for official_id in removed:
        events.membership_changed_on_commit(official_id, room, "removed")
    return removed


def room_create_coordination(
    *,
    by: Official,
    name: str,
    members: Iterable[str] = (),
    classification: str = Classification.BIASA,
    description: str = "",
) -> Room:
    """A coordination room across agencies, made by a coordinator, who is its first room
    admin, with these members (by username)."""
    permissions.require(
        permissions.may_create_coordination_room(by), official=by, action="create rooms"
    )
    if not name.strip():
        raise InvalidInput(_("Give the room a name."), fields={"name": [_("Required.")]})
    officials = _members_by_username(members)
    with transaction.atomic():
        room = Room.objects.create(
            kind=Room.Kind.COORDINATION,
            name=name.strip(),
            description=description,
            classification=classification,
            created_by=by,
        )
        _add_members(room, [by, *[o for o in officials if o.pk != by.pk]], admin_ids={by.pk})
    return room


def _managed_room(by: Official, room_id: int, *, adding: bool = True) -> Room:
    """The room whose members `by` may manage (a coordination room's admins), not archived."""
    room = Room.objects.filter(pk=room_id).first()
    if room is None:
        raise NotFound(_("No such room."))
    is_admin = Membership.objects.filter(room=room, official=by, is_admin=True).exists()
    allowed = permissions.may_manage_room_members(
        by,
        is_room_admin=is_admin,
        is_coordination_room=room.kind == Room.Kind.COORDINATION,
        adding=adding,
    )
    if not allowed:
        permissions.permission_denied(official=by, action="manage members of", target=room)
        if room.kind != Room.Kind.COORDINATION:
            raise Forbidden(_("The members of this room follow its source; they are not edited."))
        raise Forbidden(_("Only the room's admins manage its members."))
    if room.is_archived:
        raise Forbidden(_("This room is archived: it is read-only."))
    return room


def room_members_add(
    *, by: Official, room_id: int, members: Iterable[str], as_admin: bool = False
) -> list[Official]:
    """Add officials (by username) to a coordination room (its room admins); returns those
    added, each audited."""
    room = _managed_room(by, room_id)
    officials = _members_by_username(members)
    with transaction.atomic():
        added = _add_members(
            room, officials, admin_ids={o.pk for o in officials} if as_admin else set()
        )
        for official in added:
            audit_record(
                Event.MEMBERSHIP_CHANGED,
                actor=by,
                target=room,
                member=official.username,
                change="added",
            )
    return added


def room_member_remove(*, by: Official, room_id: int, username: str) -> None:
    """Remove a member from a coordination room (its room admins); the last admin stays."""
    room = _managed_room(by, room_id, adding=False)
    official = Official.objects.filter(username=username).first()
    if official is None or not Membership.objects.filter(room=room, official=official).exists():
        raise NotFound(_("%(name)s is not a member of this room.") % {"name": username})
    admins = Membership.objects.filter(room=room, is_admin=True).exclude(official=official)
    if Membership.objects.filter(room=room, official=official, is_admin=True).exists() and not (
        admins.exists()
    ):
        raise Conflict(_("A coordination room keeps at least one room admin."))
    with transaction.atomic():
        _remove_members(room, [official.pk])
        audit_record(
            Event.MEMBERSHIP_CHANGED, actor=by, target=room, member=username, change="removed"
        )


def room_archive(*, by: Official, room_id: int) -> Room:
    """Archive a coordination room: it stays readable, and takes no more messages."""
    room = _managed_room(by, room_id)
    with transaction.atomic():
        room.archived_at = timezone.now()
        room.save(update_fields=["archived_at"])
        for official_id in Membership.objects.filter(room=room).values_list(
            "official_id", flat=True
        ):
            events.membership_changed_on_commit(official_id, room, "updated")
    return room


def direct_room_get_or_create(*, by: Official, usernames: Iterable[str]) -> tuple[Room, bool]:
    """The conversation of `by` with these officials: the same people always get the same
    room. Returns (room, created)."""
    officials = _members_by_username(usernames)
    # With nobody else named, it is the official's own notes: a conversation of one.
    people = {o.pk: o for o in [by, *officials]}
    if len(people) > DIRECT_MAX_PEOPLE:
        raise InvalidInput(
            _("A direct conversation has at most %(max)d people; create a coordination room.")
            % {"max": DIRECT_MAX_PEOPLE}
        )
    key = "direct:" + ",".join(str(pk) for pk in sorted(people))
    room = Room.objects.filter(source_key=key).first()
    if room is not None:
        return room, False
    try:
        with transaction.atomic():
            room = Room.objects.create(kind=Room.Kind.DIRECT, source_key=key, created_by=by)
            _add_members(room, people.values())
    except IntegrityError:
        return Room.objects.get(source_key=key), False
    return room, True


def agency_room_sync(*, agency: Agency) -> Room:
    """The agency's room holds exactly the agency's officials (kept in step as they join or
    leave the agency)."""
    with transaction.atomic():
        room, _created = Room.objects.get_or_create(
            kind=Room.Kind.AGENCY, agency=agency, defaults={"name": agency.name}
        )
        if room.name != agency.name:
            room.name = agency.name
            room.save(update_fields=["name"])
        officials = list(Official.objects.filter(agency=agency, is_active=True))
        _add_members(room, officials)
        current = {o.pk for o in officials}
        stale = Membership.objects.filter(room=room).exclude(official_id__in=current)
        _remove_members(room, stale.values_list("official_id", flat=True))
    return room


def agency_rooms_sync_all() -> int:
    """Every active agency's room, in step; returns how many agencies were looked at."""
    count = 0
    for agency in Agency.objects.filter(is_active=True):
        agency_room_sync(agency=agency)
        count += 1
    return count


def meeting_room_sync(
    *,
    source_key: str,
    name: str,
    official_ids: Iterable[int],
    classification: str = Classification.BIASA,
    archived: bool = False,
) -> Room:
    """The room of a meeting (called by the meetings app), holding exactly its participants."""
    ids = set(official_ids)
    with transaction.atomic():
        room, _created = Room.objects.get_or_create(
            source_key=source_key,
            defaults={"kind": Room.Kind.MEETING, "name": name, "classification": classification},
        )
        changed = []
        if room.name != name:
            room.name = name
            changed.append("name")
        if room.classification != classification:
            room.classification = classification
            changed.append("classification")
        if archived and not room.is_archived:
            room.archived_at = timezone.now()
            changed.append("archived_at")
        if changed:
            room.save(update_fields=changed)
            for official_id in Membership.objects.filter(room=room).values_list(
                "official_id", flat=True
            ):
                events.membership_changed_on_commit(official_id, room, "updated")
        _add_members(room, Official.objects.filter(pk__in=ids))
        stale = Membership.objects.filter(room=room).exclude(official_id__in=ids)
        _remove_members(room, stale.values_list("official_id", flat=True))
    return room
