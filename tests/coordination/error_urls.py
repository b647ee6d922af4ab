"""The project's URLs plus views that fail on purpose, for the error page tests."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.urls import path

from coordination.urls import handler400, handler403, handler404, handler500, urlpatterns


def forbidden(request):
    raise PermissionDenied("see this test page")


def suspicious(request):
    raise SuspiciousOperation("a test of the 400 page")


def broken(request):
    raise RuntimeError("a test of the 500 page")


urlpatterns = [
    path("test-errors/403", forbidden),
    path("test-errors/400", suspicious),
    path("test-errors/500", broken),
    *urlpatterns,
]
__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]
