"""The stock dashboard in a phone-sized browser: accessible, no overflow, the chart drawn."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from accounts.roles import Role
from inventory.models import ParLevel
from inventory.services import (
    ReceiptLineInput,
    dispense_reservation,
    receive_shipment,
    reserve_stock,
)
from tests.accounts.factories import PASSWORD, UserFactory
from tests.e2e import login
from tests.inventory.factories import LocationFactory, PackageFactory, SupplierFactory, today
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db(transaction=True)


def stock_two_products() -> Any:
    admin = UserFactory.create(roles=[Role.INVENTORY_ADMIN])
    warehouse = LocationFactory.create(name="Main warehouse")
    packages = [
        PackageFactory.create(product__brand="Testaglobulin with a rather long brand name"),
        PackageFactory.create(),
    ]
    for index, package in enumerate(packages):
        receive_shipment(
            supplier=SupplierFactory.create(),
            location=warehouse,
            received_on=today(),
            transaction_reference=f"INV-{index}",
            lines=[
                ReceiptLineInput(
                    package=package,
                    lot_number=f"E2E{index}",
                    expires_on=today() + datetime.timedelta(days=60 + 300 * index),
                    quantity=10 + 200 * index,
                    expiry_override_reason="Test stock",
                )
            ],
            actor=admin,
        )
        (reservation,) = reserve_stock(
            product=package.product,
            containers={package: 8},
            needed_on=today(),
            location=warehouse,
            actor=admin,
            patient=PatientFactory.create(),  # a dispense books stock to a patient
        )
        dispense_reservation(reservation=reservation, actor=admin)
        ParLevel.objects.create(product=package.product, location=warehouse, minimum_containers=5)
    return packages


def test_the_dashboard_is_accessible_on_a_phone(page: Any, live_server: Any) -> None:
    # given stock, use and a product below par, and a pharmacist
    stock_two_products()
    pharmacist = UserFactory.create(roles=[Role.PHARMACIST])
    base = live_server.url.replace("localhost", "127.0.0.1")

    # when she signs in and opens the dashboard
    login.sign_in(page, base, pharmacist.email, PASSWORD)  # password, then a TOTP code
    page.goto(f"{base}/staff/inventory/")
    page.wait_for_load_state("networkidle")

    # then every section is there, the chart is drawn, and the page passes axe at 390 px
    for name in ("Below par", "Weeks of cover per product", "Quarantined and recalled lots"):
        assert page.get_by_role("heading", name=name).is_visible()
    chart = page.get_by_role("img", name="Weeks of cover per product")
    assert chart.is_visible()
    assert chart.bounding_box()["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.watch.assert_clean()
    page.watch.assert_accessible()
