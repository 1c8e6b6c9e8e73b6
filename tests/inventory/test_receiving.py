from __future__ import annotations

import datetime

import pytest

from accounts.models import AuditLogEntry, User
from inventory.exceptions import (
    GTINMismatchError,
    LotExpiredError,
    LotExpiryMismatchError,
    ShortDatedLotError,
    SupplierNotAuthorizedError,
)
from inventory.models import Location, Package, StockMovement, Supplier
from inventory.selectors import lot_balance
from inventory.services import ReceiptLineInput, line_from_scan, receive_shipment
from tests.inventory.factories import SupplierFactory, today

pytestmark = pytest.mark.django_db


def line(
    package: Package, *, days: int = 400, reason: str = "", lot: str = "A100"
) -> ReceiptLineInput:
    return ReceiptLineInput(
        package=package,
        lot_number=lot,
        expires_on=today() + datetime.timedelta(days=days),
        quantity=12,
        expiry_override_reason=reason,
    )


def receive(supplier: Supplier, location: Location, actor: User, *lines: ReceiptLineInput):
    return receive_shipment(
        supplier=supplier,
        location=location,
        received_on=today(),
        transaction_reference="INV-1",
        lines=list(lines),
        actor=actor,
    )


def test_it_puts_received_containers_on_hand_and_logs_the_receipt(
    supplier, warehouse, package, inventory_admin
) -> None:
    receipt = receive(supplier, warehouse, inventory_admin, line(package))

    lot = receipt.lines.get().lot
    assert lot_balance(lot=lot, location=warehouse).on_hand == 12
    assert StockMovement.objects.get(lot=lot).actor == inventory_admin
    assert AuditLogEntry.objects.filter(action="inventory.receipt.received").exists()


def test_it_refuses_a_supplier_that_is_not_an_authorized_trading_partner(
    warehouse, package, inventory_admin
) -> None:
    supplier = SupplierFactory.create(is_authorized=False, name="Grey Market Meds")

    with pytest.raises(SupplierNotAuthorizedError, match="Grey Market Meds is not an authorized"):
        receive(supplier, warehouse, inventory_admin, line(package))

    assert not StockMovement.objects.exists()


def test_it_refuses_a_supplier_whose_verification_has_expired(
    warehouse, package, inventory_admin
) -> None:
    supplier = SupplierFactory.create(
        verified_on=today() - datetime.timedelta(days=400),
        verification_expires_on=today() - datetime.timedelta(days=1),
    )

    with pytest.raises(SupplierNotAuthorizedError, match="verification expired"):
        receive(supplier, warehouse, inventory_admin, line(package))


def test_it_refuses_an_expired_lot(supplier, warehouse, package, inventory_admin) -> None:
    with pytest.raises(LotExpiredError, match="expired on"):
        receive(supplier, warehouse, inventory_admin, line(package, days=-1, reason="please"))

    assert not StockMovement.objects.exists()


def test_a_short_dated_lot_needs_an_override_reason(
    supplier, warehouse, package, inventory_admin, settings
) -> None:
    settings.INVENTORY_SHORT_DATED_WINDOW_DAYS = 60

    with pytest.raises(ShortDatedLotError, match="within 60 days"):
        receive(supplier, warehouse, inventory_admin, line(package, days=60))

    receipt = receive(
        supplier, warehouse, inventory_admin, line(package, days=60, reason="Urgent CIDP need")
    )
    assert receipt.lines.get().expiry_override_reason == "Urgent CIDP need"


def test_a_lot_outside_the_window_needs_no_reason(
    supplier, warehouse, package, inventory_admin, settings
) -> None:
    settings.INVENTORY_SHORT_DATED_WINDOW_DAYS = 60

    receipt = receive(supplier, warehouse, inventory_admin, line(package, days=61))

    assert receipt.lines.count() == 1


def test_a_known_lot_number_with_another_expiry_is_refused(
    supplier, warehouse, package, inventory_admin
) -> None:
    receive(supplier, warehouse, inventory_admin, line(package, days=400))

    with pytest.raises(LotExpiryMismatchError, match="check the carton"):
        receive(supplier, warehouse, inventory_admin, line(package, days=401))


def test_a_line_can_be_filled_from_a_scan_whose_gtin_matches_the_ndc(package) -> None:
    expiry = today() + datetime.timedelta(days=500)
    assert package.gtin is not None
    scan = f"]d201{package.gtin}17{expiry:%y%m%d}10LOT-77\x1d21SN123"

    filled = line_from_scan(package=package, scan=scan, quantity=4)

    assert (filled.lot_number, filled.expires_on, filled.serial_number) == (
        "LOT-77",
        expiry,
        "SN123",
    )


def test_a_scan_of_another_product_is_refused(package) -> None:
    other_gtin = "00312345678906"
    assert other_gtin not in package.gtin_candidates

    with pytest.raises(GTINMismatchError, match=f"not {package}"):
        line_from_scan(package=package, scan=f"(01){other_gtin}(17)300101(10)X1", quantity=1)
