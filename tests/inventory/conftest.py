from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest

from accounts.models import User
from inventory.models import Location, Lot, Package, Supplier
from inventory.services import ReceiptLineInput, receive_shipment
from tests.inventory.factories import (
    LocationFactory,
    PackageFactory,
    SupplierFactory,
    today,
)

Receive = Callable[..., Lot]


@pytest.fixture
def supplier(db) -> Supplier:
    return SupplierFactory.create()


@pytest.fixture
def warehouse(db) -> Location:
    return LocationFactory.create(name="Main warehouse")


@pytest.fixture
def package(db) -> Package:
    return PackageFactory.create()


@pytest.fixture
def receive(inventory_admin: User, supplier: Supplier, warehouse: Location) -> Receive:
    """Put ``quantity`` containers of a new lot on hand, expiring in ``days`` days."""

    def do(
        package: Package,
        *,
        quantity: int,
        days: int = 400,
        lot_number: str | None = None,
        location: Location | None = None,
    ) -> Lot:
        number = lot_number or f"L{package.pk}-{days}-{quantity}"
        receipt = receive_shipment(
            supplier=supplier,
            location=location or warehouse,
            received_on=today(),
            transaction_reference=f"INV-{number}",
            lines=[
                ReceiptLineInput(
                    package=package,
                    lot_number=number,
                    expires_on=today() + datetime.timedelta(days=days),
                    quantity=quantity,
                    expiry_override_reason="Test stock" if days <= 120 else "",
                )
            ],
            actor=inventory_admin,
        )
        return receipt.lines.get().lot

    return do
