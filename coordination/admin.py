"""Django admin for the organisation domain, for the secretariat: search and filters."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from coordination.organisation import second_factor, services
from coordination.organisation.audit import audit_export_csv
from coordination.organisation.models import (
    Agency,
    ApiToken,
    AuditEntry,
    Holiday,
    Official,
    RoleSecurityPolicy,
)
from coordination.organisation.timefmt import format_in_zone
from coordination.platform import jobqueue
from coordination.platform.mail import outbox_retry_failed
from coordination.platform.models import Job, OutboundMail, PeriodicJobState


def zoned(field: str, label):
    """A list column showing a time in the viewing administrator's zone (activated for the
    request by LanguageMiddleware), with its label."""

    @admin.display(description=label, ordering=field)
    def column(self, obj):
        value = getattr(obj, field)
        zone = timezone.get_current_timezone_name()
        return format_in_zone(value, zone, kind="short") if value else "—"

    return column


# Authenticator secrets are nobody's business but their owner's: not in the admin.
for _model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "level", "parent", "timezone", "is_active")
    list_filter = ("level", "timezone", "is_active")
    search_fields = ("name", "code")
    autocomplete_fields = ("parent",)
    ordering = ("name",)


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    """The days off the scheduling assistant adds to the national calendar of the `holidays`
    package (coordination.organisation.workdays): cuti bersama, regional holidays, and days
    worked after all."""

    list_display = ("date", "name", "kind", "region", "working")
    list_filter = ("kind", "working", "region")
    search_fields = ("name", "region__name", "region__code")
    autocomplete_fields = ("region",)
    date_hierarchy = "date"
    ordering = ("-date",)


@admin.register(Official)
class OfficialAdmin(UserAdmin):
    list_display = ("username", "display_name", "agency", "position_title", "role", "is_active")
    list_filter = ("role", "is_active", "agency__level", "agency__timezone", "language")
    search_fields = (
        "username",
        "first_name",
        "last_name",
        "email",
        "position_title",
        "agency__name",
        "agency__code",
    )
    list_select_related = ("agency",)
    autocomplete_fields = ("agency",)
    ordering = ("username",)
    filter_horizontal = ()
    actions = ["reset_second_factor"]

    @admin.action(description=_("Reset two-step verification (lost phone)"))
    def reset_second_factor(self, request, queryset):
        for official in queryset:
            second_factor.second_factor_reset(official=official, by=request.user, request=request)
        messages.success(
            request,
            _("Two-step verification reset for %(count)d officials.") % {"count": queryset.count()},
        )

    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Person"), {"fields": ("first_name", "last_name", "email", "phone")}),
        (_("Position"), {"fields": ("agency", "position_title", "role")}),
        (
            _("Preferences"),
            {
                "fields": (
                    "language",
                    "timezone",
                    "work_start",
                    "work_end",
                    "work_days",
                    "reminder_minutes",
                )
            },
        ),
        # Access follows the role; Django's groups and per-user permissions are not used.
        (_("Access"), {"fields": ("is_active", "is_superuser")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "first_name",
                    "last_name",
                    "email",
                    "agency",
                    "position_title",
                    "role",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    readonly_fields = ("last_login", "date_joined")

    @admin.display(description=_("name"))
    def display_name(self, obj: Official) -> str:
        return obj.display_name

    def user_change_password(self, request, id, form_url=""):
        """An administrator sets an official's password: recorded, and the official's
        sessions' sockets closed, like any password change."""
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            official = self.get_object(request, unquote(id))
            services.official_password_changed(official=official, request=request, by=request.user)
        return response

    def save_model(self, request, obj, form, change):
        previous = (
            Official.objects.filter(pk=obj.pk)
            .values("role", "agency_id", "is_active", "is_superuser")
            .first()
            if change
            else None
        )
        super().save_model(request, obj, form, change)
        # Role, agency and active flag decide access; one service keeps them in step and
        # records what changed.
        services.official_apply_access(
            official=obj, by=request.user, request=request, previous=previous
        )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "official", "prefix", "created", "last_used", "revoked")
    created = zoned("created_at", _("created"))
    last_used = zoned("last_used_at", _("last used"))
    revoked = zoned("revoked_at", _("revoked"))
    list_filter = (("revoked_at", admin.EmptyFieldListFilter), "created_at")
    search_fields = ("name", "prefix", "official__username", "official__first_name")
    list_select_related = ("official",)
    readonly_fields = ("official", "name", "prefix", "created_at", "last_used_at", "revoked_at")
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False  # tokens are created by their owner: the secret is shown to them alone

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        for token in queryset:
            services.token_revoke(by=request.user, token_id=token.pk, request=request)
        messages.success(request, _("Tokens revoked."))


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ("id", "name", "status", "attempts", "run", "finished")
    run = zoned("run_at", _("run at"))
    finished = zoned("finished_at", _("finished"))
    list_filter = ("status", "name")
    search_fields = ("name", "last_error")
    # The payload is not shown: queued mail may hold a password-reset link.
    exclude = ("payload",)
    readonly_fields = [f.name for f in Job._meta.fields if f.name != "payload"]
    actions = ["retry_now"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Retry the selected failed jobs now"))
    def retry_now(self, request, queryset):
        count = jobqueue.jobs_retry_failed(list(queryset.values_list("pk", flat=True)))
        messages.success(request, _("%(count)d jobs queued again.") % {"count": count})


@admin.register(OutboundMail)
class OutboundMailAdmin(admin.ModelAdmin):
    list_display = ("id", "subject", "recipient", "kind", "state", "attempts", "queued", "sent")
    queued = zoned("created_at", _("queued"))
    sent = zoned("sent_at", _("sent"))
    list_filter = ("state", "kind")
    search_fields = ("recipient", "subject", "topic", "message_id", "last_error")
    # The content is not shown: it may hold a password-reset link.
    exclude = ("payload",)
    readonly_fields = [f.name for f in OutboundMail._meta.fields if f.name != "payload"]
    actions = ["retry_now"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Send the selected failed e-mails again"))
    def retry_now(self, request, queryset):
        count = outbox_retry_failed(list(queryset.values_list("pk", flat=True)))
        messages.success(request, _("%(count)d e-mails queued again.") % {"count": count})


@admin.register(PeriodicJobState)
class PeriodicJobStateAdmin(admin.ModelAdmin):
    list_display = ("name", "next_run_at", "last_status", "last_finished_at", "runs")
    list_filter = ("last_status",)
    readonly_fields = [f.name for f in PeriodicJobState._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("time", "event", "actor_username", "target_repr", "ip_address")
    time = zoned("at", _("time"))
    list_filter = ("event", ("at", admin.DateFieldListFilter), "target_type")
    search_fields = ("actor_username", "target_repr", "target_id", "ip_address")
    date_hierarchy = "at"
    readonly_fields = [f.name for f in AuditEntry._meta.fields]
    actions = ["export_csv"]
    list_per_page = 100

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        from coordination.organisation import permissions

        return permissions.may_read_audit_log(request.user)

    @admin.action(description=_("Export the selected entries as CSV"))
    def export_csv(self, request, queryset):
        body = audit_export_csv(
            entries=queryset.order_by("at", "id"), by=request.user, request=request
        )
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        response["Content-Disposition"] = f'attachment; filename="rakor-audit-{stamp}.csv"'
        return response


@admin.register(RoleSecurityPolicy)
class RoleSecurityPolicyAdmin(admin.ModelAdmin):
    list_display = ("role", "require_second_factor", "updated_at")
    list_editable = ("require_second_factor",)
    fields = ("role", "require_second_factor")
    readonly_fields = ("role",)

    def has_add_permission(self, request):
        return False  # one row per role, made by a migration

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        # Through the service: checked, audited, and the cached policy refreshed.
        second_factor.policy_set(
            role=obj.role, required=obj.require_second_factor, by=request.user, request=request
        )
