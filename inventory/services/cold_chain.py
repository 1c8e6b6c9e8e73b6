"""Temperature excursions and the quarantine they trigger."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction

from accounts.audit import log_action
from accounts.models import User
from inventory.locking import lots_for_update
from inventory.models import Location, Lot, Product, TemperatureExcursion
from inventory.selectors import lot_ids_on_hand_at
from inventory.services.lot_status import quarantine_lot


def storage_range_problem(product: Product, *, min_c: Decimal, max_c: Decimal) -> str | None:
    """Why ``min_c``..``max_c`` left the product's storage range, or None when it did not.

    The upper bound is the label's room-temperature allowance when it has one (a short
    excursion within it is allowed storage). An unknown range counts as left: without the
    label's range nobody can say the stock is still good.
    """
    low = product.storage_min_c
    high = product.room_temperature_max_c or product.storage_max_c
    if low is None or high is None:
        return f"{product} has no storage range on file"
    if min_c < low or max_c > high:
        return f"outside {product}'s storage range {low} to {high} °C"
    return None


@transaction.atomic
def record_excursion(
    *,
    location: Location,
    started_at: datetime.datetime,
    ended_at: datetime.datetime,
    min_c: Decimal,
    max_c: Decimal,
    actor: User,
    note: str = "",
) -> TemperatureExcursion:
    """Log an excursion and quarantine every affected available lot at ``location``.

    1. Save the excursion (the model checks the times and temperatures).
    2. Lock the lots on hand there, in pk order, so none is reserved meanwhile.
    3. Each lot still available whose product's range the excursion left is quarantined,
       with a ledger row and the reason, and linked to the excursion.
    """
    excursion = TemperatureExcursion(
        location=location,
        started_at=started_at,
        ended_at=ended_at,
        min_c=min_c,
        max_c=max_c,
        recorded_by=actor,
        note=note,
    )
    excursion.full_clean()
    excursion.save()

    locked = lots_for_update(lot_ids_on_hand_at(location=location))
    affected: list[Lot] = []
    for lot in locked.values():
        if lot.status != Lot.Status.AVAILABLE:
            continue
        problem = storage_range_problem(lot.package.product, min_c=min_c, max_c=max_c)
        if problem is None:
            continue
        reason = (
            f"Temperature excursion at {location} from {started_at:%Y-%m-%d %H:%M} to "
            f"{ended_at:%Y-%m-%d %H:%M}: {min_c} to {max_c} °C, {problem}."
        )
        affected.append(quarantine_lot(lot=lot, reason=reason, actor=actor))
    excursion.quarantined_lots.set(affected)
    log_action(
        "inventory.excursion.recorded",
        actor=actor,
        obj=excursion,
        data={"quarantined": [lot.lot_number for lot in affected]},
    )
    return excursion
