from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from inventory.services import quarantine_lot
from tests.inventory.conftest import Receive
from tests.inventory.factories import PackageFactory

pytestmark = pytest.mark.django_db
URL = "/staff/inventory/"


def test_the_url_is_stable() -> None:
    assert reverse("inventory:dashboard") == URL


@pytest.mark.parametrize("persona", ["inventory_admin", "pharmacist", "nurse"])
def test_staff_with_the_permission_see_the_dashboard(
    request: pytest.FixtureRequest, client_for, persona: str
) -> None:
    response = client_for(request.getfixturevalue(persona)).get(URL)

    assert response.status_code == 200
    assert "inventory/dashboard.html" in [t.name for t in response.templates]
    assert b'href="/staff/inventory/"' in response.content  # the nav item


def test_a_coordinator_without_the_permission_is_refused(client_for, coordinator) -> None:
    response = client_for(coordinator).get(URL)

    assert response.status_code == 403


def test_a_patient_is_refused(client_for, patient) -> None:
    assert client_for(patient).get(URL).status_code == 403


def test_it_refuses_post(client_for, inventory_admin) -> None:
    assert client_for(inventory_admin).post(URL).status_code == 405


def test_it_shows_stock_expiring_and_quarantined_lots(
    client_for, inventory_admin, receive: Receive, package
) -> None:
    receive(package, quantity=7, days=400, lot_number="LONGLIFE1")
    receive(package, quantity=3, days=45, lot_number="SHORT1")
    blocked = receive(package, quantity=2, days=500, lot_number="BLOCKED1")
    quarantine_lot(lot=blocked, reason="Fridge excursion", actor=inventory_admin)

    page = client_for(inventory_admin).get(URL).content.decode()

    assert package.product.brand in page
    assert "<td>12</td>" in page  # containers on hand
    expiring = page.split('id="expiring-title"')[1].split('id="blocked-title"')[0]
    blocked_section = page.split('id="blocked-title"')[1]
    assert "SHORT1" in expiring
    assert "LONGLIFE1" not in expiring
    assert "BLOCKED1" in blocked_section
    assert "Fridge excursion" in page


def test_the_query_count_does_not_grow_with_rows(
    client_for, inventory_admin, receive: Receive
) -> None:
    client = client_for(inventory_admin)
    receive(PackageFactory.create(), quantity=3, days=30)
    client.get(URL)  # warm up session and permission caches
    with CaptureQueriesContext(connection) as few:
        client.get(URL)

    for index in range(6):
        lot = receive(PackageFactory.create(), quantity=3 + index, days=40 + index)
        quarantine_lot(lot=lot, reason="Count check", actor=inventory_admin)
        receive(PackageFactory.create(), quantity=2, days=60 + index)
    with CaptureQueriesContext(connection) as many:
        client.get(URL)

    assert len(many) == len(few)
