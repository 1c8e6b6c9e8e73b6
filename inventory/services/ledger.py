"""Writing one ledger row. Only the services of this package call it, holding the lot's lock."""

from __future__ import annotations

import uuid

from accounts.models import User
from inventory.models import Location, Lot, MovementKind, ReceiptLine, Reservation, StockMovement
from patients.models import Patient


def record_movement(
    *,
    kind: MovementKind,
    lot: Lot,
    location: Location | None,
    quantity: int,
    actor: User | None,
    on_hand_delta: int = 0,
    reserved_delta: int = 0,
    reason: str = "",
    reference: str = "",
    receipt_line: ReceiptLine | None = None,
    reservation: Reservation | None = None,
    patient: Patient | None = None,
    visit_uuid: uuid.UUID | None = None,
) -> StockMovement:
    """Append one validated row. Precondition: the caller holds ``lot``'s row lock."""
    movement = StockMovement(
        kind=kind,
        lot=lot,
        location=location,
        quantity=quantity,
        on_hand_delta=on_hand_delta,
        reserved_delta=reserved_delta,
        actor=actor,
        reason=reason,
        reference=reference,
        receipt_line=receipt_line,
        reservation=reservation,
        patient=patient,
        visit_uuid=visit_uuid,
    )
    movement.full_clean()
    movement.save()
    return movement
