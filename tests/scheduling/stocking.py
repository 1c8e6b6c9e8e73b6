"""Stock for the tests that confirm visits (confirming reserves the vial plan FEFO)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from inventory.models import Location, Lot, Package, Product
from inventory.services import ReceiptLineInput, receive_shipment
from tests.inventory.factories import LocationFactory, PackageFactory, SupplierFactory, today


def stock_privigen(actor, *, quantity: int = 40) -> list[Lot]:
    """A warehouse with ``quantity`` containers of every Privigen size, one lot each."""
    warehouse = Location.objects.filter(kind=Location.Kind.WAREHOUSE, is_active=True).first()
    warehouse = warehouse or LocationFactory.create(name="Main warehouse")
    product = Product.objects.get(slug="privigen")
    packages = list(Package.objects.filter(product=product, is_active=True))
    if not packages:
        packages = [
            PackageFactory.create(
                product=product, grams_per_container=Decimal(grams), volume_ml=Decimal(grams) * 10
            )
            for grams in ("5", "10", "20", "40")
        ]
    supplier = SupplierFactory.create()
    lots = []
    for package in packages:
        receipt = receive_shipment(
            supplier=supplier,
            location=warehouse,
            received_on=today(),
            transaction_reference=f"INV-T{package.pk}",
            lines=[
                ReceiptLineInput(
                    package=package,
                    lot_number=f"PV{package.pk:04d}",
                    expires_on=today() + dt.timedelta(days=400),
                    quantity=quantity,
                )
            ],
            actor=actor,
        )
        lots.append(receipt.lines.get().lot)
    return lots
