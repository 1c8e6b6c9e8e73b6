from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest

from accounts.models import User
from inventory.models import Location, Lot, Package, Product, Supplier
from inventory.services import ReceiptLineInput, receive_shipment
from patients.models import Patient
from scheduling.models import Visit
from tests.inventory.factories import (
    LocationFactory,
    PackageFactory,
    SupplierFactory,
    today,
)
from tests.patients.factories import PatientFactory
from tests.scheduling.factories import NurseProfileFactory, VisitFactory, at

Receive = Callable[..., Lot]
MakeVisit = Callable[..., Visit]


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


@pytest.fixture
def visit_for(db) -> MakeVisit:
    """A real visit of a verified plan of ``product`` (issue 13 item 2: stock for a visit is
    checked against the visit, so a made-up visit uuid is refused), ``days`` from today.

    ``status`` other than proposed or cancelled gets a nurse, as the model requires.
    """

    def make(
        product: Product,
        *,
        patient: Patient | None = None,
        days: int = 5,
        status: str = Visit.Status.PROPOSED,
    ) -> Visit:
        needs_nurse = status not in (Visit.Status.PROPOSED, Visit.Status.CANCELLED)
        return VisitFactory.create(
            plan__product=product,
            plan__patient=patient or PatientFactory.create(),
            starts_at=at(today() + datetime.timedelta(days=days), 9),
            status=status,
            nurse=NurseProfileFactory.create() if needs_nurse else None,
        )

    return make
