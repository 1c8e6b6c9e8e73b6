"""Quarantine and release from quarantine (a written reason each time)."""

from __future__ import annotations

from django.db import transaction

from accounts.audit import log_action
from accounts.models import User
from inventory.exceptions import ReasonRequiredError
from inventory.locking import lot_for_update
from inventory.models import Lot, LotStatus, MovementKind, StockMovement
from inventory.services.ledger import record_movement


def _change_status(
    lot: Lot, *, to: LotStatus, kind: MovementKind, reason: str, actor: User | None
) -> Lot:
    if not reason.strip():
        raise ReasonRequiredError(f"{kind.label} of lot {lot.lot_number} needs a reason.")
    lot = lot_for_update(lot)
    lot.set_status(to, reason=reason.strip())
    lot.save(update_fields=["status", "status_reason", "updated_at"])
    record_movement(
        kind=kind, lot=lot, location=None, quantity=0, actor=actor, reason=reason.strip()
    )
    log_action(f"inventory.lot.{kind.value}", actor=actor, obj=lot, data={"reason": reason.strip()})
    return lot


@transaction.atomic
def quarantine_lot(*, lot: Lot, reason: str, actor: User | None) -> Lot:
    """Block a lot: it stays on hand but cannot be reserved or dispensed."""
    return _change_status(
        lot,
        to=Lot.Status.QUARANTINED,
        kind=StockMovement.Kind.QUARANTINE,
        reason=reason,
        actor=actor,
    )


@transaction.atomic
def release_lot_from_quarantine(*, lot: Lot, reason: str, actor: User) -> Lot:
    """Make a quarantined lot available again; the reason is the evidence it is usable."""
    return _change_status(
        lot,
        to=Lot.Status.AVAILABLE,
        kind=StockMovement.Kind.RELEASE_FROM_QUARANTINE,
        reason=reason,
        actor=actor,
    )
