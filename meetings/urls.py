from django.urls import path

from meetings import views

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
]
