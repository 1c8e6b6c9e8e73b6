"""Receiving a shipment from a supplier into a location."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.audit import log_action
from accounts.models import User
from inventory.exceptions import (
    GTINMismatchError,
    InsufficientStockError,
    LotExpiryMismatchError,
    SupplierNotAuthorizedError,
)
from inventory.gs1 import parse_gs1
from inventory.locking import lots_for_update, packages_for_update
from inventory.lot_numbers import clean_lot_number, lot_key
from inventory.models import Location, Lot, Package, Receipt, ReceiptLine, StockMovement, Supplier
from inventory.services.ledger import record_movement
from inventory.services.receipt_checks import (
    ReceiptLineInput,
    ReceiptProblem,
    blocked_lot_problem,
    receipt_problems,
)

__all__ = [
    "ReceiptLineInput",
    "ReceiptProblem",
    "line_from_scan",
    "receipt_problems",
    "receive_shipment",
]


def line_from_scan(
    *,
    package: Package,
    scan: str,
    quantity: int,
    expiry_override_reason: str = "",
    distinct_from_lot: str = "",
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
        distinct_from_lot=distinct_from_lot,
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
    2. Lock the lines' packages (by pk, before any lot: inventory.locking), so two receipts
       of one package cannot both create a lot the other would have refused as a look-alike.
    3. Refuse the receipt on the first of ``receipt_problems`` (dates, lot numbers, lots on
       file that are recalled, quarantined, expired, of another expiry or look-alikes).
    4. Find each lot by its lot_key, or create it with the number as received.
    5. Lock the lots (by pk) and check again that none became blocked meanwhile (a recall
       locks only the lot); write the receipt, its lines and one ``receive`` ledger row each.
    """
    today = timezone.localdate()
    problem = supplier.authorization_problem(today)
    if problem:
        raise SupplierNotAuthorizedError(problem)
    if not lines:
        raise InsufficientStockError("A receipt needs at least one line.")
    packages_for_update(line.package.pk for line in lines)
    problems = receipt_problems(received_on=received_on, lines=lines, today=today)
    if problems:
        raise problems[0].error

    receipt = Receipt(
        supplier=supplier,
        location=location,
        received_on=received_on,
        transaction_reference=transaction_reference,
        received_by=actor,
    )
    receipt.full_clean()
    receipt.save()

    numbers = [clean_lot_number(line.lot_number) for line in lines]
    lot_ids = [_lot_for_line(line, number).pk for line, number in zip(lines, numbers, strict=True)]
    locked = lots_for_update(lot_ids)
    for line, number, lot_id in zip(lines, numbers, lot_ids, strict=True):
        lot = locked[lot_id]
        blocked = blocked_lot_problem(lot, typed=number, today=today)
        if blocked is not None:
            raise blocked
        receipt_line = ReceiptLine(
            receipt=receipt,
            lot=lot,
            quantity=line.quantity,
            lot_number_as_received=number,
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
        if line.distinct_from_lot.strip():
            # A person compared the carton with a look-alike lot on file: who, and which.
            log_action(
                "inventory.receipt.lookalike_confirmed",
                actor=actor,
                obj=lot,
                data={"lot": lot.lot_number, "distinct_from": line.distinct_from_lot.strip()},
            )
    log_action(
        "inventory.receipt.received",
        actor=actor,
        obj=receipt,
        data={"lines": len(lines), "supplier": supplier.name},
    )
    return receipt


def _lot_for_line(line: ReceiptLineInput, number: str) -> Lot:
    """The lot of ``number`` by its key; a new one keeps the number as received."""
    key = lot_key(number)
    try:
        # A savepoint, so a concurrent insert of the same lot does not abort the receipt.
        with transaction.atomic():
            lot, _ = Lot.objects.get_or_create(
                package=line.package,
                lot_key=key,
                defaults={"lot_number": number, "expires_on": line.expires_on},
            )
    except IntegrityError:
        lot = Lot.objects.get(package=line.package, lot_key=key)
    if lot.expires_on != line.expires_on:
        # receipt_problems refused this under the package lock; kept for any path that
        # creates lots without it.
        raise LotExpiryMismatchError(
            f"Lot {number} of {line.package} is on file with expiry {lot.expires_on}, "
            f"not {line.expires_on}: check the carton."
        )
    return lot
