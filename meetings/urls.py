from django.urls import path

from meetings import views
from meetings.views import decisions, occurrences

app_name = "meetings"

urlpatterns = [
    path("", views.meeting_list, name="index"),
    path("week/", views.meeting_calendar, {"view": "week"}, name="week"),
    path("month/", views.meeting_calendar, {"view": "month"}, name="month"),
    path("new/", views.meeting_new, name="new"),
    path("calendar-link/renew", views.feed_renew, name="feed_renew"),
    path("calendar-link/revoke", views.feed_revoke, name="feed_revoke"),
    path("answer/<str:token>", views.rsvp_answer, name="answer"),
    path("<int:meeting_id>", views.meeting_detail, name="detail"),
    path("<int:meeting_id>/edit", views.meeting_edit, name="edit"),
    path("<int:meeting_id>/rsvp", views.meeting_rsvp, name="rsvp"),
    path("<int:meeting_id>/cancel", views.meeting_cancel, name="cancel"),
    path("<int:meeting_id>/reply", views.meeting_reply_upload, name="reply"),
    path("<int:meeting_id>/join", views.meeting_join, name="join"),
    # One occurrence of a series, by its original start (2026-12-07T02:00:00Z).
    path(
        "<int:meeting_id>/occurrences/<str:key>",
        occurrences.occurrence_detail,
        name="occurrence",
    ),
    path(
        "<int:meeting_id>/occurrences/<str:key>/rsvp",
        occurrences.occurrence_rsvp,
        name="occurrence_rsvp",
    ),
    path(
        "<int:meeting_id>/occurrences/<str:key>/edit",
        occurrences.occurrence_edit,
        name="occurrence_edit",
    ),
    path(
        "<int:meeting_id>/occurrences/<str:key>/cancel",
        occurrences.occurrence_cancel,
        name="occurrence_cancel",
    ),
]

# The decision log's pages, each its own section of the navigation.
decision_patterns = (
    [
        path("", decisions.decision_list, name="index"),
        path("<int:decision_id>", decisions.decision_detail, name="detail"),
    ],
    "decisions",
)
action_patterns = (
    [
        path("", decisions.action_list, name="index"),
        path("export.csv", decisions.action_export, name="export"),
        path("<int:action_id>", decisions.action_detail, name="detail"),
        path("files/<int:file_id>", decisions.action_file, name="file"),
    ],
    "actions",
)
