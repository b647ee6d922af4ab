"""Non-working days: Indonesia's national calendar and the administrators' additions.

The national holidays come from the `holidays` package (`country_holidays("ID")`: fixed
days and the computed Islamic, Chinese, Balinese and Christian ones, and the government's
cuti bersama days for the years it knows). Holiday rows, edited in the admin, add cuti
bersama days, national days the package lacks and regional holidays (for a province or
regency and every agency below it), and take back a listed day that is worked after all.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

import holidays

from coordination.organisation.models import Agency, Holiday, Official


@dataclass(frozen=True)
class DayOff:
    date: datetime.date
    name: str
    kind: str  # Holiday.Kind


def national_calendar(years: Iterable[int], *, language: str = "id") -> dict[datetime.date, str]:
    """The national holidays and the government's cuti bersama of these years, by date."""
    years = sorted(set(years))
    if not years:
        return {}
    names = "en_US" if language == "en" else "id"
    calendar = holidays.country_holidays(
        "ID", years=years, categories=("public", "government"), language=names
    )
    return dict(calendar.items())


class DaysOff:
    """The non-working dates between two dates, for any official (one read of the Holiday
    rows and of the agency tree, whatever the number of officials)."""

    def __init__(self, first: datetime.date, last: datetime.date, *, language: str = "id"):
        self.first, self.last = first, last
        national = national_calendar(range(first.year, last.year + 1), language=language)
        self.common = {d: n for d, n in national.items() if first <= d <= last}
        self.regional: dict[int, set[datetime.date]] = {}
        self.worked_common: set[datetime.date] = set()
        self.worked_regional: dict[int, set[datetime.date]] = {}
        for row in Holiday.objects.filter(date__gte=first, date__lte=last):
            if row.region_id is None:
                if row.working:
                    self.worked_common.add(row.date)
                else:
                    self.common[row.date] = row.name
            else:
                target = self.worked_regional if row.working else self.regional
                target.setdefault(row.region_id, set()).add(row.date)
        self.parents: dict[int, int | None] = {}
        if self.regional or self.worked_regional:
            self.parents = dict(Agency.objects.values_list("pk", "parent_id"))

    def _chain(self, agency_id: int | None) -> list[int]:
        """The agency and every agency above it."""
        chain, seen = [], set()
        while agency_id is not None and agency_id not in seen:
            seen.add(agency_id)
            chain.append(agency_id)
            agency_id = self.parents.get(agency_id)
        return chain

    def dates_for(self, official: Official) -> frozenset[datetime.date]:
        days = set(self.common) - self.worked_common
        for agency_id in self._chain(official.agency_id):
            days |= self.regional.get(agency_id, set())
        for agency_id in self._chain(official.agency_id):
            days -= self.worked_regional.get(agency_id, set())
        return frozenset(days)
