from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, reverse_lazy

from coordination.organisation.forms import QueuedPasswordResetForm
from coordination.organisation.views import accounts, directory, profile
from coordination.organisation.views import notifications as notification_views
from coordination.platform import views as system
from coordination.wiring import dashboard
from coordination.wiring.api import api
from meetings import urls as meeting_urls
from meetings import views as meeting_views
from meetings.views import decisions as decision_views

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("agencies/", directory.directory, name="directory"),
    path("agencies/<slug:code>/", directory.agency_detail, name="agency_detail"),
    path("language/", directory.language_switch, name="language_switch"),
    path("messages/", include("messaging.urls")),
    path("meetings/", include("meetings.urls")),
    path("decisions/", include(meeting_urls.decision_patterns)),
    path("actions/", include(meeting_urls.action_patterns)),
    path("calendar/<str:token>.ics", meeting_views.calendar_feed, name="calendar_feed"),
    path("calendar/actions/<str:token>.ics", decision_views.actions_feed, name="actions_feed"),
    path("notifications/", notification_views.notification_list, name="notifications"),
    path(
        "notifications/<int:notification_id>/open",
        notification_views.notification_open,
        name="notification_open",
    ),
    path("notifications/read", notification_views.notifications_read, name="notifications_read"),
    path("profile/", profile.profile, name="profile"),
    path("profile/notifications/", profile.notification_settings, name="notification_settings"),
    path("profile/tokens/", profile.token_create, name="token_create"),
    path("profile/tokens/<int:token_id>/revoke", profile.token_revoke, name="token_revoke"),
    path("profile/second-factor/", profile.second_factor_setup, name="second_factor_setup"),
    path("profile/second-factor/qr.svg", profile.second_factor_qr, name="second_factor_qr"),
    path("healthz", system.healthz, name="healthz"),
    path("csp-report", system.csp_report, name="csp_report"),
    # Accounts: Django's views with Rakor's templates.
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/verify/", accounts.second_factor_verify, name="second_factor_verify"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/change/",
        accounts.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path(
        "accounts/password/reset/",
        accounts.PasswordResetView.as_view(
            form_class=QueuedPasswordResetForm,
            email_template_name="registration/password_reset_email.txt",
            html_email_template_name="registration/password_reset_email.html",
        ),
        name="password_reset",
    ),
    path(
        "accounts/password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        accounts.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    # The admin's own password change is Rakor's: audited, sockets closed.
    path(
        "admin/password_change/",
        accounts.PasswordChangeView.as_view(success_url=reverse_lazy("admin:password_change_done")),
    ),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]

handler400 = "coordination.wiring.errors.bad_request"
handler403 = "coordination.wiring.errors.permission_denied"
handler404 = "coordination.wiring.errors.page_not_found"
handler500 = "coordination.wiring.errors.server_error"

admin.site.site_header = "Rakor"
admin.site.site_title = "Rakor"
admin.site.index_title = "Administrasi / Administration"
