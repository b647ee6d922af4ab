"""The organisation domain's tables: agencies, officials, roles, API tokens, the audit log,
security policies and notifications (app label `coordination`)."""

from __future__ import annotations

import zoneinfo
from datetime import time

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Zone(models.TextChoices):
    """Indonesia's three time zones; none observes daylight saving."""

    WIB = "Asia/Jakarta", _("WIB (Asia/Jakarta, UTC+7)")
    WITA = "Asia/Makassar", _("WITA (Asia/Makassar, UTC+8)")
    WIT = "Asia/Jayapura", _("WIT (Asia/Jayapura, UTC+9)")


class Classification(models.TextChoices):
    """Classification of content (rooms, meetings, decisions)."""

    BIASA = "biasa", _("Biasa (ordinary)")
    TERBATAS = "terbatas", _("Terbatas (restricted)")
    RAHASIA = "rahasia", _("Rahasia (confidential)")


class Role(models.TextChoices):
    ADMINISTRATOR = "administrator", _("Administrator")
    COORDINATOR = "coordinator", _("Coordinator")
    MEMBER = "member", _("Member")


class Language(models.TextChoices):
    INDONESIAN = "id", "Bahasa Indonesia"
    ENGLISH = "en", "English"


def validate_zone_name(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(zone)s is not a known IANA time zone."), params={"zone": value})


def default_work_days() -> list[int]:
    return [0, 1, 2, 3, 4]  # Monday to Friday


def validate_work_days(value: object) -> None:
    if not isinstance(value, list) or not all(
        isinstance(day, int) and 0 <= day <= 6 for day in value
    ):
        raise ValidationError(_("Working days are a list of weekday numbers, 0 (Monday) to 6."))
    if len(set(value)) != len(value):
        raise ValidationError(_("A working day is listed twice."))


REMINDER_MINUTES_MAX = 7 * 24 * 60  # a week ahead at most
REMINDERS_MAX = 5


def default_reminder_minutes() -> list[int]:
    return [24 * 60, 30]  # a day before, and half an hour before


def validate_reminder_minutes(value: object) -> None:
    if not isinstance(value, list) or not all(
        isinstance(m, int) and not isinstance(m, bool) and 1 <= m <= REMINDER_MINUTES_MAX
        for m in value
    ):
        raise ValidationError(
            _("Reminders are minutes before the start, from 1 to %(most)d (a week)."),
            params={"most": REMINDER_MINUTES_MAX},
        )
    if len(set(value)) != len(value):
        raise ValidationError(_("A reminder is listed twice."))
    if len(value) > REMINDERS_MAX:
        raise ValidationError(
            _("At most %(most)d reminders per meeting."), params={"most": REMINDERS_MAX}
        )


class Agency(models.Model):
    """A government body: a ministry or national agency, a province, a regency or a city.

    Agencies form a tree (a regency's parent is its province). `code` is the short lower-case
    handle used in mentions (@jabar) and in the API.
    """

    class Level(models.TextChoices):
        MINISTRY = "ministry", _("Ministry")
        NATIONAL_AGENCY = "national_agency", _("National agency")
        PROVINCE = "province", _("Province")
        REGENCY = "regency", _("Regency")
        CITY = "city", _("City")

    name = models.CharField(_("name"), max_length=200, unique=True)
    code = models.SlugField(
        _("short code"),
        max_length=32,
        unique=True,
        help_text=_("Lower-case letters, digits and hyphens, e.g. jabar."),
    )
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    timezone = models.CharField(_("time zone"), max_length=32, choices=Zone.choices)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^[a-z0-9][a-z0-9-]*$"), name="agency_code_lowercase"
            ),
            models.CheckConstraint(
                condition=~Q(parent=models.F("pk")), name="agency_not_own_parent"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # The tree must stay a tree: an agency cannot sit below itself.
        seen = {self.pk}
        node = self.parent
        while node is not None:
            if node.pk in seen:
                raise ValidationError({"parent": _("An agency cannot be placed below itself.")})
            seen.add(node.pk)
            node = node.parent


class OfficialManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        extra_fields.setdefault("role", Role.ADMINISTRATOR)
        return super().create_superuser(username, email, password, **extra_fields)


class Official(AbstractUser):
    """A government official: the user model (AUTH_USER_MODEL) from the first migration.

    `role` is the official's one role across Rakor; `timezone` blank means the agency's zone.
    """

    agency = models.ForeignKey(
        Agency,
        verbose_name=_("agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="officials",
    )
    position_title = models.CharField(_("position"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.INDONESIAN
    )
    timezone = models.CharField(
        _("time zone"),
        max_length=64,
        blank=True,
        validators=[validate_zone_name],
        help_text=_("Leave empty to use the agency's time zone."),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.MEMBER)
    work_start = models.TimeField(_("working hours start"), default=time(8, 0))
    work_end = models.TimeField(_("working hours end"), default=time(16, 0))
    work_days = models.JSONField(
        _("working days"), default=default_work_days, validators=[validate_work_days]
    )
    # Minutes before a meeting's start at which the official is reminded (in the app and by
    # mail); empty: no reminders.
    reminder_minutes = models.JSONField(
        _("meeting reminders"),
        default=default_reminder_minutes,
        blank=True,
        validators=[validate_reminder_minutes],
    )
    # Notification mail: per preference group (coordination.organisation.notifications
    # GROUPS), "immediate", "digest" or "off"; a group not listed has its default.
    notification_mail = models.JSONField(_("notification e-mail"), default=dict, blank=True)
    digest_time = models.TimeField(_("daily digest at"), default=time(7, 0))
    # Quiet hours in the official's zone (may run past midnight); both empty: none.
    quiet_start = models.TimeField(_("quiet hours from"), null=True, blank=True)
    quiet_end = models.TimeField(_("quiet hours until"), null=True, blank=True)

    objects = OfficialManager()

    class Meta:
        verbose_name = _("official")
        verbose_name_plural = _("officials")
        ordering = ["first_name", "last_name", "username"]
        constraints = [
            models.CheckConstraint(
                condition=Q(work_start__lt=models.F("work_end")), name="official_work_hours_order"
            ),
            models.CheckConstraint(
                condition=Q(quiet_start__isnull=True, quiet_end__isnull=True)
                | (
                    Q(quiet_start__isnull=False, quiet_end__isnull=False)
                    & ~Q(quiet_start=models.F("quiet_end"))
                ),
                name="official_quiet_hours_pair",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    def clean(self) -> None:
        super().clean()
        if self.work_start and self.work_end and self.work_start >= self.work_end:
            raise ValidationError({"work_end": _("Working hours must end after they start.")})
        if self.reminder_minutes is None:  # blank ([]: no reminders) skips the validator
            raise ValidationError(
                {"reminder_minutes": _("Reminders are a list of minutes; empty for none.")}
            )

    def has_perm(self, perm: str, obj: object = None) -> bool:
        from coordination.organisation import permissions

        if permissions.may_use_admin_site(self, perm.partition(".")[0]):
            return True
        return super().has_perm(perm, obj)

    def has_module_perms(self, app_label: str) -> bool:
        from coordination.organisation import permissions

        return permissions.may_use_admin_site(self, app_label) or super().has_module_perms(
            app_label
        )

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    @property
    def zone_name(self) -> str:
        """The IANA zone every time is shown in for this official."""
        if self.timezone:
            return self.timezone
        if self.agency_id is not None:
            return self.agency.timezone
        return "Asia/Jakarta"

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.zone_name)


class ApiToken(models.Model):
    """A named, revocable API token. Only a SHA-256 digest of the secret is stored.

    Tokens carry 256 bits of randomness, so a fast digest is enough (as for GitHub's tokens);
    `prefix` is the first characters of the token, kept to tell tokens apart on the profile.
    """

    official = models.ForeignKey(
        Official, verbose_name=_("official"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=16)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("the audit log is append-only")

    def delete(self):
        raise PermissionError("the audit log is append-only")


class AuditEntry(models.Model):
    """One security-relevant event. Append-only: written by
    `coordination.organisation.audit.audit_record` alone, never changed or deleted (the ORM
    refuses; on PostgreSQL a trigger does too).

    Never holds message bodies, passwords or tokens: `details` is checked on the way in.
    """

    class Event(models.TextChoices):
        LOGIN = "login", _("Signed in")
        LOGIN_FAILED = "login_failed", _("Sign-in failed")
        LOCKOUT = "lockout", _("Sign-in locked out")
        LOGOUT = "logout", _("Signed out")
        PASSWORD_CHANGED = "password_changed", pgettext_lazy("audit event", "Password changed")
        PASSWORD_RESET = "password_reset", pgettext_lazy("audit event", "Password reset")
        TOKEN_CREATED = "token_created", _("API token created")
        TOKEN_REVOKED = "token_revoked", _("API token revoked")
        ROLE_CHANGED = "role_changed", _("Role changed")
        MEMBERSHIP_CHANGED = "membership_changed", _("Membership changed")
        ACCESS_CHANGED = "access_changed", _("Account activated or deactivated")
        PERMISSION_DENIED = "permission_denied", _("Permission denied")
        EXPORT = "export", _("Export")
        SECOND_FACTOR_ENABLED = "second_factor_enabled", _("Second factor enabled")
        SECOND_FACTOR_DISABLED = "second_factor_disabled", _("Second factor disabled")
        SECOND_FACTOR_FAILED = "second_factor_failed", _("Second factor code rejected")
        RECOVERY_CODE_USED = "recovery_code_used", _("Recovery code used")
        RECOVERY_CODES_RENEWED = "recovery_codes_renewed", _("Recovery codes renewed")
        POLICY_CHANGED = "policy_changed", _("Security policy changed")
        MEETING_SCHEDULED = "meeting_scheduled", _("Meeting scheduled")
        MEETING_CHANGED = "meeting_changed", _("Meeting changed")
        MEETING_CANCELLED = "meeting_cancelled", _("Meeting cancelled")
        CALENDAR_FEED_ISSUED = "calendar_feed_issued", _("Calendar subscription URL issued")
        CALENDAR_FEED_REVOKED = "calendar_feed_revoked", _("Calendar subscription URL revoked")

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    event = models.CharField(_("event"), max_length=32, choices=Event.choices, db_index=True)
    # No database constraint: an entry outlives the official it names (`actor_username` keeps
    # the name), and the log is never rewritten to follow a deletion.
    actor = models.ForeignKey(
        Official,
        verbose_name=_("official"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_username = models.CharField(_("username"), max_length=150, blank=True, db_index=True)
    target_type = models.CharField(_("target type"), max_length=50, blank=True)
    target_id = models.CharField(_("target id"), max_length=64, blank=True)
    target_repr = models.CharField(_("target"), max_length=200, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=200, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.event} {self.actor_username}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise PermissionError("the audit log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("the audit log is append-only")


class RoleSecurityPolicy(models.Model):
    """Per role: whether its officials must use a second factor (TOTP) to sign in."""

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, unique=True)
    require_second_factor = models.BooleanField(_("require a second factor"), default=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("role security policy")
        verbose_name_plural = _("role security policies")
        ordering = ["role"]

    def __str__(self) -> str:
        return self.get_role_display()


class Notification(models.Model):
    """Something an official must learn of (a mention, a directive, a reminder), written by
    `coordination.organisation.notifications.notify` in the transaction of the event, shown
    live on their sockets, and mailed as the official chose (`mail_state`)."""

    class Mail(models.TextChoices):
        NONE = "none", _("not mailed")
        HELD = "held", _("waiting for the end of quiet hours")
        DIGEST = "digest", _("waiting for the daily digest")
        QUEUED = "queued", _("mailed")

    official = models.ForeignKey(Official, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("kind"), max_length=40)
    text = models.CharField(_("text"), max_length=500)
    # What may leave Rakor by mail (no title of a confidential meeting); blank: `text`.
    mail_text = models.CharField(_("text for e-mail"), max_length=500, blank=True)
    link = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    mail_state = models.CharField(
        _("e-mail"), max_length=10, choices=Mail.choices, default=Mail.NONE
    )
    # Its mail is not kept in the outbox once sent (terbatas and rahasia matters).
    sensitive = models.BooleanField(_("sensitive"), default=False)
    # When mail stops being worth sending (a reminder: the meeting's start); null: never.
    mail_until = models.DateTimeField(_("e-mail until"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["official", "read_at"], name="notification_unread_idx"),
            models.Index(
                fields=["mail_state", "official"],
                name="notification_mail_waiting_idx",
                condition=Q(mail_state__in=["held", "digest"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.official_id}"


class Holiday(models.Model):
    """A non-working day beyond the national calendar that the `holidays` package computes
    (coordination.organisation.workdays): the government's cuti bersama days, a national
    holiday the package lacks, a regional holiday (for `region` and every agency below it),
    or, with `working`, a day the calendar lists that is worked after all."""

    class Kind(models.TextChoices):
        NATIONAL = "national", _("National holiday")
        CUTI_BERSAMA = "cuti_bersama", _("Cuti bersama (collective leave)")
        REGIONAL = "regional", _("Regional holiday")

    date = models.DateField(_("date"), db_index=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    region = models.ForeignKey(
        Agency,
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="holidays",
        help_text=_(
            "For a regional holiday: the province (or regency, city) where the day is off; "
            "it applies to every agency below it too."
        ),
    )
    working = models.BooleanField(
        _("worked after all"),
        default=False,
        help_text=_(
            "The day is a working day although the national calendar lists it (a holiday "
            "moved by decree)."
        ),
    )

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        ordering = ["date", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="regional", region__isnull=False)
                | (~Q(kind="regional") & Q(region__isnull=True)),
                name="holiday_region_only_regional",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}"

    def clean(self) -> None:
        if self.kind == self.Kind.REGIONAL and self.region_id is None:
            raise ValidationError({"region": _("A regional holiday names its region.")})
        if self.kind != self.Kind.REGIONAL and self.region_id is not None:
            raise ValidationError({"region": _("Only a regional holiday names a region.")})
