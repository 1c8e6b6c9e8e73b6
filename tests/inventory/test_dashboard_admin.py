"""The inventory admin (issue 3 item 9): search, filters, lot actions and a read-only ledger."""

from __future__ import annotations

import pytest

from inventory.models import Lot, StockMovement
from inventory.services import quarantine_lot, reserve_stock
from tests.inventory.conftest import Receive
from tests.inventory.factories import PackageFactory, today

pytestmark = pytest.mark.django_db
LOTS = "/admin/inventory/lot/"


def lot_numbers_listed(html: str, *numbers: str) -> set[str]:
    return {number for number in numbers if number in html}


@pytest.mark.parametrize("changelist", ["lot", "receipt", "stockmovement", "reservation"], ids=str)
@pytest.mark.parametrize("search_by", ["lot", "ndc", "brand"])
def test_inventory_lists_search_by_lot_ndc_and_brand(
    client_for, inventory_admin, receive: Receive, warehouse, changelist, search_by
) -> None:
    # given two lots of two products, each reserved once (so every list has rows)
    wanted, other = PackageFactory.create(), PackageFactory.create()
    for package, number in ((wanted, "WANTED1"), (other, "OTHER1")):
        receive(package, quantity=3, lot_number=number)
        reserve_stock(
            product=package.product,
            containers={package: 1},
            needed_on=today(),
            location=warehouse,
            actor=inventory_admin,
        )
    term = {"lot": "WANTED1", "ndc": wanted.ndc, "brand": wanted.product.brand}[search_by]

    # when
    response = client_for(inventory_admin).get(f"/admin/inventory/{changelist}/", {"q": term})

    # then only the wanted lot's rows are listed
    assert response.status_code == 200
    assert response.context["cl"].result_count >= 1
    html = response.content.decode()
    # (receipts show the invoice number, INV-<lot>, see the receive fixture)
    assert "WANTED1" in html
    assert "OTHER1" not in html


def test_lots_filter_by_status(client_for, inventory_admin, receive: Receive, package) -> None:
    receive(package, quantity=2, lot_number="FINE1")
    held = receive(package, quantity=2, lot_number="HELD1", days=500)
    quarantine_lot(lot=held, reason="Fridge alarm", actor=inventory_admin)

    html = (
        client_for(inventory_admin)
        .get(LOTS, {"status__exact": Lot.Status.QUARANTINED})
        .content.decode()
    )

    assert lot_numbers_listed(html, "FINE1", "HELD1") == {"HELD1"}


def test_the_quarantine_action_needs_a_reason_and_writes_the_ledger(
    client_for, inventory_admin, receive: Receive, package
) -> None:
    lot = receive(package, quantity=2)
    client = client_for(inventory_admin)
    action = {"action": "quarantine", "_selected_action": [lot.pk], "index": 0}

    # without a reason nothing changes
    response = client.post(LOTS, {**action, "reason": ""}, follow=True)
    lot.refresh_from_db()
    assert lot.status == Lot.Status.AVAILABLE
    assert "reason" in response.content.decode().lower()

    # with one the lot is quarantined and the ledger says who and why
    client.post(LOTS, {**action, "reason": "Cooler arrived warm"})
    lot.refresh_from_db()
    assert lot.status == Lot.Status.QUARANTINED
    row = StockMovement.objects.get(lot=lot, kind=StockMovement.Kind.QUARANTINE)
    assert (row.actor, row.reason) == (inventory_admin, "Cooler arrived warm")


def test_the_release_action_returns_a_quarantined_lot(
    client_for, inventory_admin, receive: Receive, package
) -> None:
    lot = receive(package, quantity=2)
    quarantine_lot(lot=lot, reason="Fridge alarm", actor=inventory_admin)

    client_for(inventory_admin).post(
        LOTS,
        {
            "action": "release",
            "_selected_action": [lot.pk],
            "index": 0,
            "reason": "Data logger shows 2-8 °C throughout",
        },
    )

    lot.refresh_from_db()
    assert lot.status == Lot.Status.AVAILABLE


def test_the_ledger_is_read_only_in_the_admin(
    client_for, inventory_admin, superuser, receive: Receive, package
) -> None:
    receive(package, quantity=2)
    movement = StockMovement.objects.get()
    base = f"/admin/inventory/stockmovement/{movement.pk}"

    for user in (inventory_admin, superuser):
        client = client_for(user)
        page = client.get(f"{base}/change/")
        assert page.status_code == 200
        assert 'name="_save"' not in page.content.decode()
        assert client.post(f"{base}/change/", {"quantity": 99}).status_code == 403
        assert client.post(f"{base}/delete/", {"post": "yes"}).status_code == 403
        assert client.get("/admin/inventory/stockmovement/add/").status_code == 403

    movement.refresh_from_db()
    assert movement.quantity == 2
