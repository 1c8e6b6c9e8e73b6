"""Importing a shipment CSV in the Django admin: all rows or nothing, every error reported."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.roles import Role
from inventory.csv_import import MAX_FILE_BYTES, RowError
from inventory.models import Lot, Receipt, StockMovement
from inventory.selectors import lot_on_hand_total
from tests.inventory.conftest import Receive
from tests.inventory.factories import PackageFactory, SupplierFactory, today

pytestmark = pytest.mark.django_db
URL = "/admin/inventory/receipt/import-csv/"
HEADER = "ndc,lot_number,expires_on,quantity,serial,override_reason"


def in_days(days: int) -> str:
    return (today() + datetime.timedelta(days=days)).isoformat()


def upload(client, supplier, warehouse, content: bytes | str, **overrides):
    if isinstance(content, str):
        content = content.encode()
    data = {
        "supplier": supplier.pk,
        "location": warehouse.pk,
        "received_on": today().isoformat(),
        "transaction_reference": "INV-2026-0042",
        "file": SimpleUploadedFile("shipment.csv", content, content_type="text/csv"),
        **overrides,
    }
    return client.post(URL, data)


def errors_of(response) -> list[tuple[str, str, str]]:
    """The (row, column, message) rows of the error report table."""
    html = response.content.decode()
    if 'id="row-errors"' not in html:
        return []
    body = html.split('id="row-errors"')[1].split("</tbody>")[0].split("<tbody>")[1]
    rows = re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)
    return [
        tuple(cell.strip() for cell in re.findall(r"<td>(.*?)</td>", row, flags=re.S))
        for row in rows
    ]


def nothing_saved() -> bool:
    return not (Receipt.objects.exists() or Lot.objects.exists() or StockMovement.objects.exists())


def test_the_url_is_named() -> None:
    assert reverse("admin:inventory_receipt_import_csv") == URL


def test_it_receives_every_row_in_one_receipt(
    client_for, inventory_admin, supplier, warehouse, package
) -> None:
    # given a spreadsheet export: BOM, CRLF, a blank line, upper-case headers, NDC and GTIN
    other = PackageFactory.create()
    content = (
        "\ufeffNDC,Lot_Number,Expires_On,Quantity,Serial,Override_Reason\r\n"
        f"{package.ndc},A100,{in_days(400)},12,SN1,\r\n"
        "\r\n"
        f"{str(other.ndc).replace('-', '')},B200,{in_days(30)},3,,Only lot the supplier had\r\n"
    )

    # when
    response = upload(client_for(inventory_admin), supplier, warehouse, content)

    # then one receipt with both lines is on file and the stock is on hand
    receipt = Receipt.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:inventory_receipt_change", args=[receipt.pk])
    assert receipt.transaction_reference == "INV-2026-0042"
    assert receipt.received_by == inventory_admin
    lines = {line.lot.lot_number: line for line in receipt.lines.select_related("lot")}
    assert lines["A100"].quantity == 12
    assert lines["A100"].serial_number == "SN1"
    assert lines["B200"].expiry_override_reason == "Only lot the supplier had"
    assert lot_on_hand_total(lot=lines["A100"].lot) == 12
    assert lot_on_hand_total(lot=lines["B200"].lot) == 3


def test_a_gtin_column_finds_the_package(
    client_for, inventory_admin, supplier, warehouse, package
) -> None:
    content = f"gtin,lot_number,expires_on,quantity\n{package.gtin},G1,{in_days(400)},4\n"

    response = upload(client_for(inventory_admin), supplier, warehouse, content)

    assert response.status_code == 302
    assert Lot.objects.get().package == package


def test_it_reports_every_bad_row_by_number_and_column_and_saves_nothing(
    client_for, inventory_admin, supplier, warehouse, package
) -> None:
    # given one good row and one bad row of each kind
    content = "\n".join(
        [
            HEADER,
            f"{package.ndc},OK1,{in_days(400)},5,,",  # row 2: fine
            f"{package.ndc},BAD2,31/12/2027,5,,",  # row 3: not an ISO date
            f"{package.ndc},BAD3,{in_days(400)},2.5,,",  # row 4: not a whole number
            f"12345-6789-01,BAD4,{in_days(400)},5,,",  # row 5: unknown NDC
            f"{package.ndc},BAD5,{in_days(-1)},5,,",  # row 6: expired
            f"{package.ndc},BAD6,{in_days(20)},5,,",  # row 7: short-dated, no reason
            f"{package.ndc},,{in_days(400)},0,,",  # row 8: no lot number, quantity 0
            "",
        ]
    )

    # when
    response = upload(client_for(inventory_admin), supplier, warehouse, content)

    # then the page lists each problem with its row and column, and nothing was saved
    assert response.status_code == 200
    report = [(row, column) for row, column, _ in errors_of(response)]
    assert report == [
        ("3", "expires_on"),
        ("4", "quantity"),
        ("5", "ndc"),
        ("6", "expires_on"),
        ("7", "override_reason"),
        ("8", "lot_number"),
        ("8", "quantity"),
    ]
    messages = " ".join(message for _, _, message in errors_of(response))
    assert "&#x27;31/12/2027&#x27; is not a date written YYYY-MM-DD" in messages
    assert "&#x27;2.5&#x27; is not a whole number" in messages
    assert "No package in the catalog has NDC 12345-6789-01" in messages
    assert "expired stock cannot be received" in messages
    assert "give a reason to accept it" in messages
    assert "Nothing was saved: 7 problems in the file." in response.content.decode()
    assert nothing_saved()


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("lot_number,expires_on,quantity", "Missing column(s): ndc (or gtin)."),
        ("ndc,lot,expires_on,quantity", "Unknown column(s): &#x27;lot&#x27;."),
        ("ndc,lot_number,expires_on,quantity,quantity", "Repeated column(s): quantity."),
        ("ndc,lot_number,quantity", "Missing column(s): expires_on."),
    ],
)
def test_it_refuses_wrong_headers(
    client_for, inventory_admin, supplier, warehouse, package, header, expected
) -> None:
    content = f"{header}\n{package.ndc},L1,{in_days(400)},5\n"

    response = upload(client_for(inventory_admin), supplier, warehouse, content)

    errors = errors_of(response)
    assert errors[0][0] == "1"  # the header row
    assert expected in errors[0][2]
    assert nothing_saved()


def test_it_refuses_a_file_that_is_not_utf8(
    client_for, inventory_admin, supplier, warehouse, package
) -> None:
    content = f"{HEADER}\n{package.ndc},L1,{in_days(400)},5,,Reçu\n".encode("latin-1")

    response = upload(client_for(inventory_admin), supplier, warehouse, content)

    assert "The file is not UTF-8 text" in errors_of(response)[0][2]
    assert nothing_saved()


def test_it_refuses_a_file_that_is_too_large(
    client_for, inventory_admin, supplier, warehouse
) -> None:
    content = HEADER.encode() + b"\n" + b"x" * MAX_FILE_BYTES

    response = upload(client_for(inventory_admin), supplier, warehouse, content)

    assert response.status_code == 200
    assert "The file is larger than 1 MB" in response.content.decode()
    assert nothing_saved()


def test_it_refuses_a_file_with_only_a_header(
    client_for, inventory_admin, supplier, warehouse
) -> None:
    response = upload(client_for(inventory_admin), supplier, warehouse, HEADER + "\n\n")

    assert errors_of(response)[0][2] == "The file has a header but no rows."


def test_a_row_with_more_values_than_columns_is_reported(
    client_for, inventory_admin, supplier, warehouse, package
) -> None:
    content = f"ndc,lot_number,expires_on,quantity\n{package.ndc},L1,{in_days(400)},5,extra\n"

    response = upload(client_for(inventory_admin), supplier, warehouse, content)

    assert errors_of(response) == [
        ("2", "(whole row)", "The row has 5 values but the header has 4 columns.")
    ]


def test_a_lot_on_file_with_another_expiry_or_recalled_is_refused(
    client_for, inventory_admin, supplier, warehouse, package, receive: Receive
) -> None:
    receive(package, quantity=2, days=400, lot_number="KNOWN")
    recalled = receive(package, quantity=2, days=500, lot_number="RECALLED")
    # Only the status matters here (the recall workflow has its own tests).
    recalled.set_status(Lot.Status.RECALLED, reason="Manufacturer notice")
    recalled.save(update_fields=["status", "status_reason", "updated_at"])
    receipts_before = Receipt.objects.count()
    content = "\n".join(
        [
            "ndc,lot_number,expires_on,quantity",
            f"{package.ndc},KNOWN,{in_days(401)},5",
            f"{package.ndc},RECALLED,{in_days(500)},5",
            f"{package.ndc},TWICE,{in_days(400)},1",
            f"{package.ndc},TWICE,{in_days(410)},1",
        ]
    )

    response = upload(client_for(inventory_admin), supplier, warehouse, content)

    report = [(row, column) for row, column, _ in errors_of(response)]
    assert report == [("2", "expires_on"), ("3", "lot_number"), ("5", "expires_on")]
    assert Receipt.objects.count() == receipts_before


@pytest.mark.parametrize(
    "supplier_kwargs",
    [
        {"is_authorized": False, "verified_on": None, "verification_expires_on": None},
        {
            "verified_on": datetime.date(2020, 1, 1),
            "verification_expires_on": datetime.date(2021, 1, 1),
        },
    ],
    ids=["unauthorized", "verification-expired"],
)
def test_an_unauthorized_supplier_is_refused(
    client_for, inventory_admin, warehouse, package, supplier_kwargs
) -> None:
    supplier = SupplierFactory.create(**supplier_kwargs)
    content = f"ndc,lot_number,expires_on,quantity\n{package.ndc},L1,{in_days(400)},5\n"

    response = upload(client_for(inventory_admin), supplier, warehouse, content)

    assert response.status_code == 200
    assert f"Supplier {supplier.name}" in response.content.decode()
    assert nothing_saved()


def test_staff_without_the_inventory_admin_role_are_refused(
    make_user, client_for, supplier, warehouse, package
) -> None:
    pharmacist = make_user(Role.PHARMACIST, is_staff=True)
    client = client_for(pharmacist)
    content = f"ndc,lot_number,expires_on,quantity\n{package.ndc},L1,{in_days(400)},5\n"

    assert client.get(URL).status_code == 403
    assert upload(client, supplier, warehouse, content).status_code == 403
    assert nothing_saved()


def test_non_staff_are_sent_to_the_admin_login(client_for, nurse) -> None:
    response = client_for(nurse).get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_the_form_page_opens_for_an_inventory_admin(client_for, inventory_admin) -> None:
    response = client_for(inventory_admin).get(URL)

    assert response.status_code == 200
    assert "admin/inventory/receipt/import_csv.html" in [t.name for t in response.templates]
    assert 'enctype="multipart/form-data"' in response.content.decode()


def test_the_changelist_links_to_the_import_for_inventory_admins(
    client_for, inventory_admin, superuser
) -> None:
    link = f'href="{URL}"'

    assert link in client_for(inventory_admin).get("/admin/inventory/receipt/").content.decode()
    assert link in client_for(superuser).get("/admin/inventory/receipt/").content.decode()


def test_a_row_error_is_a_plain_record() -> None:
    assert RowError(3, "quantity", "x") == RowError(3, "quantity", "x")
