"""Query-string filters of the inventory API (django-filter)."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, QuerySet

# django-filter ships no type hints (no stubs package is installed).
from django_filters import rest_framework as filters

from inventory.lot_numbers import lot_key
from inventory.models import Lot, Package, StockMovement

DjangoFilterBackend = filters.DjangoFilterBackend


class PackageFilter(filters.FilterSet):  # type: ignore[misc]
    product = filters.UUIDFilter(field_name="product__uuid")

    class Meta:
        model = Package
        fields = ["product", "is_active"]


class LotFilter(filters.FilterSet):  # type: ignore[misc]
    product = filters.UUIDFilter(field_name="package__product__uuid")
    package = filters.UUIDFilter(field_name="package__uuid")
    status = filters.ChoiceFilter(choices=Lot.Status.choices)
    location = filters.UUIDFilter(
        method="filter_location", help_text="Only lots with containers on hand there."
    )
    lot_number = filters.CharFilter(
        method="filter_lot_number",
        max_length=40,
        help_text="The lot with this number, however typed (case, blanks and separators "
        "are ignored: inventory.lot_numbers).",
    )

    class Meta:
        model = Lot
        fields = ["product", "package", "status", "location", "lot_number"]

    def filter_lot_number(self, queryset: QuerySet[Lot], name: str, value: str) -> QuerySet[Lot]:
        key = lot_key(value)
        # A value with no letter or digit names no lot (not every lot).
        return queryset.filter(lot_key=key) if key else queryset.none()

    def filter_location(self, queryset: QuerySet[Lot], name: str, value: Any) -> QuerySet[Lot]:
        # Exists, not a join: a join over the ledger would repeat each lot per movement.
        stocked = StockMovement.objects.filter(lot=OuterRef("pk"), location__uuid=value)
        return queryset.filter(Exists(stocked))


class StockSummaryFilter(filters.FilterSet):  # type: ignore[misc]
    product = filters.UUIDFilter(field_name="lot__package__product__uuid")
    location = filters.UUIDFilter(field_name="location__uuid")

    class Meta:
        model = StockMovement
        fields = ["product", "location"]


class MovementFilter(filters.FilterSet):  # type: ignore[misc]
    lot = filters.UUIDFilter(field_name="lot__uuid")
    product = filters.UUIDFilter(field_name="lot__package__product__uuid")
    location = filters.UUIDFilter(field_name="location__uuid")
    kind = filters.ChoiceFilter(choices=StockMovement.Kind.choices)

    class Meta:
        model = StockMovement
        fields = ["lot", "product", "location", "kind"]
