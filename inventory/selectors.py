"""Stock read from the ledger by aggregate queries (one query per question, never per row)."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import (
    DecimalField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Greatest

from inventory.models import Location, Lot, Product, Reservation, StockMovement

AVAILABLE = Q(lot__status=Lot.Status.AVAILABLE)
ZERO = Value(0, output_field=IntegerField())
GRAMS = DecimalField(max_digits=12, decimal_places=2)


@dataclass(frozen=True)
class Balance:
    on_hand: int = 0
    reserved: int = 0

    @property
    def unreserved(self) -> int:
        """Containers on hand that no reservation holds (whatever the lot's status)."""
        return self.on_hand - self.reserved


def _sums() -> dict[str, Any]:
    return {
        "on_hand": Coalesce(Sum("on_hand_delta"), ZERO),
        "reserved": Coalesce(Sum("reserved_delta"), ZERO),
    }


def lot_balance(*, lot: Lot, location: Location) -> Balance:
    totals = StockMovement.objects.filter(lot=lot, location=location).aggregate(**_sums())
    return Balance(on_hand=totals["on_hand"], reserved=totals["reserved"])


def lot_balances_at(*, location: Location, lot_ids: Iterable[int]) -> dict[int, Balance]:
    """Balance of each lot at ``location`` (lots without movements are absent)."""
    rows = (
        StockMovement.objects.filter(location=location, lot_id__in=list(lot_ids))
        .values("lot_id")
        .annotate(
            on_hand=Coalesce(Sum("on_hand_delta"), ZERO),
            reserved=Coalesce(Sum("reserved_delta"), ZERO),
        )
        .order_by()
    )
    return {row["lot_id"]: Balance(row["on_hand"], row["reserved"]) for row in rows}


def lot_on_hand_total(*, lot: Lot) -> int:
    """Containers of the lot on hand over all locations."""
    total: int = StockMovement.objects.filter(lot=lot).aggregate(
        n=Coalesce(Sum("on_hand_delta"), ZERO)
    )["n"]
    return total


def stock_by_lot_and_location() -> QuerySet[StockMovement, Any]:
    """One row per lot and location with stock: containers on hand, reserved, available."""
    return (
        StockMovement.objects.filter(location__isnull=False)
        .values(
            "lot_id",
            "lot__lot_number",
            "lot__expires_on",
            "lot__status",
            "lot__package__product__brand",
            "lot__package__grams_per_container",
            "location__name",
        )
        .annotate(
            on_hand=Coalesce(Sum("on_hand_delta"), ZERO),
            reserved=Coalesce(Sum("reserved_delta"), ZERO),
        )
        .filter(on_hand__gt=0)
        .order_by("lot__package__product__brand", "lot__expires_on", "location__name")
    )


def stock_by_product_and_location() -> QuerySet[StockMovement, Any]:
    """One row per product and location: containers and grams on hand and available.

    Available counts only lots in status available: quarantined, recalled and expired
    stock is on hand but cannot be used.
    """
    grams = ExpressionWrapper(
        F("on_hand_delta") * F("lot__package__grams_per_container"), output_field=GRAMS
    )
    free = ExpressionWrapper(F("on_hand_delta") - F("reserved_delta"), output_field=IntegerField())
    free_grams = ExpressionWrapper(
        (F("on_hand_delta") - F("reserved_delta")) * F("lot__package__grams_per_container"),
        output_field=GRAMS,
    )
    return (
        StockMovement.objects.filter(location__isnull=False)
        .values(
            "lot__package__product_id",
            "lot__package__product__uuid",
            "lot__package__product__brand",
            "location__uuid",
            "location__name",
        )
        .annotate(
            on_hand=Coalesce(Sum("on_hand_delta"), ZERO),
            on_hand_grams=Coalesce(Sum(grams), Value(Decimal(0), output_field=GRAMS)),
            available=Coalesce(Sum(free, filter=AVAILABLE), ZERO),
            available_grams=Coalesce(
                Sum(free_grams, filter=AVAILABLE), Value(Decimal(0), output_field=GRAMS)
            ),
        )
        .filter(on_hand__gt=0)
        .order_by("lot__package__product__brand", "location__name")
    )


def available_containers(
    *, product: Product, location: Location, on: datetime.date
) -> dict[int, int]:
    """Available containers of each package of ``product`` at ``location`` on ``on``."""
    rows = (
        StockMovement.objects.filter(
            location=location,
            lot__package__product=product,
            lot__status=Lot.Status.AVAILABLE,
            lot__expires_on__gte=on,
        )
        .values("lot__package_id")
        .annotate(n=Coalesce(Sum(F("on_hand_delta") - F("reserved_delta")), ZERO))
        .order_by()
    )
    return {row["lot__package_id"]: row["n"] for row in rows}


def lots_expiring_within(*, days: int, today: datetime.date) -> QuerySet[Lot]:
    """Lots with stock on hand that expire within ``days`` of ``today``, soonest first."""
    return (
        Lot.objects.filter(expires_on__lte=today + datetime.timedelta(days=days))
        .exclude(status=Lot.Status.RECALLED)
        .select_related("package__product")
        .annotate(on_hand=Coalesce(Sum("movements__on_hand_delta"), ZERO))
        .filter(on_hand__gt=0)
        .order_by("expires_on", "pk")
    )


def blocked_lots() -> QuerySet[Lot]:
    """Quarantined and recalled lots, with what is still on hand (and the recall's uuid)."""
    return (
        Lot.objects.filter(status__in=[Lot.Status.QUARANTINED, Lot.Status.RECALLED])
        .select_related("package__product")
        .annotate(
            on_hand=Coalesce(Sum("movements__on_hand_delta"), ZERO),
            recall_uuid=F("recall__uuid"),
        )
        .order_by("status", "expires_on", "pk")
    )


def lot_ids_on_hand_at(*, location: Location) -> list[int]:
    """Lots with containers on hand at ``location``."""
    return list(
        StockMovement.objects.filter(location=location)
        .values("lot_id")
        .annotate(on_hand=Sum("on_hand_delta"))
        .filter(on_hand__gt=0)
        .order_by("lot_id")
        .values_list("lot_id", flat=True)
    )


def open_reservations(visit_uuid: uuid.UUID) -> QuerySet[Reservation]:
    """The visit's open reservations, with lot and package (what scheduling shows and
    dispenses)."""
    return (
        Reservation.objects.filter(visit_uuid=visit_uuid, status=Reservation.Status.OPEN)
        .select_related("lot__package__product", "location")
        .order_by("pk")
    )


def recall_trace(lot: Lot) -> QuerySet[StockMovement]:
    """Every dispense of ``lot``: patient, when, how many, by which nurse, at which visit.

    One query whatever the number of rows. ``returned`` counts containers of the lot given
    back for the same patient and visit; ``net_quantity`` is what the patient may have
    received. Fully returned dispenses stay listed: a recall trace errs on the side of
    telling too many patients (domain reference, "Lot traceability").
    """
    returned = (
        StockMovement.objects.filter(
            lot_id=OuterRef("lot_id"),
            kind=StockMovement.Kind.RETURN,
            patient_id=OuterRef("patient_id"),
            visit_uuid=OuterRef("visit_uuid"),
        )
        .values("lot_id")
        .annotate(n=Sum("quantity"))
        .values("n")
    )
    return (
        StockMovement.objects.filter(lot=lot, kind=StockMovement.Kind.DISPENSE)
        .select_related("patient", "actor", "location")
        .annotate(returned=Coalesce(Subquery(returned, output_field=IntegerField()), ZERO))
        .annotate(net_quantity=Greatest(F("quantity") - F("returned"), ZERO))
        .order_by("occurred_at", "pk")
    )
