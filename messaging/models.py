"""Rooms, their members, and each room's timeline of messages, edits and deletions.

Every room has one gapless, strictly increasing event sequence: `Room.last_seq` is its head.
A new message takes the next seq (`Message.seq`); an edit or a deletion takes the next seq too
and is recorded as a `RoomEvent`. The seq is assigned inside the write transaction while the
room's row is locked (see services.next_seq), so concurrent writers never share or skip one.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coordination.organisation.models import Agency, Classification


class Room(models.Model):
    class Kind(models.TextChoices):
        AGENCY = "agency", _("Agency room")
        COORDINATION = "coordination", _("Coordination room")
        DIRECT = "direct", _("Direct conversation")
        MEETING = "meeting", _("Meeting room")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True, max_length=2000)
    classification = models.CharField(
        _("classification"),
        max_length=10,
        choices=Classification.choices,
        default=Classification.BIASA,
    )
    # The agency whose officials make up an agency room.
    agency = models.ForeignKey(
        Agency,
        verbose_name=_("agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rooms",
    )
    # What a room follows, when it follows something: "direct:3,8,15" (the sorted member ids
    # of a direct conversation, so the same people get the same conversation) or
    # "meeting:42" (set by the meetings app).
    source_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)
    last_seq = models.BigIntegerField(_("head"), default=0)

    class Meta:
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency"], condition=Q(kind="agency"), name="one_room_per_agency"
            ),
            models.CheckConstraint(
                condition=Q(kind="agency", agency__isnull=False) | ~Q(kind="agency"),
                name="agency_room_has_agency",
            ),
            models.CheckConstraint(condition=Q(last_seq__gte=0), name="room_head_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name or f"{self.get_kind_display()} {self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("messaging:room", args=[self.pk])

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class Membership(models.Model):
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="memberships")
    official = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="room_memberships"
    )
    is_admin = models.BooleanField(_("room admin"), default=False)
    joined_at = models.DateTimeField(default=timezone.now)
    # Everything up to this seq has been read (on any of the official's devices).
    last_read_seq = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["room", "official"], name="one_membership_per_room")
        ]
        indexes = [models.Index(fields=["official", "room"], name="membership_official_idx")]

    def __str__(self) -> str:
        return f"{self.official_id} in {self.room_id}"


class Message(models.Model):
    class AckBy(models.TextChoices):
        MEMBER = "member", _("every member")
        AGENCY = "agency", _("one official per member agency")

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="messages")
    # The seq of the message's creation; edits and deletions take later seqs (RoomEvent).
    seq = models.BigIntegerField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="messages"
    )
    body = models.TextField()
    html = models.TextField()
    client_id = models.UUIDField()
    reply_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replies"
    )
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # A directive (arahan) asks for acknowledgement, by every member or by one official per
    # member agency, optionally by a date.
    directive_ack_by = models.CharField(
        _("directive: acknowledged by"), max_length=10, choices=AckBy.choices, blank=True
    )
    directive_due = models.DateField(_("directive: due"), null=True, blank=True)
    # When its sender was told it is overdue with acknowledgements missing (once).
    directive_overdue_told_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["room", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["room", "seq"], name="message_seq_unique_in_room"),
            models.UniqueConstraint(
                fields=["author", "room", "client_id"], name="message_client_id_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"message {self.pk} in room {self.room_id} at seq {self.seq}"

    def get_absolute_url(self) -> str:
        """The message in its room's page (the page scrolls to it)."""
        return f"{reverse('messaging:room', args=[self.room_id])}?seq={self.seq}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class MessageRevision(models.Model):
    """A message's earlier text, kept when its author edits it."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField()
    replaced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["message", "replaced_at", "id"]

    def __str__(self) -> str:
        return f"revision of message {self.message_id}"


class RoomEvent(models.Model):
    """An edit or a deletion on a room's timeline, with its own seq."""

    class Kind(models.TextChoices):
        EDITED = "message_edited", _("Message edited")
        DELETED = "message_deleted", _("Message deleted")

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="events")
    seq = models.BigIntegerField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["room", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["room", "seq"], name="room_event_seq_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} of message {self.message_id} at seq {self.seq}"


class Mention(models.Model):
    """An @mention in a message: of one official, or of a whole agency (its members in the
    room are then mentioned one by one, with `agency` set)."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="mentions")
    official = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentions"
    )
    agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "official"], name="one_mention_per_official")
        ]

    def __str__(self) -> str:
        return f"mention of {self.official_id} in message {self.message_id}"


class Attachment(models.Model):
    """A file uploaded first (POST /api/v1/attachments) and then referenced by one message.
    Served only to the members of that message's room (before that, to its uploader)."""

    uploader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="attachments"
    )
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(upload_to="attachments/%Y/%m/")
    thumbnail = models.FileField(upload_to="thumbnails/%Y/%m/", blank=True)
    name = models.CharField(_("name"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.BigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Acknowledgement(models.Model):
    """A member's acknowledgement of a directive; in agency mode it stands for the agency."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="acknowledgements")
    official = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="acknowledgements"
    )
    agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["message", "official"], name="one_ack_per_official"),
            models.UniqueConstraint(
                fields=["message", "agency"],
                condition=Q(agency__isnull=False),
                name="one_ack_per_agency",
            ),
        ]

    def __str__(self) -> str:
        return f"acknowledgement of {self.message_id} by {self.official_id}"
