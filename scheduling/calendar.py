"""The coordinator's week: visits laid out by nurse or by site, one column a day."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from scheduling.conflicts import Conflict, conflicts_by_visit
from scheduling.models import NurseProfile, SiteOfCare, Visit, VisitQuerySet
from scheduling.selectors import visits_between

BY_NURSE = "nurse"
BY_SITE = "site"
UNASSIGNED = "Unassigned"


@dataclass(frozen=True)
class Cell:
    visit: Visit
    conflicts: list[Conflict]

    @property
    def is_blocked(self) -> bool:
        return any(conflict.blocking for conflict in self.conflicts)


@dataclass
class Row:
    label: str
    # One list of visits per day of the week.
    days: list[list[Cell]] = field(default_factory=lambda: [[] for _ in range(7)])


@dataclass
class Week:
    start: dt.date
    by: str
    days: list[dt.date]
    rows: list[Row]

    @property
    def previous(self) -> dt.date:
        return self.start - dt.timedelta(days=7)

    @property
    def next(self) -> dt.date:
        return self.start + dt.timedelta(days=7)


def week_start(day: dt.date) -> dt.date:
    """The Monday of the week holding ``day``."""
    return day - dt.timedelta(days=day.weekday())


def build_week(visits: VisitQuerySet, *, start: dt.date, by: str) -> Week:
    """Lay out the week's visits (already scoped to the viewer) by nurse or by site.

    Days follow the pharmacy's time zone; each visit shows its own local time.
    """
    days = [start + dt.timedelta(days=offset) for offset in range(7)]
    begin = timezone.make_aware(dt.datetime.combine(start, dt.time()))
    end = timezone.make_aware(dt.datetime.combine(start + dt.timedelta(days=7), dt.time()))
    week_visits = list(visits_between(visits, begin, end).order_by("starts_at"))
    rows: dict[object, Row] = {}
    if by == BY_SITE:
        for site in SiteOfCare.objects.filter(visits__in=week_visits).distinct():
            rows[site.pk] = Row(label=str(site.name))
    else:
        for nurse in NurseProfile.objects.select_related("user").order_by("user__last_name"):
            rows[nurse.pk] = Row(label=nurse.user.get_full_name())
        rows[None] = Row(label=UNASSIGNED)
    conflicts = conflicts_by_visit(week_visits)
    for visit in week_visits:
        key = visit.site_id if by == BY_SITE else visit.nurse_id
        row = rows.get(key)
        if row is None:  # a nurse profile created mid-request; never drop a visit
            row = rows.setdefault(key, Row(label=UNASSIGNED))
        local_day = timezone.localtime(visit.starts_at).date()
        row.days[(local_day - start).days].append(Cell(visit, conflicts.get(visit.pk, [])))
    return Week(start=start, by=by, days=days, rows=list(rows.values()))
