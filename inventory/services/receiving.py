"""Receiving a shipment from a supplier into a location."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.audit import log_action
from accounts.models import User
from inventory.exceptions import (
    GTINMismatchError,
    InsufficientStockError,
    LotExpiredError,
    LotExpiryMismatchError,
    LotNotAvailableError,
    ShortDatedLotError,
    SupplierNotAuthorizedError,
)
from inventory.gs1 import parse_gs1
from inventory.locking import lots_for_update
from inventory.models import Location, Lot, Package, Receipt, ReceiptLine, StockMovement, Supplier
from inventory.services.ledger import record_movement


@dataclass(frozen=True)
class ReceiptLineInput:
    package: Package
    lot_number: str
    expires_on: datetime.date
    quantity: int
    serial_number: str = ""
    expiry_override_reason: str = ""


def line_from_scan(
    *, package: Package, scan: str, quantity: int, expiry_override_reason: str = ""
) -> ReceiptLineInput:
    """A receipt line filled from a GS1 DataMatrix scan; the GTIN must be the package's."""
    data = parse_gs1(scan)
    if not package.ndc:
        raise GTINMismatchError(
            f"{package} has no NDC on file, so the scanned GTIN {data.gtin} cannot be checked."
        )
    if data.gtin not in package.gtin_candidates:
        raise GTINMismatchError(
            f"The scanned GTIN {data.gtin} is not {package} (NDC {package.ndc})."
        )
    return ReceiptLineInput(
        package=package,
        lot_number=data.lot_number,
        expires_on=data.expires_on,
        quantity=quantity,
        serial_number=data.serial_number,
        expiry_override_reason=expiry_override_reason,
    )


def check_line_expiry(line: ReceiptLineInput, *, today: datetime.date) -> None:
    """Refuse expired lots; short-dated ones need an override reason."""
    if line.expires_on < today:
        raise LotExpiredError(
            f"Lot {line.lot_number} of {line.package} expired on {line.expires_on}: "
            "expired stock cannot be received."
        )
    window = datetime.timedelta(days=settings.INVENTORY_SHORT_DATED_WINDOW_DAYS)
    if line.expires_on <= today + window and not line.expiry_override_reason.strip():
        raise ShortDatedLotError(
            f"Lot {line.lot_number} of {line.package} expires on {line.expires_on}, within "
            f"{settings.INVENTORY_SHORT_DATED_WINDOW_DAYS} days: give a reason to accept it."
        )


@transaction.atomic
def receive_shipment(
    *,
    supplier: Supplier,
    location: Location,
    received_on: datetime.date,
    transaction_reference: str,
    lines: Sequence[ReceiptLineInput],
    actor: User,
) -> Receipt:
    """Record a shipment and put its lots on hand at ``location``.

    1. Refuse a supplier that is not authorized or whose verification has lapsed (DSCSA).
    2. Refuse expired lots; short-dated lots need an override reason.
    3. Find or create each lot; a known lot number with another expiry is refused, and so is
       more stock of a recalled lot.
    4. Write the receipt, its lines and one ``receive`` ledger row per line, lots locked.
    """
    today = timezone.localdate()
    problem = supplier.authorization_problem(today)
    if problem:
        raise SupplierNotAuthorizedError(problem)
    if not lines:
        raise InsufficientStockError("A receipt needs at least one line.")
    for line in lines:
        if line.quantity <= 0:
            raise InsufficientStockError(f"Lot {line.lot_number}: the quantity must be above 0.")
        check_line_expiry(line, today=today)

    receipt = Receipt(
        supplier=supplier,
        location=location,
        received_on=received_on,
        transaction_reference=transaction_reference,
        received_by=actor,
    )
    receipt.full_clean()
    receipt.save()

    lot_ids = [_lot_for_line(line).pk for line in lines]
    locked = lots_for_update(lot_ids)
    for line, lot_id in zip(lines, lot_ids, strict=True):
        lot = locked[lot_id]
        if lot.status == Lot.Status.RECALLED:
            raise LotNotAvailableError(f"Lot {lot.lot_number} of {lot.package} is recalled.")
        receipt_line = ReceiptLine(
            receipt=receipt,
            lot=lot,
            quantity=line.quantity,
            serial_number=line.serial_number,
            expiry_override_reason=line.expiry_override_reason.strip(),
        )
        receipt_line.full_clean()
        receipt_line.save()
        record_movement(
            kind=StockMovement.Kind.RECEIVE,
            lot=lot,
            location=location,
            quantity=line.quantity,
            on_hand_delta=line.quantity,
            actor=actor,
            reason=receipt_line.expiry_override_reason,
            reference=transaction_reference,
            receipt_line=receipt_line,
        )
    log_action(
        "inventory.receipt.received",
        actor=actor,
        obj=receipt,
        data={"lines": len(lines), "supplier": supplier.name},
    )
    return receipt


def _lot_for_line(line: ReceiptLineInput) -> Lot:
    lot_number = line.lot_number.strip()
    try:
        # A savepoint, so a concurrent insert of the same lot does not abort the receipt.
        with transaction.atomic():
            lot, _ = Lot.objects.get_or_create(
                package=line.package,
                lot_number=lot_number,
                defaults={"expires_on": line.expires_on},
            )
    except IntegrityError:
        lot = Lot.objects.get(package=line.package, lot_number=lot_number)
    if lot.expires_on != line.expires_on:
        raise LotExpiryMismatchError(
            f"Lot {lot_number} of {line.package} is on file with expiry {lot.expires_on}, "
            f"not {line.expires_on}: check the carton."
        )
    return lot
