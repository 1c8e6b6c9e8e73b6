from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from inventory.models import Location, Lot, Package, Receipt, StockMovement, Supplier
from inventory.services import quarantine_lot, reserve_stock
from tests.inventory.conftest import Receive
from tests.inventory.factories import LocationFactory, PackageFactory, SupplierFactory, today

pytestmark = pytest.mark.django_db
BASE = "/api/v1/inventory"
LIST_URLS = ["products", "packages", "lots", "stock", "movements", "receipts"]


@pytest.fixture
def api_for(client_for) -> Callable[[User], Client]:
    return client_for


def receipt_body(
    supplier: Supplier, location: Location, for_package: Package, **line: Any
) -> dict[str, Any]:
    return {
        "supplier": str(supplier.uuid),
        "location": str(location.uuid),
        "received_on": today().isoformat(),
        "transaction_reference": "INV-API-1",
        "lines": [
            {
                "package": str(for_package.uuid),
                "lot_number": "API100",
                "expires_on": (today() + datetime.timedelta(days=400)).isoformat(),
                "quantity": 6,
            }
            | line
        ],
    }


def post_receipt(client: Client, body: dict[str, Any], key: str | None = None) -> Any:
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(f"{BASE}/receipts/", body, content_type="application/json", headers=headers)


# --- permissions -------------------------------------------------------------------------

READ_MATRIX = {
    # url: roles that may read it
    "products": {"inventory_admin", "pharmacist", "nurse"},
    "packages": {"inventory_admin", "pharmacist", "nurse"},
    "lots": {"inventory_admin", "pharmacist", "nurse"},
    "stock": {"inventory_admin", "pharmacist"},
    "movements": {"inventory_admin", "pharmacist"},
    "receipts": {"inventory_admin", "pharmacist"},
}


@pytest.mark.parametrize("url", LIST_URLS)
@pytest.mark.parametrize(
    "persona", ["inventory_admin", "pharmacist", "nurse", "coordinator", "patient"]
)
def test_each_role_reads_only_what_it_may(
    request: pytest.FixtureRequest, api_for, url: str, persona: str
) -> None:
    response = api_for(request.getfixturevalue(persona)).get(f"{BASE}/{url}/")

    assert response.status_code == (200 if persona in READ_MATRIX[url] else 403)


@pytest.mark.parametrize("url", LIST_URLS)
def test_anonymous_callers_are_refused(client: Client, url: str) -> None:
    assert client.get(f"{BASE}/{url}/").status_code == 403


def test_a_superuser_reads_the_ledger(api_for, superuser) -> None:
    assert api_for(superuser).get(f"{BASE}/movements/").status_code == 200


@pytest.mark.parametrize("persona", ["pharmacist", "nurse", "coordinator", "patient"])
def test_only_inventory_admins_post_receipts(
    request: pytest.FixtureRequest, api_for, persona: str, supplier, warehouse, package
) -> None:
    client = api_for(request.getfixturevalue(persona))

    response = post_receipt(client, receipt_body(supplier, warehouse, package))

    assert response.status_code == 403
    assert not Receipt.objects.exists()


def test_the_catalog_and_ledger_are_read_only(api_for, inventory_admin, package) -> None:
    client = api_for(inventory_admin)

    assert client.post(f"{BASE}/products/", {}).status_code == 403
    assert client.delete(f"{BASE}/packages/{package.uuid}/").status_code == 403
    assert client.post(f"{BASE}/movements/", {}).status_code == 403


# --- reads ------------------------------------------------------------------------------


def test_it_shows_a_package_by_uuid(api_for, nurse, package) -> None:
    body = api_for(nurse).get(f"{BASE}/packages/{package.uuid}/").json()

    assert body["uuid"] == str(package.uuid)
    assert body["product"] == str(package.product.uuid)
    assert body["ndc"] == package.ndc
    assert body["gtin"] == package.gtin


def test_an_unknown_uuid_is_404(api_for, nurse) -> None:
    assert (
        api_for(nurse).get(f"{BASE}/lots/00000000-0000-0000-0000-000000000000/").status_code == 404
    )


def test_lots_filter_by_product_status_and_location(
    api_for, pharmacist, inventory_admin, receive: Receive, package
) -> None:
    satellite = LocationFactory.create(name="Satellite")
    here = receive(package, quantity=3, lot_number="HERE1")
    there = receive(package, quantity=3, lot_number="THERE1", location=satellite)
    other = receive(PackageFactory.create(), quantity=2, lot_number="OTHER1")
    quarantine_lot(lot=there, reason="Fridge alarm", actor=inventory_admin)
    client = api_for(pharmacist)

    def numbers(query: str) -> set[str]:
        return {row["lot_number"] for row in client.get(f"{BASE}/lots/?{query}").json()["results"]}

    assert numbers(f"product={package.product.uuid}") == {"HERE1", "THERE1"}
    assert numbers("status=quarantined") == {"THERE1"}
    assert numbers(f"location={satellite.uuid}") == {"THERE1"}
    assert numbers(f"product={other.package.product.uuid}&status=available") == {"OTHER1"}
    assert here.lot_number in numbers("status=available")
    assert client.get(f"{BASE}/lots/?status=lost").status_code == 400


def test_the_stock_summary_gives_containers_and_grams(
    api_for, pharmacist, receive: Receive, package, warehouse
) -> None:
    receive(package, quantity=5, lot_number="S1")
    reserve_stock(
        product=package.product,
        containers={package: 2},
        needed_on=today() + datetime.timedelta(days=3),
        location=warehouse,
        actor=pharmacist,
    )

    rows = api_for(pharmacist).get(f"{BASE}/stock/?location={warehouse.uuid}").json()["results"]

    assert rows == [
        {
            "product": str(package.product.uuid),
            "brand": package.product.brand,
            "location": str(warehouse.uuid),
            "location_name": warehouse.name,
            "on_hand": 5,
            "on_hand_grams": "50.00",
            "available": 3,
            "available_grams": "30.00",
        }
    ]


def test_movements_list_the_ledger_newest_first(
    api_for, inventory_admin, receive: Receive, package
) -> None:
    lot = receive(package, quantity=4, lot_number="M1")
    quarantine_lot(lot=lot, reason="Excursion", actor=inventory_admin)

    rows = api_for(inventory_admin).get(f"{BASE}/movements/?lot={lot.uuid}").json()["results"]

    assert [(r["kind"], r["quantity"], r["reason"]) for r in rows] == [
        ("quarantine", 0, "Excursion"),
        ("receive", 4, ""),
    ]
    assert rows[1]["actor"] == inventory_admin.email


@pytest.mark.parametrize("url", LIST_URLS)
def test_list_query_counts_do_not_grow_with_rows(
    api_for, inventory_admin, receive: Receive, url: str
) -> None:
    client = api_for(inventory_admin)
    receive(PackageFactory.create(), quantity=3, days=300)
    client.get(f"{BASE}/{url}/")  # warm the session and role caches
    with CaptureQueriesContext(connection) as few:
        assert client.get(f"{BASE}/{url}/").status_code == 200

    for index in range(5):
        lot = receive(PackageFactory.create(), quantity=2 + index, days=310 + index)
        quarantine_lot(lot=lot, reason="Count check", actor=inventory_admin)
    with CaptureQueriesContext(connection) as many:
        client.get(f"{BASE}/{url}/")

    assert len(many) == len(few)


# --- receipts ---------------------------------------------------------------------------


def test_an_inventory_admin_receives_a_shipment(
    api_for, inventory_admin, supplier, warehouse, package
) -> None:
    response = post_receipt(api_for(inventory_admin), receipt_body(supplier, warehouse, package))

    assert response.status_code == 201
    receipt = Receipt.objects.get()
    assert response.json()["uuid"] == str(receipt.uuid)
    assert response.json()["lines"][0]["lot_number"] == "API100"
    movement = StockMovement.objects.get()
    assert (movement.kind, movement.on_hand_delta, movement.actor) == (
        "receive",
        6,
        inventory_admin,
    )


def test_a_line_can_be_a_gs1_scan(api_for, inventory_admin, supplier, warehouse, package) -> None:
    expiry = today() + datetime.timedelta(days=500)
    scan = f"(01){package.gtin}(17){expiry:%y%m%d}(10)SCAN9(21)SN1"
    body = receipt_body(supplier, warehouse, package, scan=scan, lot_number="", expires_on=None)

    response = post_receipt(api_for(inventory_admin), body)

    assert response.status_code == 201, response.json()
    lot = Lot.objects.get()
    assert (lot.lot_number, lot.expires_on) == ("SCAN9", expiry)


def test_the_same_idempotency_key_twice_creates_one_receipt(
    api_for, inventory_admin, supplier, warehouse, package
) -> None:
    client = api_for(inventory_admin)
    body = receipt_body(supplier, warehouse, package)

    first = post_receipt(client, body, key="delivery-42")
    second = post_receipt(client, body, key="delivery-42")

    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json() == first.json()
    assert Receipt.objects.count() == 1
    assert StockMovement.objects.count() == 1


def test_the_same_key_with_another_body_is_refused(
    api_for, inventory_admin, supplier, warehouse, package
) -> None:
    client = api_for(inventory_admin)
    post_receipt(client, receipt_body(supplier, warehouse, package), key="delivery-43")

    response = post_receipt(
        client, receipt_body(supplier, warehouse, package, quantity=7), key="delivery-43"
    )

    assert response.status_code == 422
    assert "already used with a different request body" in response.json()["detail"]
    assert Receipt.objects.count() == 1


def test_keys_are_per_user(
    api_for, inventory_admin, make_user, supplier, warehouse, package
) -> None:
    from accounts.roles import Role

    colleague = make_user(Role.INVENTORY_ADMIN)
    body = receipt_body(supplier, warehouse, package)

    post_receipt(api_for(inventory_admin), body, key="k1")
    response = post_receipt(api_for(colleague), body, key="k1")

    assert response.status_code == 201
    assert Receipt.objects.count() == 2


def test_a_failed_receipt_does_not_use_up_the_key(
    api_for, inventory_admin, supplier, warehouse, package
) -> None:
    client = api_for(inventory_admin)
    bad = receipt_body(supplier, warehouse, package, quantity=0)

    assert post_receipt(client, bad, key="k2").status_code == 400
    assert (
        post_receipt(client, receipt_body(supplier, warehouse, package), key="k2").status_code
        == 201
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"supplier": "00000000-0000-0000-0000-000000000000"}, "supplier"),
        ({"received_on": "yesterday"}, "received_on"),
        ({"transaction_reference": ""}, "transaction_reference"),
        ({"lines": []}, "lines"),
    ],
)
def test_bad_input_is_400_naming_the_field(
    api_for, inventory_admin, supplier, warehouse, package, change, field
) -> None:
    body = receipt_body(supplier, warehouse, package) | change

    response = post_receipt(api_for(inventory_admin), body)

    assert response.status_code == 400
    assert field in response.json()
    assert not Receipt.objects.exists()


@pytest.mark.parametrize(
    ("line", "field", "message"),
    [
        ({"quantity": 0}, "quantity", "greater than or equal to 1"),
        ({"lot_number": ""}, "lot_number", "Give the lot number"),
        ({"package": "00000000-0000-0000-0000-000000000000"}, "package", "does not exist"),
        ({"expires_on": "2001-01-01"}, "expires_on", "expired on 2001-01-01"),
        ({"scan": "(01)00312345678906(17)300101(10)X1"}, "scan", "is not"),
        ({"scan": "(99)nonsense"}, "scan", "not one this pharmacy reads"),
    ],
)
def test_a_bad_line_is_400_naming_the_line_and_field(
    api_for, inventory_admin, supplier, warehouse, package, line, field, message
) -> None:
    response = post_receipt(
        api_for(inventory_admin), receipt_body(supplier, warehouse, package, **line)
    )

    assert response.status_code == 400
    assert message in response.json()["lines"]["0"][field][0]
    assert not StockMovement.objects.exists()


def test_an_unauthorized_supplier_is_400_on_supplier(
    api_for, inventory_admin, warehouse, package
) -> None:
    grey = SupplierFactory.create(is_authorized=False, name="Grey Market Meds")

    response = post_receipt(api_for(inventory_admin), receipt_body(grey, warehouse, package))

    assert response.status_code == 400
    assert "not an authorized trading partner" in response.json()["supplier"][0]
    assert not Receipt.objects.exists()
