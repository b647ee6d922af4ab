from django.conf import settings

from coordination import permissions


def rakor(request):
    user = getattr(request, "user", None)
    return {
        "rakor_env": settings.RAKOR_ENV,
        "is_administrator": permissions.is_administrator(user),
    }
