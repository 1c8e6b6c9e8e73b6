"""Recall pages: the form from a lot, the recall with its trace, the CSV export."""

from __future__ import annotations

import csv
import io
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AuditLogEntry
from inventory.models import Lot, Recall, Reservation
from inventory.services import dispense_stock, recall_lot, reserve_stock
from tests.inventory.conftest import MakeVisit, Receive
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def dosed_lot(receive: Receive, package, warehouse, nurse, visit_for: MakeVisit):
    """A lot with one patient dosed at a visit; returns (lot, patient, visit_uuid)."""
    lot = receive(package, quantity=10, lot_number="RCL-001")
    patient = PatientFactory.create(first_name="Odile", last_name="Marchetti")
    visit = visit_for(package.product, patient=patient, status="in_progress").uuid
    dispense_stock(
        lot=lot, location=warehouse, quantity=2, actor=nurse, patient=patient, visit_uuid=visit
    )
    return lot, patient, visit


def recalled(lot, actor) -> Recall:
    return recall_lot(
        lot=lot, actor=actor, recall_class="I", source="fda", reason="Thrombosis reports"
    )


def test_the_urls_are_stable() -> None:
    some = uuid.UUID(int=1)
    assert reverse("inventory:recall", args=[some]) == f"/staff/inventory/recalls/{some}/"
    assert reverse("inventory:recall-create", args=[some]) == (
        f"/staff/inventory/lots/{some}/recall/"
    )


def test_an_inventory_admin_recalls_a_lot_from_the_form(
    client_for, inventory_admin, dosed_lot, package, warehouse, pharmacist, visit_for
) -> None:
    lot, _patient, _visit = dosed_lot
    reserve_stock(
        product=package.product,
        containers={package: 2},
        needed_on=None,
        location=warehouse,
        actor=pharmacist,
        visit_uuid=visit_for(package.product).uuid,
    )
    client = client_for(inventory_admin)
    url = reverse("inventory:recall-create", args=[lot.uuid])

    page = client.get(url)
    assert page.status_code == 200
    assert b"Open reservations to release</dt><dd>1" in page.content
    response = client.post(
        url, {"recall_class": "I", "source": "fda", "reason": "Thrombosis reports"}
    )

    recall = Recall.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("inventory:recall", args=[recall.uuid])
    lot.refresh_from_db()
    assert lot.status == Lot.Status.RECALLED
    assert Reservation.objects.get().released_by_recall == recall


def test_the_form_names_a_missing_reason_and_recalls_nothing(
    client_for, inventory_admin, dosed_lot
) -> None:
    lot, _patient, _visit = dosed_lot
    response = client_for(inventory_admin).post(
        reverse("inventory:recall-create", args=[lot.uuid]),
        {"recall_class": "I", "source": "fda", "reason": ""},
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {"reason": ["This field is required."]}
    assert not Recall.objects.exists()


def test_a_second_recall_of_the_lot_leads_to_the_first(
    client_for, inventory_admin, dosed_lot
) -> None:
    lot, _patient, _visit = dosed_lot
    recall = recalled(lot, inventory_admin)

    response = client_for(inventory_admin).post(
        reverse("inventory:recall-create", args=[lot.uuid]),
        {"recall_class": "II", "source": "manufacturer", "reason": "Again"},
    )

    assert response["Location"] == reverse("inventory:recall", args=[recall.uuid])
    assert Recall.objects.count() == 1


@pytest.mark.parametrize("persona", ["inventory_admin", "pharmacist"])
def test_the_recall_page_lists_the_patient_dosed_with_nurse_and_visit(
    request: pytest.FixtureRequest, client_for, inventory_admin, nurse, dosed_lot, persona
) -> None:
    lot, patient, visit = dosed_lot
    recall = recalled(lot, inventory_admin)
    viewer = request.getfixturevalue(persona)

    response = client_for(viewer).get(reverse("inventory:recall", args=[recall.uuid]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Odile Marchetti" in html
    assert patient.mrn in html
    assert nurse.get_full_name() in html
    assert f'href="/staff/visits/{visit}/"' in html
    entry = AuditLogEntry.objects.get(action="inventory.recall.trace_viewed")
    assert (entry.actor, entry.patient_uuid) == (viewer, patient.uuid)


@pytest.mark.parametrize("persona", ["nurse", "coordinator", "patient"])
def test_others_may_not_see_the_trace_or_start_a_recall(
    request: pytest.FixtureRequest, client_for, inventory_admin, dosed_lot, persona
) -> None:
    lot, _patient, _visit = dosed_lot
    recall = recalled(lot, inventory_admin)
    client = client_for(request.getfixturevalue(persona))
    recall_form_url = reverse("inventory:recall-create", args=[lot.uuid])

    assert client.get(reverse("inventory:recall", args=[recall.uuid])).status_code == 403
    assert client.get(reverse("inventory:recall-csv", args=[recall.uuid])).status_code == 403
    assert client.get(recall_form_url).status_code == 403
    assert not AuditLogEntry.objects.filter(action__startswith="inventory.recall.trace").exists()


def test_a_pharmacist_may_start_a_recall(client_for, pharmacist, dosed_lot) -> None:
    lot, _patient, _visit = dosed_lot
    # Pharmacists hold the recall permission too (accounts.roles).
    assert (
        client_for(pharmacist).get(reverse("inventory:recall-create", args=[lot.uuid])).status_code
        == 200
    )


def test_an_unknown_recall_is_not_found(client_for, inventory_admin) -> None:
    url = reverse("inventory:recall", args=[uuid.uuid4()])
    assert client_for(inventory_admin).get(url).status_code == 404


def test_the_csv_lists_the_trace_and_is_audited_per_patient(
    client_for, inventory_admin, nurse, dosed_lot
) -> None:
    lot, patient, visit = dosed_lot
    recall = recalled(lot, inventory_admin)

    response = client_for(inventory_admin).get(reverse("inventory:recall-csv", args=[recall.uuid]))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Cache-Control"] == "no-store"
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 1
    row = rows[0]
    assert (row["patient"], row["MRN"], row["containers given"]) == (
        "Odile Marchetti",
        patient.mrn,
        "2",
    )
    assert (row["nurse"], row["visit"], row["lot"]) == (
        nurse.get_full_name(),
        str(visit),
        "RCL-001",
    )
    assert (
        AuditLogEntry.objects.filter(
            action="inventory.recall.trace_exported", patient_uuid=patient.uuid
        ).count()
        == 1
    )


def test_the_csv_neutralises_spreadsheet_formulas(
    client_for, inventory_admin, receive: Receive, package, warehouse, nurse
) -> None:
    lot = receive(package, quantity=3, lot_number="RCL-002")
    evil = PatientFactory.create(first_name="=HYPERLINK(1)", last_name="X")
    dispense_stock(
        lot=lot, location=warehouse, quantity=1, actor=nurse, patient=evil, visit_uuid=None
    )
    recall = recalled(lot, inventory_admin)

    response = client_for(inventory_admin).get(reverse("inventory:recall-csv", args=[recall.uuid]))

    body = b"".join(response.streaming_content).decode()
    assert "'=HYPERLINK(1) X" in body


def test_the_recall_page_query_count_does_not_grow_with_patients(
    client_for, inventory_admin, receive: Receive, package, warehouse, nurse, visit_for
) -> None:
    lot = receive(package, quantity=30, lot_number="RCL-003")
    client = client_for(inventory_admin)

    def dose(n: int) -> None:
        for _ in range(n):
            visit = visit_for(package.product, status="in_progress")
            dispense_stock(
                lot=lot,
                location=warehouse,
                quantity=1,
                actor=nurse,
                patient=visit.patient,
                visit_uuid=visit.uuid,
            )

    dose(1)
    recall = recalled(lot, inventory_admin)
    url = reverse("inventory:recall", args=[recall.uuid])
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    Lot.objects.filter(pk=lot.pk).update(status=Lot.Status.AVAILABLE)  # to dose more
    dose(6)
    with CaptureQueriesContext(connection) as seven:
        response = client.get(url)

    assert len(response.context["trace"]) == 7
    assert len(seven) == len(one)


def test_the_dashboard_links_a_recalled_lot_to_its_recall(
    client_for, inventory_admin, nurse, dosed_lot
) -> None:
    lot, _patient, _visit = dosed_lot
    recall = recalled(lot, inventory_admin)
    link = f'href="{reverse("inventory:recall", args=[recall.uuid])}"'

    assert link in client_for(inventory_admin).get("/staff/inventory/").content.decode()
    # A nurse sees the lot is recalled, but not a link to a trace she may not open.
    assert link not in client_for(nurse).get("/staff/inventory/").content.decode()


def test_the_lot_admin_recall_action_leads_to_the_recall_form(
    client_for, inventory_admin, dosed_lot
) -> None:
    lot, _patient, _visit = dosed_lot

    response = client_for(inventory_admin).post(
        reverse("admin:inventory_lot_changelist"),
        {"action": "recall", "_selected_action": [lot.pk], "reason": ""},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("inventory:recall-create", args=[lot.uuid])
