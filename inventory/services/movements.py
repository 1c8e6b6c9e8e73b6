"""Returns, waste, adjustments and transfers: stock changes outside a reservation."""

from __future__ import annotations

import uuid

from django.db import transaction
from django.db.models import Sum

from accounts.audit import log_action
from accounts.models import User
from inventory.exceptions import InsufficientStockError, ReasonRequiredError
from inventory.locking import lot_for_update
from inventory.models import Location, Lot, StockMovement
from inventory.selectors import lot_balance
from inventory.services.ledger import record_movement
from inventory.services.visit_rules import check_location, visit_for_return
from patients.models import Patient


def _require_reason(reason: str, what: str) -> str:
    if not reason.strip():
        raise ReasonRequiredError(f"{what} needs a reason.")
    return reason.strip()


def _require_positive(quantity: int) -> None:
    if quantity <= 0:
        raise InsufficientStockError("The quantity must be at least 1 container.")


@transaction.atomic
def return_stock(
    *,
    lot: Lot,
    location: Location,
    quantity: int,
    actor: User,
    reason: str = "",
    reference: str = "",
    patient: Patient | None = None,
    visit_uuid: uuid.UUID | None = None,
) -> StockMovement:
    """Put unopened dispensed containers back on hand (never more than were dispensed).

    With ``patient`` and ``visit_uuid`` (those of the dispense), the recall trace counts
    the containers as returned, not given. So a return may not take back more than was
    dispensed to that patient at that visit (else it would hide another dose from the
    trace), and for a visit the patient is the visit's: taken from it when None, refused
    when another.
    """
    _require_positive(quantity)
    check_location(location)
    if visit_uuid is not None:
        patient = visit_for_return(visit_uuid=visit_uuid, patient=patient)
    lot = lot_for_update(lot)
    outstanding = _dispensed_not_returned(lot)
    if patient is not None:
        outstanding = min(outstanding, _dispensed_not_returned(lot, to=(patient, visit_uuid)))
    if quantity > outstanding:
        whom = " to this patient at this visit" if patient is not None else ""
        raise InsufficientStockError(
            f"Only {outstanding} containers of lot {lot.lot_number} are dispensed{whom} "
            "and not returned."
        )
    return record_movement(
        kind=StockMovement.Kind.RETURN,
        lot=lot,
        location=location,
        quantity=quantity,
        on_hand_delta=quantity,
        actor=actor,
        reason=reason,
        reference=reference,
        patient=patient,
        visit_uuid=visit_uuid,
    )


def _dispensed_not_returned(lot: Lot, *, to: tuple[Patient, uuid.UUID | None] | None = None) -> int:
    """Containers of ``lot`` dispensed and not yet returned: in all, or to one (patient,
    visit) pair, the pair by which the recall trace nets returns against dispenses."""
    rows = StockMovement.objects.filter(
        lot=lot, kind__in=[StockMovement.Kind.DISPENSE, StockMovement.Kind.RETURN]
    )
    if to is not None:
        rows = rows.filter(patient=to[0], visit_uuid=to[1])
    totals = rows.values("kind").annotate(n=Sum("quantity")).order_by()
    by_kind = {row["kind"]: row["n"] for row in totals}
    dispensed: int = by_kind.get(StockMovement.Kind.DISPENSE, 0)
    returned: int = by_kind.get(StockMovement.Kind.RETURN, 0)
    return dispensed - returned


def _take_unreserved(lot: Lot, location: Location, quantity: int) -> None:
    balance = lot_balance(lot=lot, location=location)
    if quantity > balance.unreserved:
        raise InsufficientStockError(
            f"Only {balance.unreserved} unreserved containers of lot {lot.lot_number} "
            f"are at {location}."
        )


@transaction.atomic
def waste_stock(
    *, lot: Lot, location: Location, quantity: int, reason: str, actor: User
) -> StockMovement:
    """Take containers out of stock as waste (broken, excursion, expired, recalled)."""
    reason = _require_reason(reason, "Wasting stock")
    _require_positive(quantity)
    lot = lot_for_update(lot)
    _take_unreserved(lot, location, quantity)
    movement = record_movement(
        kind=StockMovement.Kind.WASTE,
        lot=lot,
        location=location,
        quantity=quantity,
        on_hand_delta=-quantity,
        actor=actor,
        reason=reason,
    )
    log_action("inventory.lot.wasted", actor=actor, obj=lot, data={"quantity": quantity})
    return movement


@transaction.atomic
def adjust_stock(
    *, lot: Lot, location: Location, delta: int, reason: str, actor: User
) -> StockMovement:
    """Correct the count after a stock take; on hand never drops below what is reserved."""
    reason = _require_reason(reason, "An adjustment")
    if delta == 0:
        raise InsufficientStockError("An adjustment must change the count.")
    lot = lot_for_update(lot)
    if delta < 0:
        _take_unreserved(lot, location, -delta)
    movement = record_movement(
        kind=StockMovement.Kind.ADJUST,
        lot=lot,
        location=location,
        quantity=abs(delta),
        on_hand_delta=delta,
        actor=actor,
        reason=reason,
    )
    log_action("inventory.lot.adjusted", actor=actor, obj=lot, data={"delta": delta})
    return movement


@transaction.atomic
def transfer_stock(
    *,
    lot: Lot,
    from_location: Location,
    to_location: Location,
    quantity: int,
    actor: User,
    reason: str = "",
) -> tuple[StockMovement, StockMovement]:
    """Move unreserved containers between locations (two rows: out, then in)."""
    _require_positive(quantity)
    if from_location.pk == to_location.pk:
        raise InsufficientStockError("A transfer needs two different locations.")
    lot = lot_for_update(lot)
    _take_unreserved(lot, from_location, quantity)
    out = record_movement(
        kind=StockMovement.Kind.TRANSFER,
        lot=lot,
        quantity=quantity,
        actor=actor,
        location=from_location,
        on_hand_delta=-quantity,
        reason=reason,
        reference=f"to {to_location.name}",
    )
    into = record_movement(
        kind=StockMovement.Kind.TRANSFER,
        lot=lot,
        quantity=quantity,
        actor=actor,
        location=to_location,
        on_hand_delta=quantity,
        reason=reason,
        reference=f"from {from_location.name}",
    )
    return out, into
