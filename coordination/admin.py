"""Django admin for the organisation domain, for the secretariat: search and filters."""

from __future__ import annotations

import csv

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from coordination import jobqueue, second_factor, services
from coordination.audit import Event, audit_record
from coordination.models import (
    Agency,
    ApiToken,
    AuditEntry,
    Job,
    Official,
    PeriodicJobState,
    RoleSecurityPolicy,
)

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
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Person"), {"fields": ("first_name", "last_name", "email", "phone")}),
        (_("Position"), {"fields": ("agency", "position_title", "role")}),
        (
            _("Preferences"),
            {"fields": ("language", "timezone", "work_start", "work_end", "work_days")},
        ),
        (_("Access"), {"fields": ("is_active", "is_superuser", "groups", "user_permissions")}),
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

    def save_model(self, request, obj, form, change):
        previous = (
            Official.objects.filter(pk=obj.pk).values("role", "agency_id", "is_active").first()
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
    list_display = ("name", "official", "prefix", "created_at", "last_used_at", "revoked_at")
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
    list_display = ("id", "name", "status", "attempts", "run_at", "finished_at")
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


@admin.register(PeriodicJobState)
class PeriodicJobStateAdmin(admin.ModelAdmin):
    list_display = ("name", "next_run_at", "last_status", "last_finished_at", "runs")
    list_filter = ("last_status",)
    readonly_fields = [f.name for f in PeriodicJobState._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("at", "event", "actor_username", "target_repr", "ip_address")
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
        from coordination import permissions

        return permissions.may_read_audit_log(request.user)

    @admin.action(description=_("Export the selected entries as CSV"))
    def export_csv(self, request, queryset):
        rows = list(queryset.order_by("at", "id"))
        audit_record(
            Event.EXPORT, actor=request.user, request=request, what="audit log", rows=len(rows)
        )
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        response["Content-Disposition"] = f'attachment; filename="rakor-audit-{stamp}.csv"'
        writer = csv.writer(response)
        writer.writerow(
            [
                "time",
                "event",
                "username",
                "target_type",
                "target_id",
                "target",
                "ip_address",
                "details",
            ]
        )
        for entry in rows:
            writer.writerow(
                [
                    entry.at.isoformat(),
                    entry.event,
                    entry.actor_username,
                    entry.target_type,
                    entry.target_id,
                    entry.target_repr,
                    entry.ip_address or "",
                    entry.details,
                ]
            )
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
