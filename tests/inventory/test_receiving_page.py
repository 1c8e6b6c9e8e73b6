from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse

from inventory.models import Lot, Package, Receipt, StockMovement
from tests.inventory.factories import PackageFactory, SupplierFactory, today

pytestmark = pytest.mark.django_db
URL = "/staff/inventory/receipts/new/"


def form_data(supplier, location, *lines: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "supplier": supplier.pk,
        "location": location.pk,
        "received_on": today().isoformat(),
        "transaction_reference": "INV-WEB-1",
        "lines-TOTAL_FORMS": str(max(len(lines), 1)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "50",
    }
    for index, line in enumerate(lines):
        for name, value in line.items():
            data[f"lines-{index}-{name}"] = value
    return data


def typed(package: Package, lot: str = "WEB1", days: int = 400, **extra: Any) -> dict[str, Any]:
    expiry = today() + datetime.timedelta(days=days)
    return {
        "package": package.pk,
        "lot_number": lot,
        "expires_on": expiry.isoformat(),
        "quantity": "5",
    } | extra


def test_the_url_is_stable() -> None:
    assert reverse("inventory:receipt-create") == URL


def test_an_inventory_admin_sees_the_form_with_labelled_line_fields(
    client_for, inventory_admin, package
) -> None:
    response = client_for(inventory_admin).get(URL)

    assert response.status_code == 200
    assert "inventory/receipt_form.html" in [t.name for t in response.templates]
    page = response.content.decode()
    assert '<label for="id_lines-0-scan">Scan</label>' in page
    assert '<label for="id_supplier">Supplier</label>' in page


@pytest.mark.parametrize("persona", ["pharmacist", "nurse", "coordinator", "patient"])
def test_other_roles_are_refused(request: pytest.FixtureRequest, client_for, persona) -> None:
    client = client_for(request.getfixturevalue(persona))

    assert client.get(URL).status_code == 403
    assert client.post(URL, {}).status_code == 403


def test_it_refuses_other_methods(client_for, inventory_admin) -> None:
    assert client_for(inventory_admin).put(URL).status_code == 405


def test_it_receives_typed_and_scanned_lines(
    client_for, inventory_admin, supplier, warehouse, package
) -> None:
    # given a second package scanned from its carton
    scanned = PackageFactory.create()
    expiry = today() + datetime.timedelta(days=500)
    scan = f"]d201{scanned.gtin}17{expiry:%y%m%d}10SCAN1\x1d21SER9"
    data = form_data(
        supplier,
        warehouse,
        typed(package),
        {"package": scanned.pk, "scan": scan, "quantity": "2"},
        {},  # a blank extra row is skipped
    )
    data["lines-TOTAL_FORMS"] = "3"

    # when
    response = client_for(inventory_admin).post(URL, data)

    # then
    assert response.status_code == 302
    assert response["Location"] == "/staff/inventory/"
    receipt = Receipt.objects.get()
    assert receipt.received_by == inventory_admin
    lines = {line.lot.lot_number: line for line in receipt.lines.select_related("lot")}
    assert set(lines) == {"WEB1", "SCAN1"}
    assert lines["SCAN1"].serial_number == "SER9"
    assert lines["SCAN1"].lot.expires_on == expiry
    assert StockMovement.objects.filter(kind="receive").count() == 2


def test_errors_are_named_per_line_and_nothing_is_saved(
    client_for, inventory_admin, supplier, warehouse, package
) -> None:
    data = form_data(
        supplier,
        warehouse,
        typed(package, lot="GOOD1"),
        typed(package, lot="OLD1", days=-3),
        {"package": package.pk, "scan": "(01)00312345678906(17)300101(10)X1", "quantity": "1"},
        {"package": package.pk, "quantity": "1"},
    )
    data["lines-TOTAL_FORMS"] = "4"

    response = client_for(inventory_admin).post(URL, data)

    assert response.status_code == 200
    lines = response.context["lines"]
    assert lines.forms[0].errors == {}
    assert "expired on" in lines.forms[1].errors["expires_on"][0]
    assert "is not" in lines.forms[2].errors["scan"][0]
    assert "Give the lot number" in lines.forms[3].errors["lot_number"][0]
    assert 'id="id_lines-1-expires_on_error"' in response.content.decode()
    assert not Receipt.objects.exists()
    assert not Lot.objects.exists()


def test_a_short_dated_line_needs_a_reason(
    client_for, inventory_admin, supplier, warehouse, package, settings
) -> None:
    settings.INVENTORY_SHORT_DATED_WINDOW_DAYS = 60
    client = client_for(inventory_admin)

    refused = client.post(URL, form_data(supplier, warehouse, typed(package, days=30)))
    accepted = client.post(
        URL,
        form_data(
            supplier,
            warehouse,
            typed(package, days=30, expiry_override_reason="Needed for a GBS patient"),
        ),
    )

    # on the field that fixes it, as in the CSV import
    assert "give a reason" in refused.context["lines"].forms[0].errors["expiry_override_reason"][0]
    assert accepted.status_code == 302
    assert Receipt.objects.get().lines.get().expiry_override_reason == "Needed for a GBS patient"


def test_an_unauthorized_supplier_is_named_on_the_supplier_field(
    client_for, inventory_admin, warehouse, package
) -> None:
    grey = SupplierFactory.create(is_authorized=False, name="Grey Market Meds")

    response = client_for(inventory_admin).post(URL, form_data(grey, warehouse, typed(package)))

    assert response.status_code == 200
    assert "not an authorized" in response.context["form"].errors["supplier"][0]
    assert not Receipt.objects.exists()


def test_a_lot_on_file_with_another_expiry_saves_nothing(
    client_for, inventory_admin, supplier, warehouse, package
) -> None:
    # given a lot already on file, sent again with another expiry on the second line
    client = client_for(inventory_admin)
    client.post(URL, form_data(supplier, warehouse, typed(package, lot="DUP1")))
    data = form_data(
        supplier,
        warehouse,
        typed(package, lot="NEW1"),
        typed(package, lot="DUP1", days=410),
    )
    data["lines-TOTAL_FORMS"] = "2"

    response = client.post(URL, data)

    assert "check the carton" in response.content.decode()
    assert Receipt.objects.count() == 1
    assert not Lot.objects.filter(lot_number="NEW1").exists()


def test_a_receipt_needs_at_least_one_line(
    client_for, inventory_admin, supplier, warehouse
) -> None:
    response = client_for(inventory_admin).post(URL, form_data(supplier, warehouse, {}))

    assert response.status_code == 200
    assert response.context["lines"].non_form_errors()
    assert not Receipt.objects.exists()
