from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from coordination.organisation import notifications, permissions

# The main navigation, in order: (key, label, URL name). A section whose URL does not exist
# yet (its feature has not landed) is shown as not yet available instead of as a dead link.
NAVIGATION = [
    ("messages", _("Messages"), "messaging:index"),
    ("meetings", _("Meetings"), "meetings:index"),
    ("decisions", _("Decisions"), "decisions:index"),
    ("actions", _("Follow-up actions"), "actions:index"),
    ("agencies", _("Agencies"), "directory"),
]


def rakor(request):
    user = getattr(request, "user", None)
    current = getattr(getattr(request, "resolver_match", None), "view_name", "")
    navigation = []
    for key, label, url_name in NAVIGATION:
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            url = None
        section = url_name.split(":")[0]
        active = (
            current == url_name
            or (url is not None and ":" in url_name and current.startswith(section + ":"))
            or (key == "agencies" and current in ("directory", "agency_detail"))
        )
        navigation.append({"key": key, "label": label, "url": url, "active": active})
    signed_in = bool(user is not None and user.is_authenticated)
    return {
        "unread_notifications": notifications.unread_count(user) if signed_in else 0,
        "rakor_env": settings.RAKOR_ENV,
        "is_administrator": permissions.is_administrator(user),
        "navigation": navigation,
    }
