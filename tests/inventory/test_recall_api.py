"""Reserve, dispense and recall through the API (issue 3 Done-when: "through the API")."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import AuditLogEntry
from inventory.models import Lot, Reservation, StockMovement
from inventory.services import reserve_stock
from tests.inventory.conftest import MakeVisit, Receive
from tests.inventory.factories import today
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db
BASE = "/api/v1/inventory"


def post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(f"{BASE}/{url}", body, content_type="application/json")


def reservation_body(package, location, quantity: int = 2, **extra: Any) -> dict[str, Any]:
    return {
        "product": str(package.product.uuid),
        "containers": [{"package": str(package.uuid), "quantity": quantity}],
        "needed_on": (today() + datetime.timedelta(days=3)).isoformat(),
        "location": str(location.uuid),
    } | extra


def test_receipt_reserve_dispense_recall_and_the_trace_lists_the_patient(
    client_for, inventory_admin, pharmacist, supplier, warehouse, package
) -> None:
    admin, pharmacy = client_for(inventory_admin), client_for(pharmacist)
    # A reservation for a patient outside a visit: the API dispenses those (a visit's own
    # is dispensed by signing the visit: tests/scheduling/test_visit_reservations.py).
    patient = PatientFactory.create(first_name="Hester", last_name="Lyle")

    receipt = post(
        admin,
        "receipts/",
        {
            "supplier": str(supplier.uuid),
            "location": str(warehouse.uuid),
            "received_on": today().isoformat(),
            "transaction_reference": "INV-RT-1",
            "lines": [
                {
                    "package": str(package.uuid),
                    "lot_number": "RT100",
                    "expires_on": (today() + datetime.timedelta(days=400)).isoformat(),
                    "quantity": 6,
                }
            ],
        },
    )
    assert receipt.status_code == 201, receipt.json()
    lot_uuid = receipt.json()["lines"][0]["lot"]

    reserved = post(
        pharmacy,
        "reservations/",
        reservation_body(package, warehouse, 3, patient=str(patient.uuid)),
    )
    assert reserved.status_code == 201, reserved.json()
    (reservation,) = reserved.json()
    assert (reservation["lot"], reservation["patient"], reservation["visit_uuid"]) == (
        lot_uuid,
        str(patient.uuid),
        None,
    )

    dispensed = post(pharmacy, f"reservations/{reservation['uuid']}/dispense/", {"quantity": 2})
    assert dispensed.status_code == 200, dispensed.json()
    assert dispensed.json()["status"] == "dispensed"

    recalled = post(
        admin,
        f"lots/{lot_uuid}/recall/",
        {"recall_class": "I", "source": "fda", "reason": "Thromboembolic events"},
    )
    assert recalled.status_code == 201, recalled.json()
    assert Lot.objects.get(uuid=lot_uuid).status == Lot.Status.RECALLED

    body = admin.get(f"{BASE}/recalls/{recalled.json()['uuid']}/").json()
    (row,) = body["trace"]
    assert (row["patient"], row["patient_name"], row["mrn"]) == (
        str(patient.uuid),
        "Hester Lyle",
        patient.mrn,
    )
    assert (row["net_quantity"], row["visit_uuid"], row["nurse"]) == (
        2,
        None,
        pharmacist.get_full_name(),
    )
    assert row["location"] == warehouse.name
    assert AuditLogEntry.objects.filter(
        action="inventory.recall.trace_viewed", patient_uuid=patient.uuid, actor=inventory_admin
    ).exists()


def test_a_recall_through_the_api_releases_open_reservations_and_lists_their_visits(
    client_for, inventory_admin, pharmacist, receive: Receive, package, warehouse, visit_for
) -> None:
    lot = receive(package, quantity=5)
    visit = visit_for(package.product).uuid
    reserve_stock(
        product=package.product,
        containers={package: 2},
        needed_on=None,
        location=warehouse,
        actor=pharmacist,
        visit_uuid=visit,
    )

    response = post(
        client_for(pharmacist),
        f"lots/{lot.uuid}/recall/",
        {"recall_class": "II", "source": "manufacturer", "reason": "Particulates"},
    )

    assert response.status_code == 201
    assert response.json()["released_visits"] == [str(visit)]
    assert Reservation.objects.get().status == Reservation.Status.RELEASED


def test_a_second_recall_is_refused_with_a_clear_message(
    client_for, inventory_admin, receive: Receive, package
) -> None:
    lot = receive(package, quantity=5, lot_number="TWICE1")
    client = client_for(inventory_admin)
    body = {"recall_class": "II", "source": "manufacturer", "reason": "Particulates"}
    assert post(client, f"lots/{lot.uuid}/recall/", body).status_code == 201

    again = post(client, f"lots/{lot.uuid}/recall/", body)

    assert again.status_code == 400
    assert "Lot TWICE1 was already recalled" in again.json()["lot"][0]


def test_a_short_reservation_names_what_is_missing_and_reserves_nothing(
    client_for, pharmacist, receive: Receive, package, warehouse
) -> None:
    receive(package, quantity=2)

    response = post(
        client_for(pharmacist), "reservations/", reservation_body(package, warehouse, 5)
    )

    assert response.status_code == 400
    assert "Only 2 of 5" in response.json()["containers"][0]
    assert not Reservation.objects.exists()
    assert not StockMovement.objects.filter(kind="reserve").exists()


def test_a_patient_the_caller_may_not_see_is_refused(
    client_for, inventory_admin, receive: Receive, package, warehouse
) -> None:
    receive(package, quantity=5)
    patient = PatientFactory.create()

    response = post(
        client_for(inventory_admin),
        "reservations/",
        reservation_body(package, warehouse, 1, patient=str(patient.uuid)),
    )

    assert response.status_code == 400
    assert response.json() == {"patient": ["No such patient."]}
    assert not Reservation.objects.exists()


def test_dispensing_a_closed_reservation_is_refused(
    client_for, pharmacist, receive: Receive, package, warehouse
) -> None:
    receive(package, quantity=5)
    client = client_for(pharmacist)
    body = reservation_body(package, warehouse, patient=str(PatientFactory.create().uuid))
    (reservation,) = post(client, "reservations/", body).json()
    url = f"reservations/{reservation['uuid']}/dispense/"
    assert post(client, url, {}).status_code == 200

    again = post(client, url, {})

    assert again.status_code == 400
    assert "already dispensed" in again.json()["reservation"][0]


@pytest.mark.parametrize("persona", ["nurse", "coordinator", "patient"])
def test_others_may_not_reserve_recall_or_read_a_trace(
    request: pytest.FixtureRequest,
    client_for,
    inventory_admin,
    receive: Receive,
    package,
    warehouse,
    persona,
) -> None:
    lot = receive(package, quantity=5)
    recall = post(
        client_for(inventory_admin),
        f"lots/{lot.uuid}/recall/",
        {"recall_class": "III", "source": "pharmacy", "reason": "Label misprint"},
    ).json()
    other_lot = receive(package, quantity=5, lot_number="OTHER2")
    client = client_for(request.getfixturevalue(persona))

    assert post(client, "reservations/", reservation_body(package, warehouse)).status_code == 403
    assert client.get(f"{BASE}/recalls/{recall['uuid']}/").status_code == 403
    body = {"recall_class": "III", "source": "pharmacy", "reason": "x"}
    assert post(client, f"lots/{other_lot.uuid}/recall/", body).status_code == 403
    assert Lot.objects.get(pk=other_lot.pk).status == Lot.Status.AVAILABLE


def test_anonymous_callers_are_refused(client: Client, receive: Receive, package) -> None:
    lot = receive(package, quantity=1)
    assert client.get(f"{BASE}/reservations/").status_code == 403
    assert client.get(f"{BASE}/recalls/{uuid.uuid4()}/").status_code == 403
    assert post(client, f"lots/{lot.uuid}/recall/", {}).status_code == 403


def test_the_reservation_list_query_count_does_not_grow_with_rows(
    client_for, pharmacist, receive: Receive, package, warehouse, visit_for: MakeVisit
) -> None:
    client = client_for(pharmacist)
    receive(package, quantity=20)

    def reserve(n: int) -> None:
        for _ in range(n):
            reserve_stock(
                product=package.product,
                containers={package: 1},
                needed_on=None,
                location=warehouse,
                actor=pharmacist,
                visit_uuid=visit_for(package.product).uuid,
            )

    reserve(1)
    with CaptureQueriesContext(connection) as few:
        assert client.get(f"{BASE}/reservations/").status_code == 200
    reserve(6)
    with CaptureQueriesContext(connection) as many:
        assert client.get(f"{BASE}/reservations/").json()["count"] == 7

    assert len(many) == len(few)


def test_a_retried_reservation_with_the_same_key_reserves_once(
    client_for, pharmacist, receive: Receive, package, warehouse
) -> None:
    receive(package, quantity=5)
    client = client_for(pharmacist)
    body = reservation_body(package, warehouse, 2, reference="plan 42")

    def send(payload: dict[str, Any]) -> Any:
        return client.post(
            f"{BASE}/reservations/",
            payload,
            content_type="application/json",
            headers={"Idempotency-Key": "visit-42-plan"},
        )

    first, retry = send(body), send(body)

    assert (first.status_code, retry.status_code) == (201, 200)
    assert retry.json() == first.json()
    assert Reservation.objects.count() == 1
    changed = send(body | {"needed_on": today().isoformat()})
    assert changed.status_code == 422
    assert Reservation.objects.count() == 1
