"""Query-string filters of the visits API (django-filter)."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

# django-filter ships no type hints (no stubs package is installed).
from django_filters import rest_framework as filters

from scheduling.models import Visit

DjangoFilterBackend = filters.DjangoFilterBackend


def _midnight(day: dt.date) -> dt.datetime:
    """Midnight of ``day`` in the pharmacy's time zone."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


class VisitFilter(filters.FilterSet):  # type: ignore[misc]
    date_from = filters.DateFilter(
        method="filter_date_from", help_text="Visits starting on or after this day."
    )
    date_to = filters.DateFilter(
        method="filter_date_to", help_text="Visits starting on or before this day (inclusive)."
    )
    nurse = filters.UUIDFilter(field_name="nurse__uuid")
    site = filters.UUIDFilter(field_name="site__uuid")
    status = filters.MultipleChoiceFilter(choices=Visit.Status.choices)

    class Meta:
        model = Visit
        fields = ["date_from", "date_to", "nurse", "site", "status"]

    def filter_date_from(
        self, queryset: QuerySet[Visit], name: str, value: dt.date
    ) -> QuerySet[Visit]:
        return queryset.filter(starts_at__gte=_midnight(value))

    def filter_date_to(
        self, queryset: QuerySet[Visit], name: str, value: dt.date
    ) -> QuerySet[Visit]:
        return queryset.filter(starts_at__lt=_midnight(value + dt.timedelta(days=1)))
