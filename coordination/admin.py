"""Django admin for the organisation domain, for the secretariat: search and filters."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from coordination import jobqueue, services
from coordination.models import Agency, ApiToken, Job, Official, PeriodicJobState


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
        super().save_model(request, obj, form, change)
        # Role and active flag decide access; one service keeps them in step.
        services.official_apply_access(official=obj)


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
            services.token_revoke(by=request.user, token_id=token.pk)
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
