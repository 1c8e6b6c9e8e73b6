"""Reads of the pharmacy's stock for visits: where it is, what is reservable, what a recall hit.

Scheduling reads inventory (a higher app reads a lower one); inventory knows visits only by
their public uuid (``Reservation.visit_uuid``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.db.models import F, IntegerField, Sum
from django.db.models.functions import Coalesce

from inventory.models import Location, Lot, Reservation, StockMovement

ZERO = Coalesce(Sum(F("on_hand_delta") - F("reserved_delta")), 0, output_field=IntegerField())


def stock_location() -> Location | None:
    """The pharmacy location that serves visits: the oldest active warehouse.

    Satellites hold overflow stock only; visits are supplied from the main warehouse, so
    reservations, dispensing and the stock conflict all use this one location.
    """
    return (
        Location.objects.filter(kind=Location.Kind.WAREHOUSE, is_active=True).order_by("pk").first()
    )


def earliest_expiry(day: dt.date) -> dt.date:
    """Lots reserved for ``day`` must be in date until this day (inventory's FEFO margin)."""
    return day + dt.timedelta(days=settings.INVENTORY_FEFO_MARGIN_DAYS)


def reservable_grams(
    *, location: Location, product_ids: Iterable[int], first_day: dt.date
) -> dict[int, list[tuple[dt.date, Decimal]]]:
    """Per product: (expiry, grams not reserved) of its available lots at ``location``.

    One aggregate query for a page of visits; each visit then sums the lots still in date
    for its own day (``grams_in_date``).
    """
    rows = (
        StockMovement.objects.filter(
            location=location,
            lot__status=Lot.Status.AVAILABLE,
            lot__package__product_id__in=set(product_ids),
            lot__expires_on__gte=earliest_expiry(first_day),
        )
        .values("lot__package__product_id", "lot__expires_on", "lot__package__grams_per_container")
        .annotate(free=ZERO)
        .order_by()
    )
    found: dict[int, list[tuple[dt.date, Decimal]]] = defaultdict(list)
    for row in rows:
        if row["free"] > 0:
            found[row["lot__package__product_id"]].append(
                (row["lot__expires_on"], row["free"] * row["lot__package__grams_per_container"])
            )
    return found


def grams_in_date(lots: Iterable[tuple[dt.date, Decimal]], day: dt.date) -> Decimal:
    limit = earliest_expiry(day)
    return sum((grams for expires_on, grams in lots if expires_on >= limit), Decimal(0))


def recalled_visit_uuids(visit_uuids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """Visits with a reservation a recall released after their newest open reservation.

    Confirming again releases what is left and reserves anew, so the new reservations are
    younger than the recall and the visit is no longer listed. One query.
    """
    newest_open: dict[uuid.UUID, dt.datetime] = {}
    recalled_at: dict[uuid.UUID, dt.datetime] = {}
    rows = Reservation.objects.filter(visit_uuid__in=list(visit_uuids)).values_list(
        "visit_uuid", "status", "released_by_recall_id", "created_at", "updated_at"
    )
    for visit_uuid, status, recall_id, created_at, updated_at in rows:
        if visit_uuid is None:
            continue
        if status == Reservation.Status.OPEN:
            newest_open[visit_uuid] = max(created_at, newest_open.get(visit_uuid, created_at))
        elif recall_id is not None:
            # updated_at: when the recall released it (a released reservation never changes).
            recalled_at[visit_uuid] = max(updated_at, recalled_at.get(visit_uuid, updated_at))
    return {
        visit_uuid
        for visit_uuid, released in recalled_at.items()
        if visit_uuid not in newest_open or released > newest_open[visit_uuid]
    }
