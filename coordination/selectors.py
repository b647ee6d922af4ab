"""Reads of the organisation domain used by more than one caller."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from coordination.models import Agency, Official


def agency_list(*, q: str = "", level: str = "", parent_code: str = "") -> QuerySet[Agency]:
    agencies = Agency.objects.filter(is_active=True).select_related("parent")
    if q:
        agencies = agencies.filter(Q(name__icontains=q) | Q(code__icontains=q))
    if level:
        agencies = agencies.filter(level=level)
    if parent_code:
        agencies = agencies.filter(parent__code=parent_code)
    return agencies


def official_roles(official: Official) -> list[str]:
    """An official's roles as the API names them (one role today, a list by contract)."""
    return [official.role]
