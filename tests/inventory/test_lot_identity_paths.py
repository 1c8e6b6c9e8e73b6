"""Every way a lot number comes in finds the lot by its key and answers bad input on its field
(issue 13 items 1 and 8): the receipts page (typed and GS1 scans), the receipts API, the CSV
import in the admin, the lots API filter and the admin search. The clock is pinned."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from inventory.models import Lot, Package, Receipt, StockMovement
from inventory.selectors import lot_on_hand_total
from inventory.services import ReceiptLineInput, recall_lot, receive_shipment
from tests.inventory.factories import PackageFactory, today

pytestmark = pytest.mark.django_db

PINNED = datetime.datetime(2026, 6, 10, 14, 0, tzinfo=datetime.UTC)
EXPIRY = datetime.date(2027, 8, 31)
PAGE = "/staff/inventory/receipts/new/"
API = "/api/v1/inventory"
CSV = "/admin/inventory/receipt/import-csv/"


@pytest.fixture(autouse=True)
def _pinned_clock():
    with time_machine.travel(PINNED, tick=False):
        yield


@pytest.fixture
def on_file(supplier, warehouse, package, inventory_admin):
    """Receive ``number`` (5 containers, EXPIRY) and return its lot; recall it if asked."""

    def do(number: str, *, recalled: bool = False, of: Package | None = None) -> Lot:
        receipt = receive_shipment(
            supplier=supplier,
            location=warehouse,
            received_on=today(),
            transaction_reference=f"INV-{number}",
            lines=[
                ReceiptLineInput(
                    package=of or package, lot_number=number, expires_on=EXPIRY, quantity=5
                )
            ],
            actor=inventory_admin,
        )
        lot = receipt.lines.get().lot
        if recalled:
            recall_lot(
                lot=lot,
                actor=inventory_admin,
                recall_class="I",
                source="fda",
                reason="FDA withdrawal: particulate matter",
            )
            lot.refresh_from_db()
        return lot

    return do


def saved() -> tuple[int, int, int]:
    return Receipt.objects.count(), Lot.objects.count(), StockMovement.objects.count()


def scan_of(package: Package, lot: str, expiry: datetime.date = EXPIRY) -> str:
    return f"(01){package.gtin}(17){expiry:%y%m%d}(10){lot}"


# --- the receipts page -------------------------------------------------------------------


def page_data(supplier, location, *lines: dict[str, Any], received_on=None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "supplier": supplier.pk,
        "location": location.pk,
        "received_on": (received_on or today()).isoformat(),
        "transaction_reference": "INV-WEB-9",
        "lines-TOTAL_FORMS": str(len(lines)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "50",
    }
    for index, line in enumerate(lines):
        for name, value in line.items():
            data[f"lines-{index}-{name}"] = value
    return data


def typed(package: Package, lot: str, expiry: datetime.date = EXPIRY, **extra: Any):
    return {
        "package": package.pk,
        "lot_number": lot,
        "expires_on": expiry.isoformat(),
        "quantity": "3",
    } | extra


def test_the_page_refuses_a_recalled_lot_typed_in_lower_case_and_saves_no_line(
    client_for, inventory_admin, supplier, warehouse, package, on_file
) -> None:
    recalled = on_file("AB123", recalled=True)
    before = saved()
    data = page_data(
        supplier,
        warehouse,
        typed(PackageFactory.create(), "FINE1"),
        typed(package, "ab123"),
    )

    response = client_for(inventory_admin).post(PAGE, data)

    assert response.status_code == 200
    forms = response.context["lines"].forms
    assert forms[0].errors == {}
    error = forms[1].errors["lot_number"][0]
    assert "Lot ab123 (on file as AB123)" in error
    assert f"class I recall of 2026-06-10 (FDA), reference {recalled.recall.uuid}" in error
    assert "particulate matter" in error
    assert saved() == before
    assert not Lot.objects.filter(lot_key="FINE1").exists()


def test_the_page_refuses_a_recalled_lot_scanned_from_the_carton(
    client_for, inventory_admin, supplier, warehouse, package, on_file
) -> None:
    on_file("AB123", recalled=True)
    before = saved()
    line = {"package": package.pk, "scan": scan_of(package, "ab123"), "quantity": "2"}

    response = client_for(inventory_admin).post(PAGE, page_data(supplier, warehouse, line))

    assert "is recalled" in response.context["lines"].forms[0].errors["scan"][0]
    assert saved() == before


def test_the_page_adds_a_respaced_number_to_the_available_lot(
    client_for, inventory_admin, supplier, warehouse, package, on_file
) -> None:
    lot = on_file("AB123")

    response = client_for(inventory_admin).post(
        PAGE, page_data(supplier, warehouse, typed(package, " AB 123 "))
    )

    assert response.status_code == 302
    assert Lot.objects.get() == lot
    assert lot_on_hand_total(lot=lot) == 8


def test_the_page_asks_for_a_look_alike_to_be_confirmed(
    client_for, inventory_admin, supplier, warehouse, package, on_file
) -> None:
    on_file("B0123")
    client = client_for(inventory_admin)

    refused = client.post(PAGE, page_data(supplier, warehouse, typed(package, "80123")))
    confirmed = client.post(
        PAGE,
        page_data(supplier, warehouse, typed(package, "80123", distinct_from_lot="B0123")),
    )

    assert "looks like lot B0123" in refused.context["lines"].forms[0].errors["lot_number"][0]
    assert confirmed.status_code == 302
    assert Lot.objects.filter(lot_key="80123").exists()


def test_the_page_names_impossible_dates_on_their_fields(
    client_for, inventory_admin, supplier, warehouse, package
) -> None:
    data = page_data(
        supplier,
        warehouse,
        typed(package, "FAR1", expiry=datetime.date(2099, 12, 31)),
        received_on=datetime.date(2099, 1, 1),
    )

    response = client_for(inventory_admin).post(PAGE, data)

    assert response.status_code == 200
    header = response.context["form"].errors["received_on"][0]
    assert "Received on 2099-01-01 is after today (2026-06-10)" in header
    line_error = response.context["lines"].forms[0].errors["expires_on"][0]
    assert "more than 36 months after the receipt date 2026-06-10 (latest 2029-06-10)" in line_error
    assert not Receipt.objects.exists()


def test_the_page_refuses_a_scanned_expiry_of_2099(
    client_for, inventory_admin, supplier, warehouse, package
) -> None:
    line = {
        "package": package.pk,
        "scan": scan_of(package, "SC1", datetime.date(2099, 12, 31)),
        "quantity": "1",
    }

    response = client_for(inventory_admin).post(PAGE, page_data(supplier, warehouse, line))

    assert "more than 36 months" in response.context["lines"].forms[0].errors["scan"][0]
    assert not Lot.objects.exists()


# --- the receipts API --------------------------------------------------------------------


def api_body(supplier, location, *lines: dict[str, Any], received_on=None) -> dict[str, Any]:
    return {
        "supplier": str(supplier.uuid),
        "location": str(location.uuid),
        "received_on": (received_on or today()).isoformat(),
        "transaction_reference": "INV-API-9",
        "lines": list(lines),
    }


def api_line(package: Package, lot: str = "", **extra: Any) -> dict[str, Any]:
    return {
        "package": str(package.uuid),
        "lot_number": lot,
        "expires_on": EXPIRY.isoformat(),
        "quantity": 2,
    } | extra


def post(client, body):
    return client.post(f"{API}/receipts/", body, content_type="application/json")


def test_the_api_refuses_a_recalled_lot_in_another_spelling_with_a_400(
    client_for, inventory_admin, supplier, warehouse, package, on_file
) -> None:
    on_file("AB123", recalled=True)
    before = saved()
    body = api_body(
        supplier, warehouse, api_line(PackageFactory.create(), "OK1"), api_line(package, "Ab-123")
    )

    response = post(client_for(inventory_admin), body)

    assert response.status_code == 400
    errors = response.json()["lines"]
    assert list(errors) == ["1"]
    assert "Lot Ab-123 (on file as AB123)" in errors["1"]["lot_number"][0]
    assert "class I recall" in errors["1"]["lot_number"][0]
    assert saved() == before


def test_the_api_refuses_a_recalled_lot_scanned(
    client_for, inventory_admin, supplier, warehouse, package, on_file
) -> None:
    on_file("AB123", recalled=True)
    line = api_line(package, scan=scan_of(package, "ab123"), expires_on=None)

    response = post(client_for(inventory_admin), api_body(supplier, warehouse, line))

    assert response.status_code == 400
    assert "is recalled" in response.json()["lines"]["0"]["scan"][0]


def test_the_api_adds_to_the_available_lot_and_keeps_the_spelling_received(
    client_for, inventory_admin, supplier, warehouse, package, on_file
) -> None:
    lot = on_file("AB123")

    response = post(
        client_for(inventory_admin), api_body(supplier, warehouse, api_line(package, " ab 123"))
    )

    assert response.status_code == 201, response.json()
    line = response.json()["lines"][0]
    assert (line["lot"], line["lot_number"], line["lot_number_as_received"]) == (
        str(lot.uuid),
        "AB123",
        "ab 123",
    )
    assert Lot.objects.count() == 1


def test_the_api_confirms_a_look_alike_only_when_asked(
    client_for, inventory_admin, supplier, warehouse, package, on_file
) -> None:
    on_file("B0123")
    client = client_for(inventory_admin)

    refused = post(client, api_body(supplier, warehouse, api_line(package, "8O123")))
    confirmed = post(
        client,
        api_body(supplier, warehouse, api_line(package, "8O123", distinct_from_lot="B0123")),
    )

    assert refused.status_code == 400
    assert "looks like lot B0123" in refused.json()["lines"]["0"]["lot_number"][0]
    assert confirmed.status_code == 201


@pytest.mark.parametrize(
    ("change", "where", "message"),
    [
        (
            {"received_on": "2099-01-01"},
            ("received_on",),
            "Received on 2099-01-01 is after today (2026-06-10)",
        ),
        (
            {"received_on": "2026-01-01"},
            ("received_on",),
            "more than 14 days ago: the earliest receipt date accepted is 2026-05-27",
        ),
        (
            {"lines": [{"expires_on": "2099-12-31"}]},
            ("lines", "0", "expires_on"),
            "more than 36 months after the receipt date 2026-06-10",
        ),
        (
            {"lines": [{"lot_number": "AB#1"}]},
            ("lines", "0", "lot_number"),
            "which a GS1 lot number (AI 10) cannot contain",
        ),
    ],
)
def test_the_api_answers_impossible_input_with_a_400_on_its_field(
    client_for, inventory_admin, supplier, warehouse, package, change, where, message
) -> None:
    body = api_body(supplier, warehouse, api_line(package, "GOOD1"))
    if "lines" in change:
        body["lines"] = [body["lines"][0] | change["lines"][0]]
    else:
        body |= change

    response = post(client_for(inventory_admin), body)

    assert response.status_code == 400
    found: Any = response.json()
    for key in where:
        found = found[key]
    assert message in found[0]
    assert not Receipt.objects.exists()


def test_the_api_refuses_a_scanned_expiry_of_2099(
    client_for, inventory_admin, supplier, warehouse, package
) -> None:
    scan = scan_of(package, "SC2", datetime.date(2099, 12, 31))
    line = api_line(package, scan=scan, expires_on=None)

    response = post(client_for(inventory_admin), api_body(supplier, warehouse, line))

    assert response.status_code == 400
    assert "more than 36 months" in response.json()["lines"]["0"]["scan"][0]


def test_the_lots_api_finds_a_lot_however_its_number_is_typed(
    client_for, pharmacist, package, on_file
) -> None:
    lot = on_file("AB123")
    on_file("AB124")
    client = client_for(pharmacist)

    found = client.get(f"{API}/lots/", {"lot_number": "ab-123"}).json()
    nothing = client.get(f"{API}/lots/", {"lot_number": "--"}).json()

    rows = found["results"] if isinstance(found, dict) else found
    assert [row["uuid"] for row in rows] == [str(lot.uuid)]
    assert (nothing["results"] if isinstance(nothing, dict) else nothing) == []


# --- the CSV import in the admin ---------------------------------------------------------


def upload(client, supplier, warehouse, rows: list[str], *, received_on=None, header=None):
    content = "\n".join([header or "ndc,lot_number,expires_on,quantity", *rows]) + "\n"
    return client.post(
        CSV,
        {
            "supplier": supplier.pk,
            "location": warehouse.pk,
            "received_on": (received_on or today()).isoformat(),
            "transaction_reference": "INV-CSV-9",
            "file": SimpleUploadedFile("shipment.csv", content.encode(), content_type="text/csv"),
        },
    )


def row_errors(response) -> list[tuple[int, str, str]]:
    return [(e.row, e.column, e.message) for e in response.context["row_errors"]]


def test_the_csv_import_refuses_a_recalled_lot_in_lower_case_and_saves_nothing(
    client_for, inventory_admin, supplier, warehouse, package, on_file
) -> None:
    on_file("AB123", recalled=True)
    before = saved()

    response = upload(
        client_for(inventory_admin),
        supplier,
        warehouse,
        [f"{package.ndc},NEW7,{EXPIRY},4", f"{package.ndc},ab123,{EXPIRY},4"],
    )

    assert response.status_code == 200
    ((row, column, message),) = row_errors(response)
    assert (row, column) == (3, "lot_number")
    assert "Lot ab123 (on file as AB123)" in message
    assert "class I recall" in message
    assert saved() == before


def test_the_csv_import_adds_to_the_available_lot_and_checks_one_lot_across_rows(
    client_for, inventory_admin, supplier, warehouse, package, on_file
) -> None:
    lot = on_file("AB123")
    client = client_for(inventory_admin)

    refused = upload(
        client,
        supplier,
        warehouse,
        [f"{package.ndc},XY-9,{EXPIRY},1", f"{package.ndc},xy9,2027-09-30,1"],
    )
    accepted = upload(client, supplier, warehouse, [f"{package.ndc}, ab 123 ,{EXPIRY},2"])

    assert [(r, c) for r, c, _ in row_errors(refused)] == [(3, "expires_on")]
    assert "Lot xy9 is on row 2 with expiry 2027-08-31" in row_errors(refused)[0][2]
    assert accepted.status_code == 302
    assert Lot.objects.count() == 1
    assert lot_on_hand_total(lot=lot) == 7


def test_the_csv_import_takes_a_look_alike_confirmation_column(
    client_for, inventory_admin, supplier, warehouse, package, on_file
) -> None:
    on_file("B0123")
    client = client_for(inventory_admin)
    header = "ndc,lot_number,expires_on,quantity,distinct_from_lot"

    refused = upload(
        client, supplier, warehouse, [f"{package.ndc},80123,{EXPIRY},1,"], header=header
    )
    confirmed = upload(
        client, supplier, warehouse, [f"{package.ndc},80123,{EXPIRY},1,B0123"], header=header
    )

    assert [(r, c) for r, c, _ in row_errors(refused)] == [(2, "lot_number")]
    assert confirmed.status_code == 302


def test_the_csv_import_names_impossible_dates(
    client_for, inventory_admin, supplier, warehouse, package
) -> None:
    client = client_for(inventory_admin)

    future = upload(
        client,
        supplier,
        warehouse,
        [f"{package.ndc},D1,{EXPIRY},1"],
        received_on=datetime.date(2099, 1, 1),
    )
    far = upload(client, supplier, warehouse, [f"{package.ndc},D2,2099-12-31,1"])

    assert (
        "Received on 2099-01-01 is after today" in future.context["form"].errors["received_on"][0]
    )
    ((row, column, message),) = row_errors(far)
    assert (row, column) == (2, "expires_on")
    assert "more than 36 months after the receipt date 2026-06-10" in message
    assert not Receipt.objects.exists()


# --- the admin search --------------------------------------------------------------------


def test_the_admin_search_finds_a_lot_however_its_number_is_typed(
    client_for, inventory_admin, package, on_file
) -> None:
    on_file("AB-123")
    on_file("ZZ9")

    response = client_for(inventory_admin).get("/admin/inventory/lot/", {"q": "ab123"})

    assert response.status_code == 200
    assert [lot.lot_number for lot in response.context["cl"].result_list] == ["AB-123"]


def test_the_admin_shows_each_receipt_line_as_received_and_the_lot_key(
    client_for, inventory_admin, supplier, warehouse, package, on_file
) -> None:
    lot = on_file("AB-123")
    again = receive_shipment(
        supplier=supplier,
        location=warehouse,
        received_on=today(),
        transaction_reference="INV-AGAIN",
        lines=[
            ReceiptLineInput(package=package, lot_number="ab 123", expires_on=EXPIRY, quantity=1)
        ],
        actor=inventory_admin,
    )
    client = client_for(inventory_admin)

    receipt_page = client.get(f"/admin/inventory/receipt/{again.pk}/change/")
    lot_page = client.get(f"/admin/inventory/lot/{lot.pk}/change/")

    assert receipt_page.status_code == lot_page.status_code == 200
    assert "ab 123" in receipt_page.content.decode()
    assert "AB123" in lot_page.content.decode()
